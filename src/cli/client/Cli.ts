/**
 * One run of `valise`: the engine on the chosen profile, the events it has emitted so far, and
 * the helpers every command uses (passphrase, going online, naming channels and people).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Engine } from '../../main/engine/Engine.ts';
import { startRelay } from '../../server/startRelay.ts';
import { ApiError } from '../../shared/api/errors.ts';
import type { ApiEvent } from '../../shared/api/events.ts';
import type { ApiMethod, ApiParams, ApiResult } from '../../shared/api/methods.ts';
import type { ChannelSummary, Person, Status } from '../../shared/api/schemas.ts';
import { CliError } from '../CliError.ts';
import { EXIT } from '../exitCodes.ts';
import { canPrompt, promptHidden } from '../promptHidden.ts';
import { resolveRef, resolveRefs } from '../resolveRef.ts';
import type { parse } from './args.ts';

export type Opts = ReturnType<typeof parse>['values'];

/** How long commands wait for the relay unless --timeout says otherwise. */
const CONNECT_SECONDS = 10;

export class Cli {
  readonly engine: Engine;
  readonly profileDir: string;
  private readonly events: ApiEvent[] = [];
  private readonly waiters = new Set<() => void>();
  private secret: string | undefined;

  constructor(readonly o: Opts) {
    const dir = o.profile ?? process.env.VALISE_PROFILE ?? path.join(os.homedir(), '.config', 'valise', 'default');
    this.profileDir = path.resolve(dir);
    this.engine = new Engine({ profileDir: this.profileDir, startRelay });
    this.engine.onEvent((e) => {
      this.events.push(e);
      for (const w of this.waiters) w();
    });
  }

  call<M extends ApiMethod>(method: M, params: ApiParams<M>): Promise<ApiResult<M>> {
    return this.engine.handle(method, params) as Promise<ApiResult<M>>;
  }

  out(human: string, data: unknown): void {
    process.stdout.write(this.o.json ? `${JSON.stringify(data)}\n` : `${human}\n`);
  }

  /** The passphrase from --passphrase-file or VALISE_PASSPHRASE, if given. */
  givenPassphrase(): string | undefined {
    if (this.o['passphrase-file']) return fs.readFileSync(this.o['passphrase-file'], 'utf8').replace(/\r?\n$/, '');
    return process.env.VALISE_PASSPHRASE || undefined;
  }

  /**
   * The passphrase: given, else asked on the terminal (twice when `creating`), else an error that
   * names both ways to give it.
   */
  async passphrase(creating: boolean): Promise<string> {
    this.secret ??= this.givenPassphrase();
    if (this.secret) return this.secret;
    if (!canPrompt()) {
      throw new CliError(
        'NO_PASSPHRASE',
        EXIT.locked,
        `${creating ? 'A new profile needs a passphrase to protect it' : 'This profile is protected by a passphrase'}: set VALISE_PASSPHRASE or give --passphrase-file FILE (there is no terminal to ask on).`,
      );
    }
    if (!creating) return (this.secret = await promptHidden(`Passphrase of the profile ${this.profileDir}: `));
    process.stderr.write('Choose a passphrase for this profile (at least 8 characters; nothing is shown as you type).\n');
    for (;;) {
      const first = await promptHidden('Passphrase: ');
      if (first.length < 8) {
        process.stderr.write(`That is ${first.length} characters; at least 8 are needed. Try again.\n`);
        continue;
      }
      if ((await promptHidden('Repeat the passphrase: ')) !== first) throw new CliError('PASSPHRASE_MISMATCH', EXIT.usage, 'The two passphrases differ. Nothing was created; run the command again.');
      return (this.secret = first);
    }
  }

  /** Resolves when `pred` holds for the events seen so far, or rejects with OFFLINE after `ms`. */
  waitFor(pred: () => boolean, ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!pred()) return;
        cleanup();
        resolve();
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new ApiError('OFFLINE', { detail: 'timed out' }));
      }, ms);
      const cleanup = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  seen(): readonly ApiEvent[] {
    return this.events;
  }

  /** A profile that does not exist yet is said plainly, with the way to make one. */
  async existing(): Promise<Status> {
    const st = await this.call('status', {});
    if (st.state === 'no-profile') {
      throw new CliError('NO_PROFILE', EXIT.locked, `There is no profile at ${this.profileDir}. Enrol first: valise --profile ${this.o.profile ?? this.profileDir} enroll --org org.json --name NAME`);
    }
    return st;
  }

  /** Unlocks (asking for the passphrase when needed) without waiting for the relay. */
  async unlock(): Promise<Status> {
    const st = await this.existing();
    if (st.state === 'enrolling') throw new ApiError('ENROLMENT_PENDING');
    if (st.state === 'unlocked') return st;
    const passphrase = st.keyProvider === 'passphrase' ? await this.passphrase(false) : this.givenPassphrase();
    return this.call('unlock', passphrase ? { passphrase } : {});
  }

  /**
   * Waits for the relay: resolves once online, fails with a CLI-specific OFFLINE as soon as an
   * attempt has failed or after the connect timeout. Nothing keeps trying after this process exits.
   */
  async online(connectMs = this.timeoutMs(CONNECT_SECONDS)): Promise<void> {
    let failed = false;
    const reached = (state: string) => this.events.some((e) => e.type === 'connection' && e.state === state);
    await this.waitFor(() => {
      failed = this.events.some((e) => e.type === 'connection' && e.state === 'offline' && e.nextAttemptAt !== null);
      return failed || reached('online') || reached('revocation-unproven');
    }, connectMs).catch(() => (failed = true));
    // The relay claimed a revocation without the organisation's signature: the engine stopped connecting.
    if (!reached('online') && reached('revocation-unproven')) throw new ApiError('REVOCATION_UNPROVEN');
    if (failed && !reached('online')) throw relayUnreachable();
  }

  /**
   * Unlocks and, when `online`, waits for the relay and then for the backlog that waited for this
   * device to be stored. A catch-up that keeps making progress is never cut short; one that stalls
   * for the connect timeout is.
   */
  async open(online = true, connectMs = this.timeoutMs(CONNECT_SECONDS)): Promise<Status> {
    await this.unlock();
    if (online) {
      await this.online(connectMs);
      const session = this.engine.current;
      if (session) await this.whileProgressing(session.caughtUp(), Math.max(connectMs, 30_000));
    }
    return this.call('status', {});
  }

  /** Resolves with `p`; fails with OFFLINE only when `idleMs` pass without a new event. */
  private async whileProgressing(p: Promise<void>, idleMs: number): Promise<void> {
    let outcome: { error: unknown } | null = null;
    const settled = p.then(
      () => void (outcome = { error: null }),
      (error: unknown) => void (outcome = { error: error ?? new Error('failed') }),
    );
    for (;;) {
      const before = this.events.length;
      await withTimeout(settled, idleMs).catch((e: unknown) => {
        if (this.events.length === before) throw e;
      });
      const o = outcome as { error: unknown } | null;
      if (o) {
        if (o.error) throw o.error;
        return;
      }
    }
  }

  timeoutMs(defaultSeconds: number): number {
    return (this.o.timeout ? Number(this.o.timeout) : defaultSeconds) * 1000;
  }

  /** A channel of this device by id or name; a security officer may also name any channel of the organisation. */
  async channel(ref: string | undefined): Promise<Pick<ChannelSummary, 'id' | 'name'>> {
    if (!ref) throw new CliError('USAGE', EXIT.usage, 'Name a channel (its id or its name). "valise channels" lists them.');
    const kind = { noun: 'channel', id: (c: { id: string }) => c.id, name: (c: { name: string }) => c.name, listCommand: 'valise channels' };
    const { channels } = await this.call('listChannels', {});
    try {
      return resolveRef(ref, channels, kind);
    } catch (e) {
      if (!(e instanceof CliError && e.code === 'NOT_FOUND')) throw e;
      if (!(await this.call('status', {})).me?.orgRoles.includes('security-officer')) throw e;
    }
    return resolveRef(ref, (await this.call('listOrgChannels', {})).channels, { ...kind, listCommand: 'valise channels --all' });
  }

  /** People named by id or name among everyone in the organisation's directory. */
  async people(list: string): Promise<Person[]> {
    const { people } = await this.call('listCleared', { classification: 0 });
    return resolveRefs(list, people, { noun: 'person', id: (p) => p.userId, name: (p) => p.displayName, listCommand: 'valise-admin users' });
  }
}

/** The relay could not be reached: said for a process that stops trying when it exits. */
export function relayUnreachable(): ApiError {
  return new ApiError('OFFLINE', {
    message: 'The relay cannot be reached (relayUrl in org.json). Nothing was changed or sent; run the command again once the relay is up.',
  });
}

function withTimeout(p: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<void>((_, reject) => (timer = setTimeout(() => reject(relayUnreachable()), ms)));
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}
