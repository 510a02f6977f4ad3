import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_TEXT_BYTES } from '../../shared/model/limits.ts';
import { UsageError } from './args.ts';
import { sendText } from './sendText.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'valise-text-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const stream = (...chunks: (string | Buffer)[]) => Readable.from(chunks.map((c) => (typeof c === 'string' ? Buffer.from(c) : c)));

describe('sendText', () => {
  it('takes a long text from standard input intact, without the final newline', async () => {
    const text = 'Ä draft, line by line.\n'.repeat(7000).trimEnd();
    expect(Buffer.byteLength(text)).toBeGreaterThan(150 * 1024);
    const chunks = Buffer.from(`${text}\n`);
    expect(await sendText({ stdin: true }, [], stream(chunks.subarray(0, 1000), chunks.subarray(1000)))).toBe(text);
  });

  it('takes a text from a file, and says so when the file cannot be read', async () => {
    const file = path.join(dir, 'draft.txt');
    fs.writeFileSync(file, '交涉草案\r\n');
    expect(await sendText({ 'text-file': file }, [])).toBe('交涉草案');
    await expect(sendText({ 'text-file': path.join(dir, 'missing.txt') }, [])).rejects.toThrow(/Cannot read .*missing\.txt/);
  });

  it('refuses a text over the limit with TOO_LARGE, from every source, without reading all of it', async () => {
    const file = path.join(dir, 'huge.txt');
    fs.writeFileSync(file, Buffer.alloc(MAX_TEXT_BYTES * 4, 'a'));
    await expect(sendText({ 'text-file': file }, [])).rejects.toMatchObject({ code: 'TOO_LARGE' });
    await expect(sendText({ stdin: true }, [], stream('a'.repeat(MAX_TEXT_BYTES + 1)))).rejects.toMatchObject({ code: 'TOO_LARGE' });
    await expect(sendText({}, ['交'.repeat(Math.floor(MAX_TEXT_BYTES / 3) + 1)])).rejects.toMatchObject({ code: 'TOO_LARGE' });
    // Exactly at the limit is fine.
    expect(await sendText({ stdin: true }, [], stream('a'.repeat(MAX_TEXT_BYTES)))).toHaveLength(MAX_TEXT_BYTES);
  });

  it('refuses bytes that are not UTF-8, an empty text, and two sources at once', async () => {
    await expect(sendText({ stdin: true }, [], stream(Buffer.from([0x61, 0xff, 0x62])))).rejects.toMatchObject({ code: 'INVALID_TEXT' });
    await expect(sendText({ stdin: true }, [], stream('\n'))).rejects.toBeInstanceOf(UsageError);
    await expect(sendText({}, [])).rejects.toBeInstanceOf(UsageError);
    await expect(sendText({ stdin: true }, ['words'], stream('x'))).rejects.toThrow(/one way only/);
  });
});
