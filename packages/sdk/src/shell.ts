/** Quoting for POSIX shells, for building the string form of `exec` from argv. */

/** Characters that never need quoting in sh, bash, dash or zsh. */
const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/**
 * Join argv into one shell command line that the shell splits back into exactly these words.
 * Each word that is empty or holds anything beyond `[A-Za-z0-9_@%+=:,./-]` is single-quoted, with
 * embedded single quotes written as `'\''`.
 *
 * @example
 * shellQuote(['echo', "it's", 'a b', '']); // "echo 'it'\\''s' 'a b' ''"
 * await sandbox.exec(`${shellQuote(['grep', '-r', pattern, '.'])} | head`);
 */
export function shellQuote(argv: readonly string[]): string {
  return argv.map(quoteWord).join(' ');
}

function quoteWord(word: string): string {
  if (SAFE_WORD.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}
