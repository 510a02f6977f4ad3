/**
 * TPM 2.0 provider: seals the database key to this machine's TPM with tpm2-tools. The sealed
 * object's public and private blobs (encrypted by the TPM, useless elsewhere) go in the key file;
 * the parent is the owner hierarchy's default ECC P-256 primary key, re-derived from the TPM's seed
 * at every unlock (an ECC primary takes a few ms to derive; an RSA one is several times slower, as
 * the TPM must search for primes). An optional PIN becomes the sealed object's authorisation value,
 * so the TPM's dictionary-attack protection limits guessing.
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

/** The only parent this provider has ever used; older key files carry the same value. */
const PARENT = 'owner-ecc256';

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
        r = await this.run(TPM_SCRIPTS.seal, [dir, this.opts.pin === undefined ? '' : pinFile], dbKey);
      } finally {
        fs.rmSync(pinFile, { force: true });
      }
      if (r.code !== 0) throw this.failure(r);
      return {
        parent: PARENT,
        pin: this.opts.pin !== undefined,
        pub: fs.readFileSync(path.join(dir, 'seal.pub')).toString('base64'),
        priv: fs.readFileSync(path.join(dir, 'seal.priv')).toString('base64'),
      };
    });
  }

  async unwrap(f: WrappedFields): Promise<Buffer> {
    let pub: Buffer, priv: Buffer;
    try {
      if (str(f, 'parent') !== PARENT) throw new TypeError('unknown parent');
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
      const r = await this.run(TPM_SCRIPTS.unseal, [dir, withPin ? 'pin' : ''], withPin ? Buffer.from(this.opts.pin!, 'utf8') : undefined);
      if (r.code !== 0) throw this.failure(r);
      if (r.stdout.length !== 32) throw new KeyFileTampered('TPM returned a key of the wrong length');
      return r.stdout;
    });
  }

  /**
   * The sealed object is not kept on the TPM: it lives only as the two blobs in the key file,
   * loaded under a primary key re-derived at each unlock, so shredding the key file is what
   * destroys it. (A copy of the key file taken earlier would still unseal on this TPM.)
   */
  async destroy(): Promise<void> {}

  /** Turns the script's exit code (which step failed) and the tool's message into a typed error. */
  private failure(r: RunResult): Error {
    const cause = new Error(r.stderr);
    switch (r.code) {
      case TPM_EXIT.noTools:
        return new KeyProviderUnavailable('The TPM tools (tpm2-tools) are not installed.', { cause });
      case TPM_EXIT.load:
        return new KeyProviderUnavailable(
          "The TPM refused this profile's sealed key: it was sealed on another machine, or the TPM was cleared. Unlock with a recovery method.",
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
