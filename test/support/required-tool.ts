/**
 * Whether tests needing an outside program can run: CI must have it (a
 * missing one fails loudly there); elsewhere those tests are skipped with a
 * warning. `problem`: what is missing and how to install it.
 */
export function requiredTool(found: boolean, o: { problem: string; ciNeeds: string; skipped: string }): boolean {
  if (found) return true;
  if (process.env.CI) throw new Error(`CI needs ${o.ciNeeds}: ${o.problem}`);
  console.warn(`\n⚠ ${o.problem}: ${o.skipped} are SKIPPED.\n`);
  return false;
}
