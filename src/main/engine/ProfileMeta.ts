/**
 * The one plain-text file of a profile besides the wrapped key: which key provider unlocks it and
 * the organisation's name, so the lock screen can say what it is opening. Nothing secret, no user
 * id, no channel — everything else lives in the encrypted database.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { KEY_PROVIDERS } from '../../shared/api/schemas.ts';

const MetaSchema = z.object({
  version: z.literal(1),
  keyProvider: z.enum(KEY_PROVIDERS),
  orgName: z.string(),
  local: z.boolean(),
  state: z.enum(['enrolling', 'ready']),
});
export type ProfileMeta = z.infer<typeof MetaSchema>;

export const META_FILE = 'profile.json';

export function readMeta(dir: string): ProfileMeta | null {
  const file = path.join(dir, META_FILE);
  if (!fs.existsSync(file)) return null;
  const r = MetaSchema.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
  return r.success ? r.data : null;
}

export function writeMeta(dir: string, meta: ProfileMeta): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, META_FILE);
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, JSON.stringify(meta), { mode: 0o600 });
  fs.renameSync(tmp, file);
}

export function removeMeta(dir: string): void {
  fs.rmSync(path.join(dir, META_FILE), { force: true });
}
