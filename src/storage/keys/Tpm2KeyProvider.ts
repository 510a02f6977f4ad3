/**
 * TPM 2.0 provider: seals the database key to this machine's TPM with tpm2-tools. The sealed
 * object's public and private blobs (encrypted by the TPM, useless elsewhere) go in the key file;
 * the parent is the owner hierarchy's default ECC primary key, re-derived from the TPM's seed at
 * every unlock. An optional PIN becomes the sealed object's authorisation value, so the TPM's
 * dictionary-attack protection limits guessing.
 *
 * Without a resource manager (swtpm, /dev/tpm0) every tool invocation leaves its transient objects
 * loaded, and the TPM runs out of slots after a few; so we flush transient contexts after each step.
 * Secrets never appear on a command line (readable by every user in /proc): the key to seal goes
 * to tpm2_create on stdin, the PIN to tpm2_unseal on stdin. tpm2_create needs the PIN as a seekable
 * file, so at sealing time it sits for one tool run in a private 0700 directory, on /dev/shm (RAM)
 * where that exists.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KeyFileTampered, KeyProviderUnavailable, WrongKey } from '../errors.ts';
import { str, type KeyProvider, type WrappedFields } from './KeyProvider.ts';

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

export class Tpm2KeyProvider implements KeyProvider {
  readonly kind = 'tpm2' as const;
  readonly hardwareBacked = true;
  private readonly tcti: string;

  constructor(private readonly opts: Tpm2Options = {}) {
    this.tcti = opts.tcti ?? 'device:/dev/tpmrm0';
  }

  async wrap(dbKey: Buffer): Promise<WrappedFields> {
    return this.inTempDir(async (dir) => {
      await this.createPrimary(dir);
      const pinFile = path.join(dir, 'pin');
      if (this.opts.pin !== undefined) fs.writeFileSync(pinFile, this.opts.pin, { mode: 0o600 });
      const auth = this.opts.pin === undefined ? [] : ['-p', `file:${pinFile}`];
      try {
        await this.step(['tpm2_create', '-C', path.join(dir, 'primary.ctx'), '-i', '-', '-u', path.join(dir, 'seal.pub'), '-r', path.join(dir, 'seal.priv'), ...auth], dbKey);
      } finally {
        fs.rmSync(pinFile, { force: true });
      }
      return {
        parent: 'owner-ecc256',
        pin: this.opts.pin !== undefined,
        pub: fs.readFileSync(path.join(dir, 'seal.pub')).toString('base64'),
        priv: fs.readFileSync(path.join(dir, 'seal.priv')).toString('base64'),
      };
    });
  }

  async unwrap(f: WrappedFields): Promise<Buffer> {
    let pub: Buffer, priv: Buffer;
    try {
      if (str(f, 'parent') !== 'owner-ecc256') throw new TypeError('unknown parent');
      pub = Buffer.from(str(f, 'pub'), 'base64');
      priv = Buffer.from(str(f, 'priv'), 'base64');
    } catch (e) {
      throw new KeyFileTampered('TPM fields', { cause: e });
    }
    if (f['pin'] === true && this.opts.pin === undefined) throw new WrongKey('This profile needs its TPM PIN.');
    return this.inTempDir(async (dir) => {
      fs.writeFileSync(path.join(dir, 'seal.pub'), pub);
      fs.writeFileSync(path.join(dir, 'seal.priv'), priv);
      await this.createPrimary(dir);
      const load = await this.run(['tpm2_load', '-C', path.join(dir, 'primary.ctx'), '-u', path.join(dir, 'seal.pub'), '-r', path.join(dir, 'seal.priv'), '-c', path.join(dir, 'seal.ctx')]);
      await this.flush();
      if (load.code !== 0) {
        throw new KeyProviderUnavailable('The TPM refused this profile\'s sealed key: it was sealed on another machine, or the TPM was cleared. Unlock with a recovery method.', { cause: new Error(load.stderr) });
      }
      const auth = f['pin'] === true ? ['-p', 'file:-'] : [];
      const unseal = await this.run(['tpm2_unseal', '-c', path.join(dir, 'seal.ctx'), ...auth], f['pin'] === true ? this.pinInput() : undefined);
      await this.flush();
      if (unseal.code !== 0) {
        if (/0x9a2|0x98e|auth/i.test(unseal.stderr)) throw new WrongKey('The TPM PIN is wrong.', { cause: new Error(unseal.stderr) });
        if (/0x921|lockout/i.test(unseal.stderr)) throw new KeyProviderUnavailable('The TPM is locked after too many wrong PINs. Wait and try again.');
        throw new KeyProviderUnavailable('The TPM could not unseal the key.', { cause: new Error(unseal.stderr) });
      }
      if (unseal.stdout.length !== 32) throw new KeyFileTampered('TPM returned a key of the wrong length');
      return unseal.stdout;
    });
  }

  private pinInput(): Buffer | undefined {
    return this.opts.pin === undefined ? undefined : Buffer.from(this.opts.pin, 'utf8');
  }

  private async createPrimary(dir: string): Promise<void> {
    await this.step(['tpm2_createprimary', '-C', 'o', '-g', 'sha256', '-G', 'ecc256', '-c', path.join(dir, 'primary.ctx')]);
  }

  /** Runs a tool, flushes transient objects, and turns a failure into a typed error. */
  private async step(argv: string[], input?: Buffer): Promise<RunResult> {
    const r = await this.run(argv, input);
    await this.flush();
    if (r.code !== 0) throw new KeyProviderUnavailable(`The TPM is not usable (${argv[0]} failed).`, { cause: new Error(r.stderr) });
    return r;
  }

  private async flush(): Promise<void> {
    await this.run(['tpm2_flushcontext', '-t']);
  }

  private run(argv: string[], input?: Buffer): Promise<RunResult> {
    return new Promise((resolve, reject) => {
      const child = spawn(argv[0]!, argv.slice(1), {
        env: { ...process.env, TPM2TOOLS_TCTI: this.tcti },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      const out: Buffer[] = [];
      let err = '';
      child.stdout!.on('data', (d: Buffer) => out.push(d));
      child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
      child.on('error', (e) => {
        reject(new KeyProviderUnavailable('The TPM tools (tpm2-tools) are not installed.', { cause: e }));
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

