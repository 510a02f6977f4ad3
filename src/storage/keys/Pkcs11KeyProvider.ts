/**
 * PKCS#11 provider: a smart card, YubiKey or HSM holds a non-extractable AES-256 key, which
 * encrypts the database key with AES-GCM inside the token. The token's user PIN is the secret the
 * user types; the key file keeps the token label, the key label, the IV and the ciphertext.
 */
import crypto from 'node:crypto';
import { createRequire } from 'node:module';
import type * as Pkcs11Module from 'pkcs11js';
import { KeyFileTampered, KeyProviderUnavailable, WrongKey } from '../errors.ts';
import { str, type KeyProvider, type WrappedFields } from './KeyProvider.ts';

export interface Pkcs11Options {
  /** Path of the PKCS#11 module, e.g. /usr/lib/softhsm/libsofthsm2.so or opensc-pkcs11.so. */
  library: string;
  tokenLabel: string;
  pin: string;
  /** Label of the AES key on the token; created (non-extractable) on first wrap if missing. */
  keyLabel?: string;
}

// pkcs11js defines its constants at run time, so Node's ESM loader sees only two named exports.
const pkcs11js = createRequire(import.meta.url)('pkcs11js') as typeof Pkcs11Module;
type PKCS11 = Pkcs11Module.PKCS11;

const AAD = Buffer.from('valise-pkcs11-v1');

export class Pkcs11KeyProvider implements KeyProvider {
  readonly kind = 'pkcs11' as const;
  readonly hardwareBacked = true;
  private readonly keyLabel: string;

  constructor(private readonly opts: Pkcs11Options) {
    this.keyLabel = opts.keyLabel ?? 'valise-profile-key';
  }

  async wrap(dbKey: Buffer): Promise<WrappedFields> {
    return this.withSession(this.opts.tokenLabel, (p, s) => {
      const key = this.findKey(p, s) ?? this.generateKey(p, s);
      const iv = crypto.randomBytes(12);
      p.C_EncryptInit(s, gcm(iv), key);
      const ct = p.C_Encrypt(s, dbKey, Buffer.alloc(dbKey.length + 16));
      return { token: this.opts.tokenLabel, key: this.keyLabel, iv: iv.toString('base64'), ct: Buffer.from(ct).toString('base64') };
    });
  }

  async unwrap(f: WrappedFields): Promise<Buffer> {
    let token: string, iv: Buffer, ct: Buffer;
    try {
      token = str(f, 'token');
      if (str(f, 'key') !== this.keyLabel) throw new TypeError('key label differs');
      iv = Buffer.from(str(f, 'iv'), 'base64');
      ct = Buffer.from(str(f, 'ct'), 'base64');
      if (iv.length !== 12 || ct.length !== 48) throw new RangeError('field lengths');
    } catch (e) {
      throw new KeyFileTampered('token fields', { cause: e });
    }
    return this.withSession(token, (p, s) => {
      const key = this.findKey(p, s);
      if (key === null) throw new KeyProviderUnavailable(`The key "${this.keyLabel}" is not on token "${token}". Insert the token this profile was created with.`);
      p.C_DecryptInit(s, gcm(iv), key);
      try {
        return Buffer.from(p.C_Decrypt(s, ct, Buffer.alloc(ct.length)));
      } catch (e) {
        throw new KeyFileTampered('the token could not authenticate the wrapped key', { cause: e });
      }
    });
  }

  private withSession<T>(tokenLabel: string, fn: (p: PKCS11, s: Buffer) => T): T {
    const p = new pkcs11js.PKCS11();
    try {
      p.load(this.opts.library);
      p.C_Initialize();
    } catch (e) {
      throw new KeyProviderUnavailable(`The PKCS#11 module could not be loaded (${this.opts.library}).`, { cause: e });
    }
    try {
      const slot = p.C_GetSlotList(true).find((sl) => p.C_GetTokenInfo(sl).label.trim() === tokenLabel);
      if (!slot) throw new KeyProviderUnavailable(`The security token "${tokenLabel}" was not found. Insert it and try again.`);
      const s = p.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
      try {
        try {
          p.C_Login(s, pkcs11js.CKU_USER, this.opts.pin);
        } catch (e) {
          const msg = e instanceof Error ? e.message : '';
          if (/PIN_INCORRECT|PIN_LEN_RANGE|PIN_INVALID/.test(msg)) throw new WrongKey('The token PIN is wrong.', { cause: e });
          if (/PIN_LOCKED/.test(msg)) throw new KeyProviderUnavailable('The token PIN is locked. Unblock it with the token\'s PUK or administrator.', { cause: e });
          throw new KeyProviderUnavailable('Could not log in to the security token.', { cause: e });
        }
        try {
          return fn(p, s);
        } finally {
          p.C_Logout(s);
        }
      } finally {
        p.C_CloseSession(s);
      }
    } finally {
      p.C_Finalize();
    }
  }

  private findKey(p: PKCS11, s: Buffer): Buffer | null {
    p.C_FindObjectsInit(s, [
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
      { type: pkcs11js.CKA_LABEL, value: this.keyLabel },
    ]);
    try {
      return p.C_FindObjects(s);
    } finally {
      p.C_FindObjectsFinal(s);
    }
  }

  private generateKey(p: PKCS11, s: Buffer): Buffer {
    return p.C_GenerateKey(s, { mechanism: pkcs11js.CKM_AES_KEY_GEN }, [
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
      { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_AES },
      { type: pkcs11js.CKA_VALUE_LEN, value: 32 },
      { type: pkcs11js.CKA_LABEL, value: this.keyLabel },
      { type: pkcs11js.CKA_TOKEN, value: true },
      { type: pkcs11js.CKA_PRIVATE, value: true },
      { type: pkcs11js.CKA_SENSITIVE, value: true },
      { type: pkcs11js.CKA_EXTRACTABLE, value: false },
      { type: pkcs11js.CKA_ENCRYPT, value: true },
      { type: pkcs11js.CKA_DECRYPT, value: true },
      { type: pkcs11js.CKA_WRAP, value: false },
    ]);
  }
}

function gcm(iv: Buffer): Pkcs11Module.Mechanism {
  return { mechanism: pkcs11js.CKM_AES_GCM, parameter: { type: pkcs11js.CK_PARAMS_AES_GCM, iv, aad: AAD, ivBits: 96, tagBits: 128 } as Pkcs11Module.AesGCM };
}
