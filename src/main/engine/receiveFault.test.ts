import { describe, expect, it } from 'vitest';
import { CertificateError, CodecError, CryptoUsageError, DecryptionError, SignatureError } from '../../crypto/index.ts';
import { StoreCorrupt } from '../../storage/index.ts';
import { ApiError } from './errors.ts';
import { classifyReceiveError, faultCode } from './receiveFault.ts';

const sqlite = (code: string) => Object.assign(new Error('sqlite says no'), { code });

describe('classifyReceiveError', () => {
  it('bad input from the network is dropped', () => {
    expect(classifyReceiveError(new DecryptionError('corrupt'))).toBe('bad-input');
    expect(classifyReceiveError(new CodecError('envelope', 'malformed'))).toBe('bad-input');
    expect(classifyReceiveError(new CryptoUsageError('NOT_A_MEMBER', 'not a member'))).toBe('bad-input');
    expect(classifyReceiveError(new SignatureError('channel state'))).toBe('bad-input');
    expect(classifyReceiveError(new CertificateError('revoked', 'device certificate'))).toBe('bad-input');
    expect(classifyReceiveError(new ApiError('CONFLICT', { detail: 'rollback' }))).toBe('bad-input');
  });

  it('a busy, failing or damaged database and an unreachable relay wait for redelivery', () => {
    expect(classifyReceiveError(sqlite('SQLITE_BUSY'))).toBe('transient');
    expect(classifyReceiveError(sqlite('SQLITE_IOERR_WRITE'))).toBe('transient');
    expect(classifyReceiveError(sqlite('SQLITE_FULL'))).toBe('transient');
    expect(classifyReceiveError(new StoreCorrupt())).toBe('transient');
    expect(classifyReceiveError(new ApiError('OFFLINE'))).toBe('transient');
    expect(classifyReceiveError(new ApiError('INTERNAL'))).toBe('transient');
  });

  it('an error of no known type is unexpected', () => {
    expect(classifyReceiveError(new TypeError('x is undefined'))).toBe('unexpected');
    expect(classifyReceiveError('thrown string')).toBe('unexpected');
  });

  it('the audit code never carries free text', () => {
    expect(faultCode(new DecryptionError('corrupt'))).toBe('DECRYPT_CORRUPT');
    expect(faultCode(sqlite('SQLITE_BUSY'))).toBe('SQLITE_BUSY');
    expect(faultCode(Object.assign(new Error(), { code: 'secret text here' }))).toBe('INTERNAL');
  });
});
