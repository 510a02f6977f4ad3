/**
 * Text from requests and the directory, made safe for the officer's terminal: control characters
 * (ANSI escapes start with one), bidi and zero-width format characters, separators, unassigned and
 * private-use code points are shown as `\u{…}` instead of acting on the terminal or hiding in a
 * name. The relay refuses such names already; the tool does not rely on it.
 */
const HIDDEN = /[\\\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}]/gu;

export function printable(text: string): string {
  return text.replace(HIDDEN, (c) => (c === '\\' ? '\\\\' : `\\u{${c.codePointAt(0)!.toString(16).toUpperCase()}}`));
}
