import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { parseJson } from './parseJson.ts';

const Schema = z.object({ port: z.number().int(), name: z.string().optional() });

describe('parseJson', () => {
  it('returns the checked value', () => {
    expect(parseJson('{"port":8443}', Schema)).toEqual({ ok: true, data: { port: 8443 } });
  });

  it('tells text that is not JSON from JSON the schema refuses', () => {
    const broken = parseJson('{"port":', Schema);
    expect(broken).toMatchObject({ ok: false, unreadable: true });
    const refused = parseJson('{"port":"secret-value"}', Schema);
    expect(refused).toMatchObject({ ok: false, unreadable: false });
    expect(refused.ok ? '' : refused.detail).toMatch(/^port: /);
  });

  it('never echoes the refused value', () => {
    const r = parseJson('{"port":"hunter2","name":7}', Schema);
    expect(r.ok ? '' : r.detail).not.toContain('hunter2');
  });
});
