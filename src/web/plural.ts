// CLDR's English rules: "one" is 1 and -1 alike ("-1 point").
const english = new Intl.PluralRules('en');

/** "1 point", "2 points"; irregular plurals are given: plural(n, 'reply', 'replies'). */
export const plural = (n: number, word: string, words = `${word}s`): string => `${n} ${english.select(n) === 'one' ? word : words}`;
