/**
 * A scenario whose engines reach the relay only through a HostileRelay, plus what the attacker
 * holds besides the relay: the signing key of a lead's device (removed from the channel, or stolen
 * and revoked since), driven directly with the crypto layer rather than through an engine.
 */
import { randomBytes } from 'node:crypto';
import { decodeChannelState, nextStateFields, signChannelState, type ChannelState } from '../../src/crypto/index.ts';
import { Peer, type Device } from '../relay/fixtures.ts';
import { Scenario, until, type Node } from '../scenarios/harness.ts';
import { HostileRelay } from './HostileRelay.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

export class HostileScenario extends Scenario {
  relay!: HostileRelay;
  /** Every channel record the relay delivered to anyone, by channel then epoch: the genuine chains. */
  readonly chains = new Map<string, Uint8Array[]>();
  private readonly peers: Peer[] = [];
  /** Revocations the relay pushed, by user. */
  readonly revocationsTo = new Map<string, number>();

  override async start(): Promise<this> {
    await super.start();
    this.relay = await HostileRelay.start(this.org.relay.url);
    this.relayUrl = this.relay.url;
    this.relay.onServer((f, c) => {
      const d = f.body.case === 'push' && f.body.value.body.case === 'delivery' ? f.body.value.body.value : null;
      if (d?.kind === 4 && c.device) this.revocationsTo.set(c.device.userId, (this.revocationsTo.get(c.device.userId) ?? 0) + 1);
      if (d?.kind === 2) {
        const s = decodeChannelState(d.payload);
        const chain = this.chains.get(hex(s.channelId)) ?? [];
        chain[s.epoch] = d.payload;
        this.chains.set(hex(s.channelId), chain);
      }
      return 'pass';
    });
    return this;
  }

  /** The genuine chain of a channel as delivered so far (epoch 0 first). */
  chain(channelId: string): Uint8Array[] {
    return [...(this.chains.get(channelId) ?? [])];
  }

  head(channelId: string): ChannelState {
    return decodeChannelState(this.chain(channelId).at(-1)!);
  }

  /** A member with an enrolled device whose key the attacker holds (no engine). */
  async rawDevice(userId: string, roles: ('delegate' | 'lead' | 'security-officer')[] = ['delegate', 'lead']): Promise<{ device: Device; peer: Peer }> {
    await this.user(userId, { roles });
    const device = await this.org.enrol(userId);
    const peer = await Peer.connect(this.relay.url, device);
    this.peers.push(peer);
    return { device, peer };
  }

  /**
   * The relay answers `node`'s next chain fetches with `forge(channelId)` instead of the real chain.
   * Resolves the returned promise once an answer went out.
   */
  forgeChainFor(node: Pick<Node, 'userId'>, forge: (channelId: Uint8Array) => Uint8Array[]): { answered: Promise<void>; stop: () => void } {
    let done!: () => void;
    const answered = new Promise<void>((r) => (done = r));
    const stop = this.relay.onClient((f, c) => {
      if (c.device?.userId !== node.userId || f.body.case !== 'request' || f.body.value.op.case !== 'fetchChannelState') return 'pass';
      c.answer(f.body.value.id, { case: 'channelState', value: { changes: forge(f.body.value.op.value.channelId) } });
      done();
      return 'drop';
    });
    return { answered, stop };
  }

  /** A forged channel-change push to every connection of `node`. */
  pushChange(node: Node, record: Uint8Array): void {
    const conns = this.relay.of(node.userId);
    if (conns.length === 0) throw new Error(`${node.userId} is not connected through the hostile relay`);
    for (const c of conns) c.push('channelChange', new Uint8Array(randomBytes(16)), record, decodeChannelState(record).channelId);
  }

  override async stop(): Promise<void> {
    for (const p of this.peers.splice(0)) await p.client.close().catch(() => undefined);
    await this.relay?.close();
    await super.stop();
  }
}

/** A record by `by` on top of `prev`, dated `signedAtMs` (whatever the attacker wants). */
export function signOnTop(by: Device, prev: ChannelState, change: Parameters<typeof nextStateFields>[3], signedAtMs = Date.now()): Uint8Array {
  return signChannelState(by.identity.privateKey, nextStateFields(prev, { userId: by.userId, deviceId: by.deviceId }, signedAtMs, change));
}

/** Signs `count` records in a row on top of `prev`; returns them and the last state. */
export function forkFrom(by: Device, prev: ChannelState, changes: Parameters<typeof nextStateFields>[3][], signedAtMs = Date.now()): Uint8Array[] {
  const out: Uint8Array[] = [];
  let s = prev;
  for (const c of changes) {
    const rec = signOnTop(by, s, c, signedAtMs);
    out.push(rec);
    s = decodeChannelState(rec);
  }
  return out;
}

/** The channel as `node` holds it now. */
export function detailsAt(node: Node, channelId: string) {
  return node.call('channelDetails', { channelId });
}

/** Waits until `node` holds epoch `epoch` of the channel. */
export async function holdsEpoch(node: Node, channelId: string, epoch: number): Promise<void> {
  await until(async () => (await detailsAt(node, channelId).catch(() => null))?.epoch === epoch, 10_000, `${node.userId} at epoch ${epoch}`);
}

/** Lets a forged push go through the engine's receive path (it is judged or dropped within this). */
export const settle = (ms = 700) => new Promise((r) => setTimeout(r, ms));
