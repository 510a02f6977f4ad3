/**
 * The form under which two names look alike on the officer's screen: invisible format and control
 * characters dropped, then the shared look-alike skeleton (shared/model/lookAlike.ts: NFKC, every
 * Unicode confusable replaced by the Latin letter it imitates with the `confusables` package — a
 * Cyrillic "А" becomes "A" — case and spacing folded). Two requests whose names share a skeleton
 * are twins the officer must tell apart with the person.
 */
import { lookAlikeKey } from '../../shared/model/lookAlike.ts';

export function nameSkeleton(name: string): string {
  return lookAlikeKey(name.normalize('NFKC').replace(/[\p{Cc}\p{Cf}]/gu, ''));
}
