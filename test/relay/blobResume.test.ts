/**
 * An upload survives the relay process being killed (SIGKILL) part-way: after the restart the
 * client continues from the bytes the relay holds, sends nothing twice, and the recipient's
 * download decrypts to the original file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { decryptAttachment } from '../../src/crypto/index.ts';
import { BlobTransferInterrupted } from '../../src/relay/errors.ts';
import { sealFile } from './sealFile.ts';
import { createChannel, TestOrg } from './fixtures.ts';

const root = path.resolve(import.meta.dirname, '../..');
const children: ChildProcess[] = [];
let dir: string | undefined;
let org: TestOrg | undefined;

afterEach(async () => {
  await org?.stop();
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** `npm run server` as a child process on a free port; resolves with its URL once it is ready. */
function startRelayProcess(orgFile: string, dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src/server/main.ts'), '--org', orgFile, '--port', '0', '--data-dir', dataDir], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('the relay did not start')), 30_000);
    child.on('exit', (code) => reject(new Error(`the relay exited (${code})`)));
    child.stdout!.on('data', (b: Buffer) => {
      for (const line of b.toString().split('\n').filter(Boolean)) {
        const o = JSON.parse(line) as { msg: string; url?: string };
        if (o.msg === 'relay ready') {
          clearTimeout(t);
          resolve({ child, url: o.url! });
        }
      }
    });
  });
}

async function* from(blob: Buffer, offset: number, sent: { bytes: number }, pause?: (at: number) => Promise<void>): AsyncGenerator<Uint8Array> {
  for (let at = offset; at < blob.length; at += 100_000) {
    await pause?.(at);
    const piece = blob.subarray(at, Math.min(at + 100_000, blob.length));
    sent.bytes += piece.length;
    yield piece;
  }
}

it('an upload continues after the relay is SIGKILLed mid-upload, without sending again what arrived', async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'valise-blob-resume-'));
  org = new TestOrg();
  const orgFile = path.join(dir, 'org.json');
  fs.writeFileSync(orgFile, JSON.stringify({ version: 1, orgId: org.orgId, orgPublicKey: Buffer.from(org.root.publicKey.serialize()).toString('base64'), relayUrl: 'ws://127.0.0.1:1' }));
  const dataDir = path.join(dir, 'relay-data');

  let relay = await startRelayProcess(orgFile, dataDir);
  await org.attach(relay.url);
  await org.addUser('alice');
  await org.addUser('bob');
  const aliceDevice = await org.enrol('alice');
  const bobDevice = await org.enrol('bob');
  const alice = await org.connect(aliceDevice);
  const state = await createChannel(alice, ['bob'], { allowAttachments: true });
  const file = randomBytes(5 * 1024 * 1024);
  const sealed = await sealFile(state.channelId, file);

  // The relay dies once 2 MB went out; the source waits for its death before going on.
  const first = { bytes: 0 };
  const acknowledged: number[] = [];
  const killed = new Promise<void>((resolve) => relay.child.once('exit', () => resolve()));
  const attempt = alice.client.uploadBlob({
    channelId: state.channelId, length: sealed.blob.length, digest: sealed.descriptor.digest,
    source: (offset) => from(sealed.blob, offset, first, async (at) => {
      if (at < 2_000_000) return;
      relay.child.kill('SIGKILL');
      await killed;
    }),
    onProgress: (p) => acknowledged.push(p.done),
  });
  const error = await attempt.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(BlobTransferInterrupted);
  const interrupted = error as BlobTransferInterrupted;
  expect(interrupted.offset).toBe(acknowledged.at(-1));
  expect(first.bytes).toBeLessThan(sealed.blob.length);

  relay = await startRelayProcess(orgFile, dataDir);
  await org.attach(relay.url);
  const alice2 = await org.connect(aliceDevice);
  const second = { bytes: 0 };
  const offsets: number[] = [];
  const blobId = await alice2.client.uploadBlob({
    channelId: state.channelId, length: sealed.blob.length, digest: sealed.descriptor.digest, blobId: interrupted.blobId,
    source: (offset) => {
      offsets.push(offset);
      return from(sealed.blob, offset, second);
    },
  });
  expect(Buffer.from(blobId).equals(Buffer.from(interrupted.blobId))).toBe(true);
  // It continued where the relay's durable bytes end: at least what was acknowledged, nothing sent twice.
  expect(offsets).toHaveLength(1);
  expect(offsets[0]).toBeGreaterThanOrEqual(interrupted.offset);
  expect(offsets[0]).toBeGreaterThan(0);
  expect(second.bytes).toBe(sealed.blob.length - offsets[0]!);

  const bob = await org.connect(bobDevice);
  const parts: Buffer[] = [];
  for await (const p of decryptAttachment(bob.client.downloadBlob(blobId), sealed.descriptor, sealed.binding)) parts.push(p);
  expect(Buffer.concat(parts).equals(file)).toBe(true);
  relay.child.kill('SIGTERM');
}, 90_000);
