// One sqlmap run against one route, and what its output concludes.
import { spawn } from 'node:child_process';
import { URLSearchParams } from 'node:url';

// Level 3 also tests the User-Agent (stored with each session) and Referer
// headers; risk 3 adds OR-based payloads, harmless on a throwaway database.
// The back end is known (SQLite), so only its payloads are sent: that, not
// fewer techniques (all six are on), keeps the audit to minutes on two cores.
export const SQLMAP_OPTIONS = ['--batch', '--dbms=SQLite', '--level=3', '--risk=3'];
const PLUMBING = [
  // Session and login-form cookies are ours to keep, not places to test.
  '--skip=sid,csrf_pre',
  '--drop-set-cookie',
  // A successful form post redirects to a new page each time; the 303 itself is the stable answer.
  '--ignore-redirects',
  // Pages differ between answers (a form's signed CSRF token in an attribute): compare their text.
  '--text-only',
  '--flush-session',
  '--disable-coloring',
];

/**
 * Runs sqlmap on `target` ({ url, client, form?, csrfUrl? }): form posts carry
 * the client's cookies and a fresh _csrf token fetched from `csrfUrl` (or the
 * form's own URL) before every request, and this site's Origin.
 */
export async function runSqlmap(target, { origin, outputDir, signal }) {
  const args = ['-u', origin + target.url, `--cookie=${target.client.cookieHeader}`, `--headers=Origin: ${origin}`, `--output-dir=${outputDir}`];
  if (target.form) {
    const data = new URLSearchParams({ ...target.form, _csrf: target.client.csrf }).toString();
    args.push(`--data=${data}`, '--csrf-token=_csrf', `--csrf-url=${origin}${target.csrfUrl ?? target.url}`);
  }
  const started = Date.now();
  const output = await new Promise((resolve) => {
    const child = spawn('sqlmap', [...args, ...SQLMAP_OPTIONS, ...PLUMBING], { signal, stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (chunk) => (text += chunk));
    child.stderr.on('data', (chunk) => (text += chunk));
    child.on('error', (error) => (text += `\n${error.message}`));
    child.on('close', () => resolve(text));
  });
  return { target, output, seconds: (Date.now() - started) / 1000, ...verdict(output) };
}

function verdict(output) {
  const tested = [...output.matchAll(/testing for SQL injection on (?:\w+ )?parameter '([^']+)'/g)].map((m) => m[1]);
  const hints = [...output.matchAll(/heuristic \(basic\) test shows that (.+?) might be injectable/g)].map((m) => m[1]);
  // Only a confirmed point counts: sqlmap re-checks each "appears to be … injectable"
  // candidate and drops false positives (a time-based one on a busy machine, say).
  const candidates = [...output.matchAll(/((?:\w+ )?parameter '[^']+') appears to be '(.+?)' injectable/g)].map(
    (m) => `${m[1]} (looked '${m[2]}' injectable until sqlmap's re-check dropped it)`,
  );
  hints.push(...candidates);
  if (/identified the following injection point/.test(output)) return { tested, hints, finding: 'INJECTABLE' };
  if (output.includes('all tested parameters do not appear to be injectable')) return { tested, hints, finding: null };
  return { tested, hints, finding: 'inconclusive (sqlmap did not finish its tests)' };
}
