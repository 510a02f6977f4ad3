/**
 * The form under which two names look alike on the officer's screen: NFKC, then every Unicode
 * confusable replaced by the Latin letter it imitates (the `confusables` package: a Cyrillic "А"
 * becomes "A"), invisible format characters dropped, case and spacing folded. Two requests whose
 * names share a skeleton are twins the officer must tell apart with the person.
 */
import { remove as removeConfusables } from 'confusables';

export function nameSkeleton(name: string): string {
  const visible = name.normalize('NFKC').replace(/[\p{Cc}\p{Cf}]/gu, '');
  return removeConfusables(visible).normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
}
