/**
 * A child process for the crash test: opens a profile with the real engine, syncs from the relay,
 * and reports progress on stdout until killed (or until `done` messages are stored).
 * Usage: node --import tsx syncChild.ts PROFILE_DIR PASSPHRASE CHANNEL_ID EXPECTED
 */
import { Engine } from '../../src/main/engine/Engine.ts';
import { startRelay } from '../../src/server/startRelay.ts';
import { FAST_ARGON2 } from './harness.ts';

const [dir, passphrase, channelId, expected] = process.argv.slice(2) as [string, string, string, string];
// Every catch-up goes through the decrypting worker thread, so the kills also land while it works.
const engine = new Engine({ startRelay, profileDir: dir, keyProviders: { argon2: FAST_ARGON2 }, catchUpWorkerFrom: 1 });
let received = 0;
engine.onEvent((e) => {
  if (e.type === 'messageReceived') received++;
  if (e.type === 'connection' && e.state === 'online') process.stdout.write('online\n');
});
await engine.handle('unlock', { passphrase });
const count = async () => {
  let n = 0;
  let before: string | undefined;
  for (;;) {
    const page = (await engine.handle('listMessages', { channelId, limit: 500, ...(before ? { before } : {}) })) as { messages: unknown[]; nextCursor: string | null };
    n += page.messages.length;
    if (!page.nextCursor) return n;
    before = page.nextCursor;
  }
};
for (;;) {
  const stored = await count().catch(() => 0);
  process.stdout.write(`stored ${stored} received ${received}\n`);
  if (stored >= Number(expected)) break;
  await new Promise((r) => setTimeout(r, 100));
}
await engine.close();
process.stdout.write('done\n');
