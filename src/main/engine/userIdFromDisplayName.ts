/**
 * A user id for a display name typed at first run ("Alice Martin" → "alice-martin"). User ids may
 * not contain white space or slashes (crypto's `isValidUserId`); letters of any script are kept,
 * accents are dropped so "Élodie" and "Elodie" give the same id.
 */
const MAX_USER_ID = 64;

export function userIdFromDisplayName(displayName: string, fallback = 'officer'): string {
  const id = displayName
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}._-]+/gu, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, MAX_USER_ID)
    .replace(/[-.]+$/g, '');
  return id || fallback;
}
