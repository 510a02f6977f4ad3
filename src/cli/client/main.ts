/**
 * Entry of `valise`, the headless client: the same Engine as the app, driven from a shell.
 * Scriptable: `--json` prints one JSON document per result or message, and the exit code says
 * what happened (see args.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Engine } from '../../main/engine/Engine.ts';
import { startRelay } from '../../server/startRelay.ts';
import { ApiError } from '../../shared/api/errors.ts';
import type { ApiEvent } from '../../shared/api/events.ts';
import type { ApiMethod, ApiParams, ApiResult } from '../../shared/api/methods.ts';
import type { ChannelSummary, MessageView, Status } from '../../shared/api/schemas.ts';
import { DEFAULT_POLICY, RECORDING_MODES, type RecordingMode } from '../../shared/model/policy.ts';
import { EXIT, USAGE, UsageError, exitCodeOf, parse, parseDuration } from './args.ts';
import { searchHit } from './searchOutput.ts';
import { sendText } from './sendText.ts';

type Opts = ReturnType<typeof parse>['values'];

class Cli {
  readonly engine: Engine;
  private readonly events: ApiEvent[] = [];
  private readonly waiters = new Set<() => void>();

  constructor(readonly o: Opts) {
    const dir = o.profile ?? process.env.VALISE_PROFILE ?? path.join(os.homedir(), '.config', 'valise', 'default');
    this.engine = new Engine({ profileDir: path.resolve(dir), startRelay });
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

  passphrase(): string | undefined {
    if (this.o['passphrase-file']) return fs.readFileSync(this.o['passphrase-file'], 'utf8').replace(/\r?\n$/, '');
    return process.env.VALISE_PASSPHRASE;
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

  /**
   * Unlocks and, when `online`, waits (at most `connectMs`) for the relay and then for the backlog
   * that waited for this device to be stored. A catch-up that keeps making progress is never cut
   * short; one that stalls for `connectMs` is.
   */
  async open(online = true, connectMs = this.timeoutMs(30)): Promise<Status> {
    const st = await this.call('unlock', { passphrase: this.passphrase() });
    if (st.state === 'enrolling') throw new ApiError('ENROLMENT_PENDING');
    if (online) {
      const reached = (state: string) => this.events.some((e) => e.type === 'connection' && e.state === state);
      await this.waitFor(() => reached('online') || reached('revocation-unproven'), connectMs);
      if (!reached('online')) throw new ApiError('REVOCATION_UNPROVEN');
      // Read channels only after the backlog that waited for this device is stored.
      const session = this.engine.current;
      if (session) await this.whileProgressing(session.caughtUp(), connectMs);
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

  async channel(ref: string | undefined): Promise<Pick<ChannelSummary, 'id' | 'name'>> {
    if (!ref) throw new UsageError('Name a channel (its id or its name).');
    const { channels } = await this.call('listChannels', {});
    let found: Pick<ChannelSummary, 'id' | 'name'>[] = channels.filter((c) => c.id === ref || c.name === ref);
    // A security officer may act on any channel of the organisation, member or not.
    if (found.length === 0 && (await this.call('status', {})).me?.orgRoles.includes('security-officer')) {
      found = (await this.call('listOrgChannels', {})).channels.filter((c) => c.id === ref || c.name === ref);
    }
    if (found.length !== 1) throw new ApiError('NOT_FOUND', { detail: found.length ? 'several channels have that name; use its id' : ref });
    return found[0]!;
  }
}

function withTimeout(p: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<void>((_, reject) => (timer = setTimeout(() => reject(new ApiError('OFFLINE', { detail: 'timed out' })), ms)));
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

function line(m: MessageView): string {
  return `${new Date(m.sentAt).toISOString()} ${m.senderName}: ${m.text}`;
}

async function run(cli: Cli, cmd: string, args: string[]): Promise<number> {
  const o = cli.o;
  switch (cmd) {
    case 'enroll': {
      if (!o.org || !o.name) throw new UsageError('enroll needs --org org.json and --name NAME.');
      const r = await cli.call('joinOrganisation', {
        orgJson: fs.readFileSync(o.org, 'utf8'),
        displayName: o.name,
        keyProvider: o['key-provider'] as 'passphrase',
        ...(o.relay ? { relayUrl: o.relay } : {}),
        ...(cli.passphrase() ? { passphrase: cli.passphrase()! } : {}),
      });
      cli.out('Waiting for the security officer to open the request…', { state: 'pending', ...r });
      await cli.waitFor(() => cli.seen().some((e) => e.type === 'enrolment'), cli.timeoutMs(600));
      if (cli.seen().some((e) => e.type === 'enrolment' && e.state === 'code')) {
        const { comparisonCode } = await cli.call('enrolmentStatus', {});
        cli.out(`Comparison code: ${comparisonCode}\nRead it to your security officer; waiting for approval…`, { state: 'code', comparisonCode, requestId: r.requestId });
        await cli.waitFor(() => cli.seen().some((e) => e.type === 'enrolment' && e.state !== 'code'), cli.timeoutMs(600));
      }
      const approved = cli.seen().some((e) => e.type === 'enrolment' && e.state === 'approved');
      if (!approved) {
        cli.out('Enrolment was rejected.', { state: 'rejected' });
        return EXIT.refused;
      }
      // Colleagues can start a session with this device only once it has published its prekeys,
      // which happens when it first goes online: stay until then rather than leave it unreachable.
      const online = await cli
        .waitFor(() => cli.seen().some((e) => e.type === 'connection' && e.state === 'online'), cli.timeoutMs(30))
        .then(() => true, () => false);
      cli.out(
        online ? 'Enrolled. This device has published its keys; colleagues can reach it now.' : 'Enrolled. The relay could not be reached yet; colleagues can reach this device once it has been online.',
        { state: 'approved', online },
      );
      return EXIT.ok;
    }
    case 'start-local': {
      if (!o['org-name'] || !o.name) throw new UsageError('start-local needs --org-name and --name.');
      const r = await cli.call('startLocalOrganisation', { orgName: o['org-name'], displayName: o.name, keyProvider: o['key-provider'] as 'passphrase', ...(cli.passphrase() ? { passphrase: cli.passphrase()! } : {}) });
      cli.out(`Local organisation "${o['org-name']}" started (LOCAL — for trying Valise on this machine). Relay: ${r.relayUrl}`, r);
      return EXIT.ok;
    }
    case 'status': {
      const meta = await cli.call('status', {});
      // A profile that does not unlock is not "locked" and fine: the unlock error and its exit code say why.
      const st = meta.state === 'locked' ? await cli.open(false) : meta;
      cli.out(`${st.state}${st.org ? ` — ${st.org.name}${st.org.local ? ' (local organisation)' : ''}` : ''}${st.me ? ` — ${st.me.displayName} (${st.me.userId}, device ${st.me.deviceId})` : ''}`, st);
      return EXIT.ok;
    }
    case 'channels': {
      await cli.open();
      if (o.all) {
        const { channels } = await cli.call('listOrgChannels', {});
        if (o.json) cli.out('', { channels });
        else {
          for (const c of channels) {
            const status = c.status === 'paused' ? `paused${c.pausedReason ? `: ${c.pausedReason}` : ''}` : c.status;
            cli.out(`${c.id}  ${c.name}  [level ${c.classification}, ${c.membersCount} members, ${status}${c.member ? '' : ', not a member'}]`, c);
          }
        }
        return EXIT.ok;
      }
      const { channels } = await cli.call('listChannels', {});
      if (o.json) cli.out('', { channels });
      else for (const c of channels) cli.out(`${c.id}  ${c.name}  [level ${c.classification}, ${c.policy.recording}${c.status !== 'active' ? `, ${c.status}` : ''}]`, c);
      return EXIT.ok;
    }
    case 'members': {
      await cli.open();
      const d = await cli.call('channelDetails', { channelId: (await cli.channel(args[0])).id });
      if (o.json) cli.out('', d);
      else for (const m of d.members) for (const dv of m.devices.length ? m.devices : [null]) cli.out(`${m.userId} (${m.role})${dv ? ` device ${dv.deviceId}: ${dv.safetyNumber}${dv.verified ? ' ✓ verified' : ''}` : ''}`, m);
      return EXIT.ok;
    }
    case 'send': {
      if (!args[0]) throw new UsageError('Name a channel (its id or its name).');
      const text = await sendText(o, args.slice(1));
      await cli.open();
      const ch = await cli.channel(args[0]);
      const { message } = await cli.call('send', { channelId: ch.id, text });
      await cli.waitFor(() => cli.seen().some((e) => e.type === 'messageUpdated' && e.message.id === message.id && e.message.delivery !== 'pending'), cli.timeoutMs(30));
      const last = [...cli.seen()].reverse().find((e) => e.type === 'messageUpdated' && e.message.id === message.id);
      const state = last?.type === 'messageUpdated' ? last.message.delivery : 'pending';
      const unreachable = last?.type === 'messageUpdated' ? last.message.deliveries.filter((d) => d.state === 'unreachable') : [];
      cli.out(`${state}: ${message.id}`, { id: message.id, delivery: state, unreachable });
      if (unreachable.length > 0) {
        const who = unreachable.map((d) => (d.deviceId === '0' ? `${d.userId} (no device)` : `${d.userId} (device ${d.deviceId})`)).join(', ');
        process.stderr.write(`${new ApiError('UNREACHABLE').userMessage}\nNot reached: ${who}\n`);
      }
      return state === 'failed' || state === 'unreachable' ? EXIT.refused : EXIT.ok;
    }
    case 'search': {
      const query = args.join(' ').trim();
      if (!query) throw new UsageError('search needs words to look for.');
      await cli.open();
      const channelId = o.channel !== undefined ? (await cli.channel(o.channel)).id : undefined;
      const { hits } = await cli.call('search', { query, ...(channelId ? { channelId } : {}) });
      const names = new Map((await cli.call('listChannels', {})).channels.map((c) => [c.id, c.name]));
      for (const h of hits) {
        const { human, data } = searchHit(h, names);
        cli.out(human, data);
      }
      return EXIT.ok;
    }
    case 'tail': {
      // --timeout bounds the watching, not the catch-up before it.
      await cli.open(true, 30_000);
      const ch = await cli.channel(args[0]);
      const history = Number(o.history ?? 0);
      if (history > 0) {
        // Newest first, a page at a time, until `history` messages or the channel's start.
        const older: MessageView[] = [];
        let before: string | undefined;
        while (older.length < history) {
          const page = await cli.call('listMessages', { channelId: ch.id, limit: Math.min(history - older.length, 500), ...(before ? { before } : {}) });
          older.push(...page.messages);
          if (!page.nextCursor) break;
          before = page.nextCursor;
        }
        for (const m of older.reverse()) cli.out(line(m), m);
      }
      const want = o.count ? Number(o.count) : Infinity;
      let printed = 0;
      let done: () => void = () => undefined;
      const finished = new Promise<void>((r) => (done = r));
      cli.engine.onEvent((e) => {
        if (e.type !== 'messageReceived' || e.message.channelId !== ch.id) return;
        cli.out(line(e.message), e.message);
        if (++printed >= want) done();
      });
      process.once('SIGINT', done);
      process.once('SIGTERM', done);
      const timer = o.timeout ? setTimeout(done, Number(o.timeout) * 1000) : null;
      await finished;
      if (timer) clearTimeout(timer);
      return printed >= want || want === Infinity ? EXIT.ok : EXIT.offline;
    }
    case 'create-channel': {
      const name = args[0];
      if (!name || o.classification === undefined) throw new UsageError('create-channel needs NAME and --classification.');
      const st = await cli.open();
      const levels = st.org?.classifications ?? [];
      const level = /^\d+$/.test(o.classification) ? Number(o.classification) : levels.find((c) => c.label.toLowerCase() === o.classification!.toLowerCase() || c.short === o.classification)?.level;
      if (level === undefined) throw new UsageError(`Unknown classification ${o.classification}; known: ${levels.map((c) => c.label).join(', ')}`);
      if (!RECORDING_MODES.includes(o.recording as RecordingMode)) throw new UsageError(`--recording must be one of ${RECORDING_MODES.join(', ')}`);
      const ch = await cli.call('createChannel', {
        name,
        classification: level,
        memberUserIds: o.members.split(',').map((s) => s.trim()).filter(Boolean),
        policy: {
          ...DEFAULT_POLICY,
          recording: o.recording as RecordingMode,
          messageLifetimeMs: o.lifetime ? parseDuration(o.lifetime) : 0,
          burnAfterReading: o.burn,
          endsAtMs: o['ends-at'] ? Date.parse(o['ends-at']) : 0,
          allowExport: o['allow-export'],
          allowCopy: o['allow-copy'],
          allowAttachments: o['allow-attachments'],
          screenCapture: o['allow-screen-capture'] ? 'allow' : 'block',
          readReceipts: !o['no-read-receipts'],
        },
      });
      cli.out(`${ch.id}  ${ch.name}`, ch);
      return EXIT.ok;
    }
    case 'pause':
    case 'resume': {
      await cli.open();
      const ch = await cli.channel(args[0]);
      if (cmd === 'pause' && !o.reason) throw new UsageError('pause needs --reason.');
      const r = cmd === 'pause' ? await cli.call('pause', { channelId: ch.id, reason: o.reason! }) : await cli.call('resume', { channelId: ch.id });
      cli.out(`${r.name}: ${r.status}`, r);
      return EXIT.ok;
    }
    case 'wipe': {
      await cli.open();
      const ch = await cli.channel(args[0]);
      const w = await cli.call('wipe', { channelId: ch.id, confirmName: ch.name });
      const waitS = Number(o.wait ?? 0);
      if (waitS > 0) {
        await cli.waitFor(() => cli.seen().some((e) => e.type === 'wipeProgress' && e.channelId === ch.id && e.confirmed === e.total), waitS * 1000).catch(() => undefined);
      }
      const s = await cli.call('wipeStatus', { channelId: ch.id });
      cli.out(`Wiped on ${s.confirmed.length} of ${s.total} devices${s.pending.length ? ` — waiting for: ${s.pending.map((p) => `${p.displayName} (device ${p.deviceId})`).join(', ')}` : ''}`, { ...w, ...s });
      return EXIT.ok;
    }
    case 'wipe-status': {
      await cli.open(false);
      const s = await cli.call('wipeStatus', { channelId: args[0] ?? '' });
      cli.out(`Wiped on ${s.confirmed.length} of ${s.total} devices${s.pending.length ? ` — waiting for: ${s.pending.map((p) => p.displayName).join(', ')}` : ''}`, s);
      return EXIT.ok;
    }
    case 'verify': {
      await cli.open(false);
      if (!args[0]) throw new UsageError('verify needs a user id.');
      const r = await cli.call('verifySafetyNumber', { userId: args[0], ...(o.device ? { deviceId: o.device } : {}), ...(o['safety-number'] ? { safetyNumber: o['safety-number'] } : {}) });
      cli.out('Verified.', r);
      return EXIT.ok;
    }
    default:
      throw new UsageError(`Unknown command: ${cmd}`);
  }
}

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parse(argv);
  } catch (e) {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n\n${USAGE}\n`);
    return EXIT.usage;
  }
  const [cmd, ...args] = parsed.positionals;
  if (!cmd || parsed.values.help) {
    process.stdout.write(`${USAGE}\n`);
    return cmd || parsed.values.help ? EXIT.ok : EXIT.usage;
  }
  const cli = new Cli(parsed.values);
  try {
    return await run(cli, cmd, args);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`${e.message}\n`);
      return EXIT.usage;
    }
    const code = e instanceof ApiError ? e.code : (e as { code?: string }).code;
    const message = e instanceof ApiError ? e.userMessage : 'Something went wrong inside Valise. Nothing you had stored was lost; try again.';
    if (parsed.values.json) process.stdout.write(`${JSON.stringify({ error: { code: code ?? 'INTERNAL', message } })}\n`);
    process.stderr.write(`${message}\n`);
    return exitCodeOf(code);
  } finally {
    await cli.engine.close().catch(() => undefined);
  }
}

process.exitCode = await main(process.argv.slice(2));
