/** "1 point", "2 points"; irregular plurals are given: plural(n, 'reply', 'replies'). */
export const plural = (n: number, word: string, words = `${word}s`): string => `${n} ${n === 1 ? word : words}`;
