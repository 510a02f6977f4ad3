/**
 * Look-alike names: "Аnna" with a Cyrillic А, "Ｂob" in full width or "ＡＮＮＡ" read the same as
 * "Anna" and "Bob". Where a name is checked against another (two enrolment requests for one
 * person, a request matched to a known member), the comparison is made on this skeleton so that a
 * disguised twin is caught, not only an identical one.
 */
import { remove as removeConfusables } from 'confusables';

/** The skeleton of a name: compatibility-normalised, confusable letters mapped to their look-alike, case folded. */
export function lookAlikeKey(name: string): string {
  return removeConfusables(name.normalize('NFKC')).normalize('NFKC').toLowerCase().replace(/\s+/gu, ' ').trim();
}

export function looksAlike(a: string, b: string): boolean {
  return lookAlikeKey(a) === lookAlikeKey(b);
}
