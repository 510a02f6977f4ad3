/**
 * A real relay on 127.0.0.1 with a real organisation: root key, members, devices enrolled through
 * the protocol (request → officer's nonce → comparison code → admin approval), and helpers to build signed channel
 * states, envelopes and wipes with the crypto layer.
 */
import { randomBytes } from 'node:crypto';
import { create, toBinary } from '@bufbuild/protobuf';
import pino from 'pino';
import { IdentityKeyPair } from '@signalapp/libsignal-client';
import {
  createEnrolmentRequest,
  decodeChannelState,
  enrolmentCode,
  issueEnrolmentNonce,
  generateOrgRootKey,
  issueDeviceCertificate,
  issueMemberCertificate,
  issueRevocation,
  nextStateFields,
  signAdminChallenge,
  signAuthChallenge,
  signChannelState,
  signWipeCommand,
  type ChannelState,
  type OrgRootKey,
} from '../../src/crypto/index.ts';
import { DEFAULT_POLICY, type ChannelPolicy } from '../../src/shared/model/policy.ts';
import type { OrgRole } from '../../src/shared/model/roles.ts';
import { EnvelopeSchema, EnvelopeType } from '../../src/gen/valise/v1/envelope_pb.ts';
import type { Delivery } from '../../src/gen/valise/v1/relay_pb.ts';
import { RelayClient } from '../../src/relay/RelayClient.ts';
import { startRelay, type RelayOptions, type RunningRelay } from '../../src/server/startRelay.ts';

export const DAY = 24 * 3600 * 1000;

export interface Device {
  userId: string;
  deviceId: number;
  identity: IdentityKeyPair;
  certificate: Uint8Array;
  serial: number;
}

export class TestOrg {
  readonly orgId = 'org-test';
  readonly root: OrgRootKey = generateOrgRootKey();
  private serial = 1;
  relay!: RunningRelay;
  admin!: RelayClient;
  readonly members = new Map<string, { serial: number; certificate: Uint8Array }>();

  async start(o: Partial<RelayOptions> = {}): Promise<this> {
    // VALISE_TEST_LOG=debug shows the relay's log while debugging a test.
    const logger = process.env.VALISE_TEST_LOG ? pino({ level: process.env.VALISE_TEST_LOG }) : undefined;
    this.relay = await startRelay({ orgId: this.orgId, orgPublicKey: this.root.publicKey.serialize(), ...(logger ? { logger } : {}), ...o });
    this.admin = await this.adminClient();
    return this;
  }

  /** Uses a relay running in another process (started and stopped by the caller); again after it restarts. */
  async attach(url: string): Promise<this> {
    await this.admin?.close().catch(() => undefined);
    this.relay = { url, port: Number(new URL(url).port), relay: undefined as never, close: async () => undefined };
    this.admin = await this.adminClient();
    return this;
  }

  async adminClient(): Promise<RelayClient> {
    const c = await RelayClient.connect(this.relay.url, this.relay.url.startsWith('wss:') ? { ws: { rejectUnauthorized: false } } : {});
    await c.authenticateAdmin((ch) => signAdminChallenge(this.root.privateKey, ch));
    return c;
  }

  private readonly peers: Peer[] = [];

  /** An authenticated device connection, closed by `stop()`. */
  async connect(device: Device, o: { autoAck?: boolean } = {}): Promise<Peer> {
    const p = await Peer.connect(this.relay.url, device, o);
    this.peers.push(p);
    return p;
  }

  async stop(): Promise<void> {
    for (const p of this.peers.splice(0)) await p.client.close().catch(() => undefined);
    await this.admin?.close().catch(() => undefined);
    await this.relay?.close();
  }

  nextSerial(): number {
    return this.serial++;
  }

  async addUser(userId: string, opts: { clearance?: number; roles?: OrgRole[]; name?: string } = {}): Promise<void> {
    const serial = this.nextSerial();
    const certificate = issueMemberCertificate(this.root.privateKey, {
      orgId: this.orgId, serial, userId, displayName: opts.name ?? userId, clearance: opts.clearance ?? 3,
      roles: opts.roles ?? ['delegate', 'lead'], notBeforeMs: Date.now() - DAY, notAfterMs: Date.now() + 365 * DAY,
    });
    await this.admin.request({ case: 'publishMember', value: { memberCertificate: certificate } }, 'ok');
    this.members.set(userId, { serial, certificate });
  }

  /** What the officer's tool does on "pending": a nonce for the stored request; returns the officer's code. */
  async openEnrolment(requestId: string, request: Uint8Array): Promise<string> {
    const opened = { orgId: this.orgId, requestId, request };
    const nonceRecord = issueEnrolmentNonce(this.root.privateKey, { ...opened, nowMs: Date.now() });
    await this.admin.request({ case: 'issueEnrolmentNonce', value: { requestId, nonceRecord } }, 'ok');
    return enrolmentCode(this.root.publicKey, opened, nonceRecord);
  }

  /** Enrols a device the whole way: request on a fresh connection, admin compares the code and approves. */
  async enrol(userId: string, opts: { notAfterMs?: number } = {}): Promise<Device> {
    const identity = IdentityKeyPair.generate();
    const req = createEnrolmentRequest({ orgId: this.orgId, userName: userId, deviceName: 'laptop', identity, registrationId: 7, nowMs: Date.now() });
    const c = await RelayClient.connect(this.relay.url);
    const submitted = await c.request({ case: 'submitEnrolment', value: { request: req.encoded } }, 'enrolmentSubmitted');
    const code = await this.openEnrolment(submitted.requestId, req.encoded);
    const pending = await this.admin.request({ case: 'listPending', value: {} }, 'pending');
    const p = pending.pending.find((x) => x.requestId === submitted.requestId)!;
    const serial = this.nextSerial();
    const certificate = issueDeviceCertificate(this.root.privateKey, {
      orgId: this.orgId, serial, userId: p.matchedUserId, deviceId: p.nextDeviceId, identityKey: identity.publicKey,
      notBeforeMs: Date.now() - DAY, notAfterMs: opts.notAfterMs ?? Date.now() + 365 * DAY,
    });
    await this.admin.request({ case: 'approveEnrolment', value: { requestId: p.requestId, code, deviceCertificate: certificate } }, 'ok');
    await c.close();
    return { userId: p.matchedUserId, deviceId: p.nextDeviceId, identity, certificate, serial };
  }

  revokeDevice(d: Device): Promise<unknown> {
    const revocation = issueRevocation(this.root.privateKey, { orgId: this.orgId, target: 'device', revokedSerial: d.serial, revokedAtMs: Date.now(), reason: 'lost' });
    return this.admin.request({ case: 'publishRevocation', value: { revocation } }, 'ok');
  }
}

/** A connected, authenticated device that records what it receives. */
export class Peer {
  readonly deliveries: Delivery[] = [];
  /** Every push received, by kind, in order. */
  readonly pushes: string[] = [];
  private waiters: (() => void)[] = [];
  autoAck = true;

  private constructor(
    readonly device: Device,
    readonly client: RelayClient,
  ) {
    client.onPush((p) => {
      this.pushes.push(p.case ?? 'unknown');
      if (p.case === 'delivery') {
        this.deliveries.push(p.value);
        if (this.autoAck) client.ack([p.value.id]);
      }
      for (const w of this.waiters.splice(0)) w();
    });
  }

  static async connect(url: string, device: Device, o: { autoAck?: boolean } = {}): Promise<Peer> {
    const client = await RelayClient.connect(url);
    const peer = new Peer(device, client);
    peer.autoAck = o.autoAck ?? true;
    await client.authenticate(device.certificate, (ch) => signAuthChallenge(device.identity.privateKey, ch));
    return peer;
  }

  get address(): { userId: string; deviceId: number } {
    return { userId: this.device.userId, deviceId: this.device.deviceId };
  }

  envelopes(): Delivery[] {
    return this.deliveries.filter((d) => d.kind === 1);
  }

  /** Resolves once `pred` holds, or rejects after `ms`. */
  async waitFor(pred: () => boolean, ms = 5000): Promise<void> {
    const end = Date.now() + ms;
    while (!pred()) {
      if (Date.now() > end) throw new Error('timed out waiting for deliveries');
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
    }
  }
}

export function envelope(from: Device, o: { channelId?: Uint8Array; to?: Device; body?: string; ciphertext?: Uint8Array; expiresAtMs?: number; id?: Uint8Array } = {}): { id: Uint8Array; bytes: Uint8Array } {
  const id = o.id ?? new Uint8Array(randomBytes(16));
  const e = create(EnvelopeSchema, {
    id,
    channelId: o.channelId ?? new Uint8Array(),
    sender: { userId: from.userId, deviceId: from.deviceId },
    ...(o.to ? { recipient: { userId: o.to.userId, deviceId: o.to.deviceId } } : {}),
    type: o.to ? EnvelopeType.WHISPER : EnvelopeType.SENDER_KEY,
    ciphertext: o.ciphertext ?? new TextEncoder().encode(o.body ?? 'opaque ciphertext'),
    sentAtMs: BigInt(Date.now()),
    expiresAtMs: BigInt(o.expiresAtMs ?? 0),
  });
  return { id, bytes: toBinary(EnvelopeSchema, e) };
}

export function send(peer: Peer, env: { bytes: Uint8Array }) {
  return peer.client.request({ case: 'send', value: { envelope: env.bytes } }, 'sent');
}

/** Creates a channel (epoch 0) signed by `owner` with the given members. */
export async function createChannel(owner: Peer, memberIds: string[], policy: Partial<ChannelPolicy> = {}): Promise<ChannelState> {
  const encoded = signChannelState(owner.device.identity.privateKey, {
    channelId: randomBytes(16), epoch: 0, previousHash: new Uint8Array(), name: 'talks', classification: 1,
    policy: { ...DEFAULT_POLICY, ...policy },
    members: [{ userId: owner.device.userId, role: 'owner' }, ...memberIds.filter((m) => m !== owner.device.userId).map((userId) => ({ userId, role: 'member' as const }))],
    status: 'active', signer: owner.address, signedAtMs: Date.now(),
  });
  await owner.client.request({ case: 'publishChannelChange', value: { change: encoded } }, 'ok');
  return decodeChannelState(encoded);
}

export async function changeChannel(owner: Peer, prev: ChannelState, change: Parameters<typeof nextStateFields>[3]): Promise<ChannelState> {
  const encoded = signChannelState(owner.device.identity.privateKey, nextStateFields(prev, owner.address, Date.now(), change));
  await owner.client.request({ case: 'publishChannelChange', value: { change: encoded } }, 'ok');
  return decodeChannelState(encoded);
}

export function wipeCommand(issuer: Peer, state: ChannelState): Uint8Array {
  return signWipeCommand(issuer.device.identity.privateKey, issuer.address, state, Date.now());
}
