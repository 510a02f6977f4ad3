/**
 * Which characters a name (display name, channel name, organisation name, device name) or a pause
 * reason may hold. Text that others read as "who" or "where" must look like what it is: no control
 * characters (ANSI escapes reach a terminal), no bidirectional overrides or isolates (an RLO turns
 * "Alice\u202Eexe.txt" around), no zero-width or other default-ignorable characters (two names that
 * differ only by an invisible one look the same, and a typed confirmation cannot be matched), no
 * line or paragraph separators, no lone surrogates and no private-use characters.
 * One predicate, used wherever such text is decoded: API schemas, certificates and channel states
 * (crypto), enrolment requests, and so the relay's checks too.
 */

// Cc: C0/C1 controls. Cf: format characters (bidi marks, overrides and isolates, ZWJ/ZWNJ, BOM,
// soft hyphen, tags). Default_Ignorable_Code_Point adds the invisible letters and fillers (Hangul
// fillers, CGJ, variation selectors). Zl/Zp: line and paragraph separators. Cs: lone surrogates.
// Co: private use (renders differently on every system).
// U+2800 (braille blank) renders as nothing without being default-ignorable.
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\p{Co}\p{Default_Ignorable_Code_Point}\u2800]/u;
const UNSAFE_ALL = new RegExp(UNSAFE.source, 'gu');

/** The first character a name may not hold, as "U+202E", or null when the text is clean. */
export function unsafeCharacterIn(text: string): string | null {
  const m = UNSAFE.exec(text);
  if (!m) return null;
  return 'U+' + m[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
}

export function isSafeText(text: string): boolean {
  return !UNSAFE.test(text);
}

/** Why `text` may not be shown as a name, in words for an error message, or undefined when it may. */
export function unsafeTextReason(text: string): string | undefined {
  const m = UNSAFE.exec(text);
  if (!m) return undefined;
  const c = m[0];
  if (/\p{Cc}/u.test(c)) return 'control characters';
  if (/\p{Cf}/u.test(c)) return 'invisible or direction-changing characters';
  if (/[\p{Zl}\p{Zp}]/u.test(c)) return 'line breaks';
  if (/[\p{Cs}\p{Co}]/u.test(c)) return 'characters that do not display the same everywhere';
  return 'blank characters';
}

/** What a user is told when a name is refused. */
export const UNSAFE_TEXT_MESSAGE = 'Use visible characters only: control, invisible and text-direction characters are not allowed in names and reasons.';

/**
 * The form two names are compared in when one is typed to confirm the other (the wipe
 * confirmation): compatibility-normalised (NFKC), so full-width or ligature forms match what they
 * look like. Nothing is removed: names cannot hold invisible characters any more.
 */
export function comparableName(text: string): string {
  return text.normalize('NFKC');
}

/** Text from before these rules (or shown from elsewhere) with the unsafe characters made visible. */
export function revealUnsafe(text: string): string {
  return text.replace(UNSAFE_ALL, (c) => `<U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}>`);
}
