/**
 * Text a person reads (a display name, a device name) must show what it is: no control
 * characters (ANSI escapes reach the officer's terminal), no bidi overrides or isolates, no
 * zero-width or other invisible characters. The rule is the one every layer applies
 * (shared/model/safeText.ts); the relay names the reason in its refusal. Look-alike letters from
 * other scripts are the officer tool's concern; they are visible characters.
 */
export { unsafeTextReason } from '../../shared/model/safeText.ts';
