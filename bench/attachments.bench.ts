/**
 * Attachment benchmark: a file encrypted to a blob on disk and decrypted back through the
 * attachment scheme's streams, next to the same two passes done with one raw AES-256-GCM cipher
 * each way and with a plain file copy, all measured in the same run on the same files. Rounds of
 * the three alternate and the best round of each counts, so load from other processes on a shared
 * machine hits all sides alike. Also the peak RSS growth while a 100 MiB file goes through.
 * (Upload to and download from the relay are not part of it yet.)
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { withRatio, type Figure } from './lib/report.ts';
import { AttachmentEncryptor, decryptAttachment } from '../src/crypto/attachments/AttachmentCipher.ts';

const MiB = 1024 * 1024;
const BINDING = { channelId: 'bench-channel', messageId: 'bench-message', index: 0 };

interface Files {
  readonly source: string;
  readonly blob: string;
  readonly back: string;
}

async function makeSource(file: string, size: number): Promise<void> {
  const piece = randomBytes(MiB);
  async function* content(): AsyncGenerator<Buffer> {
    for (let left = size; left > 0; left -= piece.length) yield left >= piece.length ? piece : piece.subarray(0, left);
  }
  await pipeline(content(), fs.createWriteStream(file));
}

/** Plain copy there and back. */
async function copy(f: Files): Promise<void> {
  await pipeline(fs.createReadStream(f.source), fs.createWriteStream(f.blob));
  await pipeline(fs.createReadStream(f.blob), fs.createWriteStream(f.back));
}

/** One AES-256-GCM cipher over the whole file each way: the fastest the primitive can go. */
async function rawGcm(f: Files): Promise<void> {
  const key = randomBytes(32);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  await pipeline(fs.createReadStream(f.source), cipher, fs.createWriteStream(f.blob));
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAuthTag(cipher.getAuthTag());
  await pipeline(fs.createReadStream(f.blob), decipher, fs.createWriteStream(f.back));
}

/** The attachment scheme: padding, chunked AES-256-GCM, digest, and every check on the way back. */
async function scheme(f: Files, sample?: () => void): Promise<void> {
  const encryptor = new AttachmentEncryptor(BINDING);
  async function* observed(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    for await (const piece of source) {
      sample?.();
      yield piece;
    }
  }
  await pipeline(observed(encryptor.encrypt(fs.createReadStream(f.source))), fs.createWriteStream(f.blob));
  await pipeline(observed(decryptAttachment(fs.createReadStream(f.blob), encryptor.descriptor, BINDING)), fs.createWriteStream(f.back));
}

async function timed(work: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await work();
  return performance.now() - start;
}

async function throughputs(f: Files, size: number, rounds: number): Promise<{ copy: number; raw: number; ours: number }> {
  const best = { copy: Infinity, raw: Infinity, ours: Infinity };
  const sides = [
    ['copy', () => copy(f)],
    ['raw', () => rawGcm(f)],
    ['ours', () => scheme(f)],
  ] as const;
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? sides : [...sides].reverse();
    for (const [name, work] of order) best[name] = Math.min(best[name], await timed(work));
  }
  // Two passes each (there and back): MiB of file per second of round trip.
  const rate = (ms: number) => size / MiB / (ms / 1000);
  return { copy: rate(best.copy), raw: rate(best.raw), ours: rate(best.ours) };
}

async function peakRssGrowth(f: Files): Promise<number> {
  const baseline = process.memoryUsage.rss();
  let peak = baseline;
  let n = 0;
  const sample = () => {
    if (++n % 16 === 0) peak = Math.max(peak, process.memoryUsage.rss());
  };
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 5);
  try {
    await scheme(f, sample);
  } finally {
    clearInterval(timer);
  }
  return (peak - baseline) / MiB;
}

export async function run(): Promise<Figure[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'valise-bench-attachments-'));
  const figures: Figure[] = [];
  try {
    for (const [label, size, rounds] of [
      ['1 MiB', MiB, 30],
      ['100 MiB', 100 * MiB, 3],
    ] as const) {
      const f: Files = { source: path.join(dir, `source-${label}`), blob: path.join(dir, 'blob'), back: path.join(dir, 'back') };
      await makeSource(f.source, size);
      if (size === 100 * MiB) {
        figures.push({ name: 'peak RSS growth while a 100 MiB file is encrypted and decrypted', value: await peakRssGrowth(f), unit: 'MiB', target: '< 64 MiB' });
      }
      const t = await throughputs(f, size, rounds);
      figures.push({ name: `raw AES-256-GCM, file to file and back (${label})`, value: t.raw, unit: 'MiB/s' });
      figures.push({ name: `plain file copy, there and back (${label})`, value: t.copy, unit: 'MiB/s' });
      figures.push(withRatio({ name: `attachment encrypt + decrypt vs raw AES-256-GCM (${label})`, value: t.ours, unit: 'MiB/s', limit: t.raw, target: '>= 0.5 of raw (end to end, with relay)' }));
      figures.push(withRatio({ name: `attachment encrypt + decrypt vs file copy (${label})`, value: t.ours, unit: 'MiB/s', limit: t.copy }));
      fs.rmSync(f.source, { force: true });
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return figures;
}
