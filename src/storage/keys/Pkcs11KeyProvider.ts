/**
 * PKCS#11 provider: a smart card, YubiKey or HSM holds a non-extractable AES-256 key, which
 * encrypts the database key with AES-GCM inside the token. The token's user PIN is the secret the
 * user types; the key file keeps the token label, the key label, the IV and the ciphertext.
 *
 * Each profile gets a token key of its own (label `valise-profile-key-<random>`), so erasing the
 * profile destroys that key on the token and no copy of the key file can be opened again. Key
 * files from before carry the shared label `valise-profile-key`, which is never destroyed (other
 * profiles may use it).
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
  /**
   * A fixed label for the AES key on the token, shared by every profile that names it (created,
   * non-extractable, on first wrap if missing). Without it each wrap makes a key of its own.
   */
  keyLabel?: string;
}

// pkcs11js defines its constants at run time, so Node's ESM loader sees only two named exports.
const pkcs11js = createRequire(import.meta.url)('pkcs11js') as typeof Pkcs11Module;
type PKCS11 = Pkcs11Module.PKCS11;

const AAD = Buffer.from('valise-pkcs11-v1');
const SHARED_LABEL = 'valise-profile-key';
/** A key made for one profile: destroyed with it. */
const OWN_LABEL = /^valise-profile-key-[0-9a-f]{16}$/;

export class Pkcs11KeyProvider implements KeyProvider {
  readonly kind = 'pkcs11' as const;
  readonly hardwareBacked = true;
  constructor(private readonly opts: Pkcs11Options) {}

  async wrap(dbKey: Buffer): Promise<WrappedFields> {
    const label = this.opts.keyLabel ?? `${SHARED_LABEL}-${crypto.randomBytes(8).toString('hex')}`;
    return this.withSession(this.opts.tokenLabel, (p, s) => {
      const key = (this.opts.keyLabel ? findKey(p, s, label) : null) ?? this.generateKey(p, s, label);
      const iv = crypto.randomBytes(12);
      p.C_EncryptInit(s, gcm(iv), key);
      const ct = p.C_Encrypt(s, dbKey, Buffer.alloc(dbKey.length + 16));
      return { token: this.opts.tokenLabel, key: label, iv: iv.toString('base64'), ct: Buffer.from(ct).toString('base64') };
    });
  }

  /** Which labels this provider opens: its fixed one, or a profile's own key (and the older shared one). */
  private label(f: WrappedFields): string {
    const label = str(f, 'key');
    if (this.opts.keyLabel ? label !== this.opts.keyLabel : label !== SHARED_LABEL && !OWN_LABEL.test(label)) throw new TypeError('key label differs');
    return label;
  }

  async destroy(f: WrappedFields): Promise<void> {
    let token: string, label: string;
    try {
      token = str(f, 'token');
      label = this.label(f);
    } catch (e) {
      throw new KeyFileTampered('token fields', { cause: e });
    }
    if (!OWN_LABEL.test(label)) return;
    this.withSession(token, (p, s) => {
      const key = findKey(p, s, label);
      if (key !== null) p.C_DestroyObject(s, key);
    });
  }

  async unwrap(f: WrappedFields): Promise<Buffer> {
    let token: string, label: string, iv: Buffer, ct: Buffer;
    try {
      token = str(f, 'token');
      label = this.label(f);
      iv = Buffer.from(str(f, 'iv'), 'base64');
      ct = Buffer.from(str(f, 'ct'), 'base64');
      if (iv.length !== 12 || ct.length !== 48) throw new RangeError('field lengths');
    } catch (e) {
      throw new KeyFileTampered('token fields', { cause: e });
    }
    return this.withSession(token, (p, s) => {
      const key = findKey(p, s, label);
      if (key === null) throw new KeyProviderUnavailable(`The key "${label}" is not on token "${token}". Insert the token this profile was created with; if the profile was erased, its key is gone.`);
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

  private generateKey(p: PKCS11, s: Buffer, label: string): Buffer {
    return p.C_GenerateKey(s, { mechanism: pkcs11js.CKM_AES_KEY_GEN }, [
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
      { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_AES },
      { type: pkcs11js.CKA_VALUE_LEN, value: 32 },
      { type: pkcs11js.CKA_LABEL, value: label },
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

function findKey(p: PKCS11, s: Buffer, label: string): Buffer | null {
  p.C_FindObjectsInit(s, [
    { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
    { type: pkcs11js.CKA_LABEL, value: label },
  ]);
  try {
    return p.C_FindObjects(s);
  } finally {
    p.C_FindObjectsFinal(s);
  }
}

function gcm(iv: Buffer): Pkcs11Module.Mechanism {
  return { mechanism: pkcs11js.CKM_AES_GCM, parameter: { type: pkcs11js.CK_PARAMS_AES_GCM, iv, aad: AAD, ivBits: 96, tagBits: 128 } as Pkcs11Module.AesGCM };
}
