/**
 * Text a person reads (a display name, a device name) must show what it is: no control
 * characters (ANSI escapes reach the officer's terminal), no bidi overrides or isolates (they
 * reorder what is shown), no zero-width or other invisible format characters (they make two
 * names that look equal differ). Look-alike letters from other scripts are the officer tool's
 * concern; they are visible characters.
 */
const CONTROL = /\p{Cc}/u;
/** Format characters: bidi controls, zero-width joiners and spaces, BOM, soft hyphen, tags... */
const FORMAT = /\p{Cf}/u;
const SEPARATOR = /[\p{Zl}\p{Zp}]/u;
/** Letters that render as nothing (Hangul fillers, braille blank). */
const BLANK = /[\u115F\u1160\u3164\uFFA0\u2800]/u;

/** Why `text` may not be shown as a name, or undefined when it may. */
export function unsafeTextReason(text: string): string | undefined {
  if (CONTROL.test(text)) return 'control characters';
  if (FORMAT.test(text)) return 'invisible or direction-changing characters';
  if (SEPARATOR.test(text)) return 'line breaks';
  if (BLANK.test(text)) return 'blank characters';
  return undefined;
}
