/**
 * The officer's enrolment tokens, kept beside org.json in `enrolment-tokens.json` (mode 0600).
 * `add-user` (and `token`) issue a random token per user, shown once, which the officer gives the
 * person out of band; the device puts it in its signed enrolment request, and `approve` certifies
 * a request only for the user whose token it carries. Only the token's SHA-256 is kept. The file
 * also remembers the highest device id this tool certified per user, so a relay that hides a
 * device certificate from the directory cannot make the tool issue that id a second time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { parseJson } from '../../shared/parseJson.ts';

export const ENROLMENT_TOKENS_FILE = 'enrolment-tokens.json';

const FileSchema = z.object({
  version: z.literal(1),
  users: z.record(
    z.string(),
    z.object({ tokenSha256: z.string().regex(/^([0-9a-f]{64})?$/), issuedAtMs: z.number().int(), highestDeviceId: z.number().int().nonnegative() }),
  ),
});
type TokensFile = z.infer<typeof FileSchema>;

export class EnrolmentTokensError extends Error {
  readonly code = 'ENROLMENT_TOKENS_UNREADABLE';
}

/** Spaces, dashes and case do not matter when the person types the token. */
export function normaliseToken(token: string): string {
  return token.toLowerCase().replace(/[\s-]+/g, '');
}

const sha256 = (token: string): Buffer => createHash('sha256').update(normaliseToken(token)).digest();

export class EnrolmentTokens {
  private constructor(
    private readonly file: string,
    private readonly data: TokensFile,
  ) {}

  static open(dir: string): EnrolmentTokens {
    const file = path.join(dir, ENROLMENT_TOKENS_FILE);
    if (!fs.existsSync(file)) return new EnrolmentTokens(file, { version: 1, users: {} });
    const r = parseJson(fs.readFileSync(file, 'utf8'), FileSchema);
    if (!r.ok) throw new EnrolmentTokensError(`Cannot read ${file}: ${r.detail}. Restore it from your backup, or issue new tokens with "valise-admin token USER".`);
    return new EnrolmentTokens(file, r.data);
  }

  /** A fresh token for `userId` (any earlier one stops working): 20 hex digits in groups of five. */
  issue(userId: string, nowMs: number): string {
    const token = randomBytes(10).toString('hex').match(/.{5}/g)!.join('-');
    const prev = this.data.users[userId];
    this.data.users[userId] = { tokenSha256: sha256(token).toString('hex'), issuedAtMs: nowMs, highestDeviceId: prev?.highestDeviceId ?? 0 };
    this.save();
    return token;
  }

  /** Whether `token` is the live token of `userId`. */
  matches(userId: string, token: string): boolean {
    const u = this.data.users[userId];
    if (!u?.tokenSha256 || !token) return false;
    return timingSafeEqual(Buffer.from(u.tokenSha256, 'hex'), sha256(token));
  }

  /** The user whose live token this is, or undefined. */
  userOf(token: string): string | undefined {
    return Object.keys(this.data.users).find((id) => this.matches(id, token));
  }

  highestDeviceId(userId: string): number {
    return this.data.users[userId]?.highestDeviceId ?? 0;
  }

  /** After an approval: the token is used up and the device id remembered. */
  certified(userId: string, deviceId: number): void {
    const u = this.data.users[userId] ?? { tokenSha256: '', issuedAtMs: 0, highestDeviceId: 0 };
    this.data.users[userId] = { ...u, tokenSha256: '', highestDeviceId: Math.max(u.highestDeviceId, deviceId) };
    this.save();
  }

  private save(): void {
    const tmp = `${this.file}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(this.data, null, 2) + '\n', { mode: 0o600 });
    fs.renameSync(tmp, this.file);
  }
}
