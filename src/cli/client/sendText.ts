/**
 * Where `valise send` takes its text: the command line, standard input (`--stdin`) or a file
 * (`--text-file PATH`). The command line holds only about 128 KiB, a message up to MAX_TEXT_BYTES;
 * the other two take any message. A text over the limit or not valid UTF-8 is refused here, before
 * the profile is opened or anything is sent.
 */
import fs from 'node:fs';
import { ApiError } from '../../shared/api/errors.ts';
import { MAX_TEXT_BYTES } from '../../shared/model/limits.ts';
import { UsageError } from './args.ts';

export interface TextSources {
  stdin?: boolean | undefined;
  'text-file'?: string | undefined;
}

/** Reads at most `limit` + 1 bytes: enough to tell a text that is too large without holding all of it. */
async function readBounded(stream: NodeJS.ReadableStream, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    chunks.push(b);
    size += b.length;
    if (size > limit) break;
  }
  return Buffer.concat(chunks);
}

function decode(bytes: Buffer): string {
  // One final line break is how shells and editors end a text; it is not part of the message.
  const end = bytes.length > 0 && bytes[bytes.length - 1] === 0x0a ? (bytes.length > 1 && bytes[bytes.length - 2] === 0x0d ? 2 : 1) : 0;
  const body = bytes.subarray(0, bytes.length - end);
  if (body.length > MAX_TEXT_BYTES) throw new ApiError('TOO_LARGE');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    throw new ApiError('INVALID_TEXT', { message: 'The text is not valid UTF-8. Save it as UTF-8 and try again.' });
  }
}

/** The text to send, from exactly one source; `rest` are the words after the channel. */
export async function sendText(o: TextSources, rest: readonly string[], stdin: NodeJS.ReadableStream = process.stdin): Promise<string> {
  const sources = [rest.length > 0, o.stdin === true, o['text-file'] !== undefined].filter(Boolean).length;
  if (sources === 0) throw new UsageError('send needs a text: as words after the channel, --stdin, or --text-file PATH.');
  if (sources > 1) throw new UsageError('Give the text one way only: as words after the channel, --stdin, or --text-file PATH.');
  let text: string;
  if (o.stdin) text = decode(await readBounded(stdin, MAX_TEXT_BYTES + 2));
  else if (o['text-file'] !== undefined) {
    let file: fs.ReadStream;
    try {
      await fs.promises.access(o['text-file'], fs.constants.R_OK);
      file = fs.createReadStream(o['text-file']);
    } catch {
      throw new UsageError(`Cannot read ${o['text-file']}: check the path and its permissions.`);
    }
    try {
      text = decode(await readBounded(file, MAX_TEXT_BYTES + 2));
    } finally {
      file.destroy();
    }
  } else {
    text = rest.join(' ');
    if (Buffer.byteLength(text) > MAX_TEXT_BYTES) throw new ApiError('TOO_LARGE');
  }
  if (text.length === 0) throw new UsageError('The text is empty: there is nothing to send.');
  return text;
}
