// Work-breakdown-structure paths, as in the seed: ".0001.0003" is the third
// reply to the first top-level comment. Sorting by path reads the thread in
// order without recursive queries. Four digits a level, a bounded depth.
export const MAX_SIBLINGS = 9999;
export const MAX_DEPTH = 12;

export function childPath(parentPath: string, sequence: number): string {
  return `${parentPath}.${String(sequence).padStart(4, '0')}`;
}
