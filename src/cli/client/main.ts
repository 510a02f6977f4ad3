/**
 * Entry of `valise`, the headless client: the same Engine as the app, driven from a shell.
 * Scriptable: `--json` prints one JSON document per result or message, and the exit code says
 * what happened (../exitCodes.ts, docs/cli.md).
 */
import fs from 'node:fs';
import path from 'node:path';
import { API_ERRORS, ApiError } from '../../shared/api/errors.ts';
import { DEFAULT_POLICY, RECORDING_MODES, type RecordingMode } from '../../shared/model/policy.ts';
import { CliError } from '../CliError.ts';
import { completionScript } from '../completion.ts';
import { CLIENT_COMPLETION, EXIT, USAGE, UsageError, exitCodeOf, parse, parseDuration } from './args.ts';
import { Cli, relayUnreachable } from './Cli.ts';
import { searchHit } from './searchOutput.ts';
import { sendText } from './sendText.ts';
import { tail } from './tail.ts';

function levelLabel(levels: readonly { level: number; label: string }[], level: number): string {
  return levels.find((c) => c.level === level)?.label ?? `level ${level}`;
}

async function enroll(cli: Cli): Promise<number> {
  const o = cli.o;
  if (!o.org || !o.name) throw new UsageError('enroll needs --org org.json and --name NAME.');
  const orgFile = path.resolve(o.org);
  if (!fs.existsSync(orgFile)) throw new CliError('NO_ORG_FILE', EXIT.usage, `No organisation file at ${orgFile}. Give the path of the org.json your security officer sent (relative to ${process.cwd()}).`);
  const st = await cli.call('status', {});
  let requestId: string | null = null;
  if (st.state === 'enrolling') {
    // Asked before and still waiting (the last enroll stopped waiting): wait again.
    const passphrase = st.keyProvider === 'passphrase' ? await cli.passphrase(false) : cli.givenPassphrase();
    await cli.call('unlock', passphrase ? { passphrase } : {});
    cli.out('This profile has asked to join already; waiting for the security officer (valise-admin open)…', { state: 'pending', resumed: true, comparisonCode: null, requestId });
  } else if (st.state !== 'no-profile') {
    throw new ApiError('ALREADY_ENROLLED');
  } else {
    const passphrase = o['key-provider'] === 'passphrase' ? await cli.passphrase(true) : cli.givenPassphrase();
    const r = await cli.call('joinOrganisation', {
      orgJson: fs.readFileSync(orgFile, 'utf8'),
      displayName: o.name,
      ...(o.token ? { enrolmentToken: o.token } : {}),
      keyProvider: o['key-provider'] as 'passphrase',
      ...(o.relay ? { relayUrl: o.relay } : {}),
      ...(passphrase ? { passphrase } : {}),
    });
    requestId = r.requestId;
    cli.out('Waiting for the security officer to open the request (valise-admin open)…', { state: 'pending', ...r });
  }
  const waitMs = cli.timeoutMs(600);
  const stillWaiting = () => {
    throw new CliError('ENROLMENT_PENDING', EXIT.offline, `No answer from the security officer within ${waitMs / 1000} s. The request stays open: run the same enroll command again to go on waiting.`);
  };
  const answered = (states: string[]) => cli.seen().some((e) => e.type === 'enrolment' && states.includes(e.state));
  if ((await cli.call('enrolmentStatus', {})).comparisonCode === null) await cli.waitFor(() => answered(['code', 'approved', 'rejected']), waitMs).catch(stillWaiting);
  const { comparisonCode } = await cli.call('enrolmentStatus', {});
  if (comparisonCode && !answered(['approved', 'rejected'])) {
    cli.out(`Comparison code: ${comparisonCode}\nRead it to your security officer; waiting for approval…`, { state: 'code', comparisonCode, requestId });
    await cli.waitFor(() => answered(['approved', 'rejected']), waitMs).catch(stillWaiting);
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
    online ? 'Enrolled. This device has published its keys; colleagues can reach it now.' : 'Enrolled. The relay could not be reached yet; colleagues can reach this device once it has been online (run any valise command).',
    { state: 'approved', online },
  );
  return EXIT.ok;
}

async function status(cli: Cli): Promise<number> {
  const meta = await cli.existing();
  if (meta.state === 'enrolling') {
    cli.out(`enrolling — waiting for the security officer's approval (${cli.profileDir})`, { ...meta, relay: null });
    return EXIT.ok;
  }
  const st = await cli.unlock();
  const relay = await cli.online(cli.timeoutMs(5)).then(() => 'reachable' as const, () => 'unreachable' as const);
  const now = await cli.call('status', {});
  if (now.clock?.skewed) process.stderr.write(`${clockWarning(now.clock.offsetMs)}\n`);
  const me = now.me ? ` — ${now.me.displayName} (${now.me.userId}, device ${now.me.deviceId}, cleared ${levelLabel(now.org?.classifications ?? [], now.me.clearance)}, ${now.me.orgRoles.join(', ')})` : '';
  const org = now.org ? ` — ${now.org.name}${now.org.local ? ' (local organisation)' : ''}` : '';
  cli.out(`${st.state}${org}${me}\nrelay: ${relay === 'reachable' ? 'reachable' : 'unreachable (relayUrl in org.json); commands that need it fail until it is up'}`, { ...now, relay });
  return EXIT.ok;
}

async function channels(cli: Cli): Promise<number> {
  const o = cli.o;
  const st = await cli.open();
  const levels = st.org?.classifications ?? [];
  if (o.all) {
    const { channels } = await cli.call('listOrgChannels', {});
    if (o.json) cli.out('', { channels });
    else if (channels.length === 0) cli.out('(none)', null);
    else {
      for (const c of channels) {
        const s = c.status === 'paused' ? `paused${c.pausedReason ? `: ${c.pausedReason}` : ''}` : c.status;
        cli.out(`${c.id}  ${c.name}  [${levelLabel(levels, c.classification)}, ${c.membersCount} members, ${s}${c.member ? '' : ', not a member'}]`, c);
      }
    }
    return EXIT.ok;
  }
  const { channels } = await cli.call('listChannels', {});
  if (o.json) cli.out('', { channels });
  else if (channels.length === 0) cli.out('(none)', null);
  else for (const c of channels) cli.out(`${c.id}  ${c.name}  [${levelLabel(levels, c.classification)}, ${c.policy.recording}${c.status !== 'active' ? `, ${c.status}` : ''}]`, c);
  return EXIT.ok;
}

async function createChannel(cli: Cli, name: string | undefined): Promise<number> {
  const o = cli.o;
  if (!name || o.classification === undefined) throw new UsageError('create-channel needs NAME and --classification.');
  const st = await cli.open();
  const levels = st.org?.classifications ?? [];
  const level = /^\d+$/.test(o.classification) ? Number(o.classification) : levels.find((c) => c.label.toLowerCase() === o.classification!.toLowerCase() || c.short === o.classification)?.level;
  if (level === undefined) throw new UsageError(`Unknown classification ${o.classification}; known: ${levels.map((c) => c.label).join(', ')}`);
  if (!RECORDING_MODES.includes(o.recording as RecordingMode)) throw new UsageError(`--recording must be one of ${RECORDING_MODES.join(', ')}`);
  const members = await cli.people(o.members);
  const uncleared = members.filter((p) => p.clearance < level);
  if (uncleared.length > 0) {
    throw new ApiError('NOT_CLEARED', {
      message: `Not cleared for ${levelLabel(levels, level)}: ${uncleared.map((p) => `${p.displayName} (${levelLabel(levels, p.clearance)})`).join(', ')}. Pick only cleared people or lower the classification.`,
    });
  }
  const ch = await cli.call('createChannel', {
    name,
    classification: level,
    memberUserIds: members.map((p) => p.userId),
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

async function send(cli: Cli, ref: string | undefined, words: string[]): Promise<number> {
  if (!ref) throw new UsageError('Name a channel (its id or its name).');
  // Read and checked against the size limit before the profile is opened: nothing is sent if it is refused.
  const text = await sendText(cli.o, words);
  await cli.open();
  const ch = await cli.channel(ref);
  const { message } = await cli.call('send', { channelId: ch.id, text });
  await cli
    .waitFor(() => cli.seen().some((e) => e.type === 'messageUpdated' && e.message.id === message.id && e.message.delivery !== 'pending'), cli.timeoutMs(30))
    .catch(() => {
      throw new ApiError('OFFLINE', { message: "The relay did not take the message in time. It waits in this profile's outbox and goes out the next time valise runs with this profile online." });
    });
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

async function search(cli: Cli, words: string[]): Promise<number> {
  const query = words.join(' ').trim();
  if (!query) throw new UsageError('search needs words to look for.');
  await cli.open();
  const channelId = cli.o.channel !== undefined ? (await cli.channel(cli.o.channel)).id : undefined;
  const { hits } = await cli.call('search', { query, ...(channelId ? { channelId } : {}) });
  const names = new Map((await cli.call('listChannels', {})).channels.map((c) => [c.id, c.name]));
  for (const h of hits) {
    const { human, data } = searchHit(h, names);
    cli.out(human, data);
  }
  return EXIT.ok;
}

async function run(cli: Cli, cmd: string, args: string[]): Promise<number> {
  const o = cli.o;
  switch (cmd) {
    case 'enroll':
      return enroll(cli);
    case 'start-local': {
      if (!o['org-name'] || !o.name) throw new UsageError('start-local needs --org-name and --name.');
      if ((await cli.call('status', {})).state !== 'no-profile') throw new ApiError('ALREADY_ENROLLED');
      const passphrase = o['key-provider'] === 'passphrase' ? await cli.passphrase(true) : cli.givenPassphrase();
      const r = await cli.call('startLocalOrganisation', { orgName: o['org-name'], displayName: o.name, keyProvider: o['key-provider'] as 'passphrase', ...(passphrase ? { passphrase } : {}) });
      cli.out(`Local organisation "${o['org-name']}" started (LOCAL — for trying Valise on this machine). Relay: ${r.relayUrl}`, r);
      return EXIT.ok;
    }
    case 'status':
      return status(cli);
    case 'channels':
      return channels(cli);
    case 'members': {
      const st = await cli.open();
      const d = await cli.call('channelDetails', { channelId: (await cli.channel(args[0])).id });
      if (o.json) cli.out('', d);
      else {
        for (const m of d.members) {
          const who = `${m.displayName} (${m.userId}, ${m.role}, ${levelLabel(st.org?.classifications ?? [], m.clearance)})`;
          if (m.devices.length === 0) cli.out(`${who}: ${m.userId === st.me?.userId ? 'this device' : 'no device yet'}`, m);
          for (const dv of m.devices) cli.out(`${who} device ${dv.deviceId}: ${dv.safetyNumber}${dv.verified ? ' ✓ verified' : ''}`, m);
        }
      }
      return EXIT.ok;
    }
    case 'send':
      return send(cli, args[0], args.slice(1));
    case 'search':
      return search(cli, args);
    case 'tail':
      return tail(cli, args[0]);
    case 'create-channel':
      return createChannel(cli, args[0]);
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
      if (!args[0]) throw new UsageError('wipe-status needs the channel (its name or id).');
      // Online, the receipts that waited at the relay are counted first; offline, what came before.
      await cli.open().catch(async (e: unknown) => {
        if (!(e instanceof ApiError && e.code === 'OFFLINE')) throw e;
        process.stderr.write('The relay cannot be reached: these are the receipts this device had already.\n');
        await cli.open(false);
      });
      // A channel still here by name (an officer's wipe of another channel), else the name it had when wiped.
      const id = await cli.channel(args[0]).then((c) => c.id, () => args[0]!);
      const s = await cli.call('wipeStatus', { channelId: id });
      cli.out(`Wiped on ${s.confirmed.length} of ${s.total} devices${s.pending.length ? ` — waiting for: ${s.pending.map((p) => p.displayName).join(', ')}` : ''}`, s);
      return EXIT.ok;
    }
    case 'verify': {
      await cli.open(false);
      if (!args[0]) throw new UsageError('verify needs a person (a user id or a name).');
      const [person] = await cli.people(args[0]);
      const r = await cli.call('verifySafetyNumber', { userId: person!.userId, ...(o.device ? { deviceId: o.device } : {}), ...(o['safety-number'] ? { safetyNumber: o['safety-number'] } : {}) });
      cli.out(`Verified ${person!.displayName}.`, r);
      return EXIT.ok;
    }
    default:
      throw new UsageError(`Unknown command: ${cmd}. "valise --help" shows every command.`);
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
    (cmd || parsed.values.help ? process.stdout : process.stderr).write(`${USAGE}\n`);
    return cmd || parsed.values.help ? EXIT.ok : EXIT.usage;
  }
  if (cmd === 'completion') {
    try {
      process.stdout.write(completionScript(args[0], CLIENT_COMPLETION));
      return EXIT.ok;
    } catch (e) {
      process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
      return EXIT.usage;
    }
  }
  const cli = new Cli(parsed.values);
  try {
    return await run(cli, cmd, args);
  } catch (e) {
    let code: string;
    let message: string;
    let exit: number;
    if (e instanceof CliError) [code, message, exit] = [e.code, e.message, e.exitCode];
    else if (e instanceof ApiError) {
      // The engine's OFFLINE speaks of an app that keeps trying; this process stops when it exits.
      const err = e.code === 'OFFLINE' && e.userMessage.startsWith(API_ERRORS.OFFLINE.message) ? relayUnreachable() : e;
      [code, message, exit] = [err.code, err.userMessage, exitCodeOf(err.code)];
    } else {
      code = (e as { code?: string }).code ?? 'INTERNAL';
      message = 'Something went wrong inside Valise. Nothing you had stored was lost; try again.';
      // VALISE_DEBUG=1 shows what went wrong (a stack has no message content or key in it).
      if (process.env.VALISE_DEBUG) process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      exit = exitCodeOf(code);
    }
    if (parsed.values.json) process.stdout.write(`${JSON.stringify({ error: { code, message } })}\n`);
    process.stderr.write(`${message}\n`);
    return exit;
  } finally {
    await cli.engine.close().catch(() => undefined);
  }
}

process.exitCode = await main(process.argv.slice(2));

/** What `status` prints when this device's clock is far from the relay's. */
export function clockWarning(offsetMs: number): string {
  const minutes = Math.round(Math.abs(offsetMs) / 60_000);
  return `Warning: this device's clock is ${minutes} minute${minutes === 1 ? '' : 's'} ${offsetMs > 0 ? 'ahead of' : 'behind'} the relay's. Set the system clock right (turn on network time); message times and lifetimes depend on it.`;
}
