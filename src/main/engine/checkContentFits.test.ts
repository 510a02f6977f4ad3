import { describe, expect, it } from 'vitest';
import { encodeContent } from '../../crypto/contentCodec.ts';
import { decodeContent } from '../../crypto/contentCodec.ts';
import { ApiError } from '../../shared/api/errors.ts';
import { MAX_TEXT_BYTES } from '../../shared/model/limits.ts';
import { checkContentFits } from './checkContentFits.ts';

const content = (body: string) =>
  encodeContent({
    body: { case: 'data', value: { messageId: new Uint8Array(16).fill(0xff), channelId: new Uint8Array(16).fill(0xff), sentAtMs: BigInt(Number.MAX_SAFE_INTEGER), kind: { case: 'text', value: { body } } } },
  });

describe('checkContentFits', () => {
  it('passes the largest allowed text, which every receiver then decodes', () => {
    for (const body of ['a'.repeat(MAX_TEXT_BYTES), '交'.repeat(Math.floor(MAX_TEXT_BYTES / 3)), '😀'.repeat(Math.floor(MAX_TEXT_BYTES / 4))]) {
      const c = content(body);
      expect(() => checkContentFits(c)).not.toThrow();
      const d = decodeContent(c);
      expect(d.body.case === 'data' && d.body.value.kind.case === 'text' && d.body.value.kind.value.body).toBe(body);
    }
  });

  it('refuses content that receivers would drop with TOO_LARGE', () => {
    const c = content('交'.repeat(65_536));
    expect(() => decodeContent(c)).toThrow();
    const e = (() => {
      try {
        checkContentFits(c);
      } catch (err) {
        return err;
      }
    })();
    expect(e).toBeInstanceOf(ApiError);
    expect((e as ApiError).code).toBe('TOO_LARGE');
  });
});
