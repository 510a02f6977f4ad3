/**
 * TPM 2.0 provider: seals the database key to this machine's TPM with tpm2-tools. Each profile
 * gets its own storage key: created at random under the owner hierarchy's ECC P-256 primary and
 * made persistent at a handle of its own (0x81008000-0x8100FFFF), recorded in the key file with
 * the key's TPM name. The sealed object's public and private blobs (encrypted by the TPM, useless
 * elsewhere) go in the key file too; they load only under that storage key. Erasing the profile
 * evicts the storage key (destroy()), and since it was random it can never be made again: a copy
 * of the key file taken earlier opens nothing, even on this TPM with the right PIN. An optional
 * PIN becomes the sealed object's authorisation value, so the TPM's dictionary-attack protection
 * limits guessing.
 *
 * Key files written before profiles had their own storage key (no handle) were sealed directly
 * under the owner primary, re-derived from the TPM's seed at each unlock; they still unlock, and
 * their destroy() can do nothing (shredding the key file is all there is). Re-keying the profile
 * (changeKeyProvider) moves it to a storage key of its own.
 *
 * Cost: every tool run is a process, and spawning from the app's large process (fork copies its
 * page tables) cost far more than the TPM work itself. So each operation is ONE spawn of /bin/sh
 * running a fixed script (TPM_SCRIPTS) that calls the tools in turn; the profile paths go in as
 * positional parameters, never into the script text.
 *
 * Without a resource manager (swtpm, /dev/tpm0) every tool run leaves its transient objects loaded
 * and the TPM has room for three, so the scripts flush transient contexts where the next step would
 * not fit, and at the end. With a resource manager (/dev/tpmrm0) the flushes are no-ops.
 *
 * Secrets never appear on a command line (readable by every user in /proc): the key to seal goes
 * to tpm2_create on stdin, the PIN to tpm2_unseal on stdin, the unsealed key comes back on stdout.
 * tpm2_create needs the PIN as a seekable file, so at sealing time it sits for one tool run in a
 * private 0700 directory, on /dev/shm (RAM) where that exists.
 */
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KeyFileTampered, KeyProviderUnavailable, WrongKey } from '../errors.ts';
import { str, type KeyProvider, type WrappedFields } from './KeyProvider.ts';
import { TPM_EXIT, TPM_SCRIPTS } from './tpm2Scripts.ts';

export interface Tpm2Options {
  /** tpm2-tools TCTI, e.g. "device:/dev/tpmrm0" (default) or "swtpm:host=127.0.0.1,port=2321". */
  tcti?: string;
  /** Optional PIN required, with the TPM, to unseal. */
  pin?: string;
}

interface RunResult {
  stdout: Buffer;
  stderr: string;
  code: number;
}

/** Key files sealed directly under the owner primary, re-derived at each unlock. */
const LEGACY_PARENT = 'owner-ecc256';
/** Key files sealed under the profile's own persistent storage key. */
const PARENT = 'persistent-ecc256';
/** Persistent handles this provider uses: the upper half of the owner storage-key range. */
const HANDLE_MIN = 0x81008000;
const HANDLE_MAX = 0x8100ffff;
/** Handles tried in turn at sealing; a TPM has room for a handful of persistent objects at most. */
const HANDLE_TRIES = 8;

function parseHandle(v: string): string {
  if (!/^0x[0-9a-f]{8}$/.test(v)) throw new TypeError('malformed TPM handle');
  const n = Number.parseInt(v, 16);
  if (n < HANDLE_MIN || n > HANDLE_MAX) throw new TypeError('TPM handle outside the profile range');
  return v;
}

function randomHandles(): string[] {
  const span = HANDLE_MAX - HANDLE_MIN + 1;
  return Array.from({ length: HANDLE_TRIES }, () => `0x${(HANDLE_MIN + crypto.randomInt(span)).toString(16)}`);
}

export class Tpm2KeyProvider implements KeyProvider {
  readonly kind = 'tpm2' as const;
  readonly hardwareBacked = true;
  private readonly tcti: string;

  constructor(private readonly opts: Tpm2Options = {}) {
    this.tcti = opts.tcti ?? 'device:/dev/tpmrm0';
  }

  async wrap(dbKey: Buffer): Promise<WrappedFields> {
    return this.inTempDir(async (dir) => {
      const pinFile = path.join(dir, 'pin');
      if (this.opts.pin !== undefined) fs.writeFileSync(pinFile, this.opts.pin, { mode: 0o600 });
      let r: RunResult;
      try {
        r = await this.run(TPM_SCRIPTS.sealPersistent, [dir, this.opts.pin === undefined ? '' : pinFile, ...randomHandles()], dbKey);
      } finally {
        fs.rmSync(pinFile, { force: true });
      }
      if (r.code !== 0) throw this.failure(r);
      return {
        parent: PARENT,
        handle: fs.readFileSync(path.join(dir, 'handle'), 'utf8'),
        parentName: fs.readFileSync(path.join(dir, 'parent.name')).toString('hex'),
        pin: this.opts.pin !== undefined,
        pub: fs.readFileSync(path.join(dir, 'seal.pub')).toString('base64'),
        priv: fs.readFileSync(path.join(dir, 'seal.priv')).toString('base64'),
      };
    });
  }

  async unwrap(f: WrappedFields): Promise<Buffer> {
    let pub: Buffer, priv: Buffer;
    let handle: string | undefined;
    try {
      const parent = str(f, 'parent');
      if (parent === PARENT) handle = parseHandle(str(f, 'handle'));
      else if (parent !== LEGACY_PARENT) throw new TypeError('unknown parent');
      pub = Buffer.from(str(f, 'pub'), 'base64');
      priv = Buffer.from(str(f, 'priv'), 'base64');
    } catch (e) {
      throw new KeyFileTampered('TPM fields', { cause: e });
    }
    const withPin = f['pin'] === true;
    if (withPin && this.opts.pin === undefined) throw new WrongKey('This profile needs its TPM PIN.');
    return this.inTempDir(async (dir) => {
      fs.writeFileSync(path.join(dir, 'seal.pub'), pub);
      fs.writeFileSync(path.join(dir, 'seal.priv'), priv);
      const pinIn = withPin ? Buffer.from(this.opts.pin!, 'utf8') : undefined;
      const r =
        handle === undefined
          ? await this.run(TPM_SCRIPTS.unseal, [dir, withPin ? 'pin' : ''], pinIn)
          : await this.run(TPM_SCRIPTS.unsealPersistent, [dir, withPin ? 'pin' : '', handle], pinIn);
      if (r.code !== 0) throw this.failure(r);
      if (r.stdout.length !== 32) throw new KeyFileTampered('TPM returned a key of the wrong length');
      return r.stdout;
    });
  }

  /**
   * Evicts the profile's persistent storage key, so the sealed blobs (in the key file and in any
   * copy of it) no longer load. Only an object whose TPM name matches the key file's is evicted:
   * an altered key file cannot make this remove another profile's or program's key. An empty
   * handle (already destroyed, or the TPM cleared) is success. Legacy key files (no handle): no-op.
   */
  async destroy(f: WrappedFields): Promise<void> {
    let handle: string, name: string;
    try {
      const parent = str(f, 'parent');
      if (parent === LEGACY_PARENT) return;
      if (parent !== PARENT) throw new TypeError('unknown parent');
      handle = parseHandle(str(f, 'handle'));
      name = str(f, 'parentName');
      if (!/^[0-9a-f]{4,200}$/.test(name)) throw new TypeError('malformed TPM name');
    } catch (e) {
      throw new KeyFileTampered('TPM fields', { cause: e });
    }
    await this.inTempDir(async (dir) => {
      const r = await this.run(TPM_SCRIPTS.evict, [dir, handle, name]);
      if (r.code !== 0) throw this.failure(r);
    });
  }

  /** Turns the script's exit code (which step failed) and the tool's message into a typed error. */
  private failure(r: RunResult): Error {
    const cause = new Error(r.stderr);
    switch (r.code) {
      case TPM_EXIT.noTools:
        return new KeyProviderUnavailable('The TPM tools (tpm2-tools) are not installed.', { cause });
      case TPM_EXIT.load:
        if (/0x18b|handle is not correct/i.test(r.stderr)) {
          return new KeyProviderUnavailable(
            "This profile's TPM key is gone: the profile was erased on this machine, or the TPM was cleared. Unlock with a recovery method, or enrol this device again.",
            { cause },
          );
        }
        return new KeyProviderUnavailable(
          "The TPM refused this profile's sealed key: it was sealed on another machine, or the TPM was cleared. Unlock with a recovery method.",
          { cause },
        );
      case TPM_EXIT.persist:
        return new KeyProviderUnavailable(
          "The TPM would not keep or remove this profile's key (owner hierarchy password set, or no room for persistent objects). Free a persistent handle or choose another key provider.",
          { cause },
        );
      case TPM_EXIT.unseal:
        if (/0x9a2|0x98e|auth/i.test(r.stderr)) return new WrongKey('The TPM PIN is wrong.', { cause });
        if (/0x921|lockout/i.test(r.stderr)) return new KeyProviderUnavailable('The TPM is locked after too many wrong PINs. Wait and try again.', { cause });
        return new KeyProviderUnavailable('The TPM could not unseal the key.', { cause });
      default:
        return new KeyProviderUnavailable('The TPM is not usable (is it present and enabled?).', { cause });
    }
  }

  private run(script: string, args: string[], input?: Buffer): Promise<RunResult> {
    return new Promise((resolve, reject) => {
      const child = spawn('/bin/sh', ['-c', script, 'valise-tpm2', ...args], {
        env: { ...process.env, TPM2TOOLS_TCTI: this.tcti },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      const out: Buffer[] = [];
      let err = '';
      child.stdout!.on('data', (d: Buffer) => out.push(d));
      child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
      child.on('error', (e) => {
        reject(new KeyProviderUnavailable('The TPM tools could not be started (no /bin/sh?).', { cause: e }));
      });
      child.on('close', (code) => resolve({ stdout: Buffer.concat(out), stderr: err, code: code ?? -1 }));
      child.stdin!.on('error', () => undefined);
      child.stdin!.end(input ?? Buffer.alloc(0));
    });
  }

  private async inTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
    const base = fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();
    const dir = fs.mkdtempSync(path.join(base, 'valise-tpm-'));
    try {
      return await fn(dir);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
}
