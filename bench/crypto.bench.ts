/**
 * Crypto benchmark: each Valise wrapper figure next to raw libsignal measured in the same run.
 * Raw and wrapper runs alternate and the best of each is kept, so load from other processes on a
 * shared machine hits both sides alike.
 */
import { withRatio, type Figure } from './lib/report.ts';
import { rawSenderKeyPair, rawSessionPair, rawSessionSetup } from './lib/rawSignal.ts';
import type { PublicKey } from '@signalapp/libsignal-client';
import { NOW, TestOrg, creation, type TestDevice } from '../test/crypto/fixtures.ts';
import { Party } from '../test/crypto/party.ts';
import { ChannelCipher } from '../src/crypto/ChannelCipher.ts';
import { applyChannelChange } from '../src/crypto/applyChannelChange.ts';
import { nextStateFields, signChannelState, decodeChannelState, type ChannelState } from '../src/crypto/ChannelState.ts';
import type { TrustView } from '../src/crypto/OrgTrust.ts';
import { verifyChannelChain, type ChainContext } from '../src/crypto/verifyChannelChain.ts';
import { CONTEXT, signedMessage } from '../src/crypto/signing.ts';
import { DeviceKeys } from '../src/crypto/DeviceKeys.ts';
import { SessionCipher } from '../src/crypto/SessionCipher.ts';
import { memoryProtocolStores } from '../src/crypto/memory/MemoryStores.ts';

/**
 * Runs raw and wrapper operations in alternating chunks, swapping which side goes first each
 * time, and returns each side's ops/s over its summed time as [raw, ours]. Other engineers'
 * processes share this machine and load comes in bursts; alternation spreads them over both
 * sides. (libsignal finishes some native work after a call returns, which the chunk that runs
 * next pays for; swapping the order evens that out too.)
 */
async function interleaved(n: number, chunk: number, raw: (i: number) => unknown, ours: (i: number) => unknown): Promise<[number, number]> {
  const ms = [0, 0];
  const sides = [raw, ours];
  for (let start = 0, k = 0; start < n; start += chunk, k++) {
    const end = Math.min(n, start + chunk);
    for (const side of k % 2 === 0 ? [0, 1] : [1, 0]) {
      const t = performance.now();
      for (let i = start; i < end; i++) await sides[side]!(i);
      ms[side]! += performance.now() - t;
    }
  }
  return [(n * 1000) / ms[0]!, (n * 1000) / ms[1]!];
}

async function wrapperPair(payload: Uint8Array) {
  const org = new TestOrg();
  const a = org.device('alice', 1);
  const b = org.device('bob', 1);
  const alice = await Party.create(org, a);
  const bob = await Party.create(org, b);
  alice.learn(a, b);
  bob.learn(a, b);
  await alice.cipher.processBundle(bob.bundle());
  const first = await alice.cipher.encrypt(b, payload);
  await bob.cipher.decrypt(a, first.type, first.ciphertext);
  const reply = await bob.cipher.encrypt(a, payload);
  await alice.cipher.decrypt(b, reply.type, reply.ciphertext);
  return {
    encrypt: async () => (await alice.cipher.encrypt(b, payload)).ciphertext,
    decrypt: (c: Uint8Array) => bob.cipher.decrypt(a, 'whisper', c),
  };
}

async function wrapperGroup(payload: Uint8Array) {
  const org = new TestOrg();
  const a = org.device('alice', 1);
  const b = org.device('bob', 1);
  const alice = await Party.create(org, a);
  const bob = await Party.create(org, b);
  const ca = new ChannelCipher(alice.stores.senderKey, a);
  const cb = new ChannelCipher(bob.stores.senderKey, b);
  const channel = new Uint8Array(16).fill(1);
  await cb.processDistribution(a, await ca.distribution(channel, 0), channel, 0);
  return {
    encrypt: () => ca.encrypt(channel, 0, payload),
    decrypt: (c: Uint8Array) => cb.decrypt(a, channel, [0], c),
  };
}

/**
 * One full set-up as a device does it: fresh prekeys, the bundle checked against the certificate,
 * a message each way (as the raw set-up). Enrolment (identity key + certificate) is not part of a
 * session set-up, so the devices come from a pool made beforehand.
 */
async function wrapperSetup(org: TestOrg, a: TestDevice, b: TestDevice, payload: Uint8Array): Promise<void> {
  const aStores = memoryProtocolStores(a.identity, 11);
  const bStores = memoryProtocolStores(b.identity, 12);
  const upload = await new DeviceKeys(bStores, { identityKeyPair: b.identity, registrationId: 12 }, { batch: 1, threshold: 0, signedPrekeyMaxAgeMs: 1e12 }).initialise(NOW);
  const alice = new SessionCipher(aStores, a, org.trust, () => NOW);
  const bob = new SessionCipher(bStores, b, org.trust, () => NOW);
  await alice.processBundle({ userId: b.userId, deviceId: b.deviceId, deviceCertificate: b.certificate, signedPrekey: upload.signedPrekey!,
    oneTimePrekey: upload.oneTime[0]!.record, kyberPrekey: upload.oneTimeKyber[0]!.record });
  const first = await alice.encrypt(b, payload);
  await bob.decrypt(a, first.type, first.ciphertext);
  const reply = await bob.encrypt(a, payload);
  await alice.decrypt(b, reply.type, reply.ciphertext);
}

interface Pair {
  encrypt: () => Promise<Uint8Array>;
  decrypt: (c: Uint8Array) => Promise<unknown>;
}

/** Encrypt and decrypt throughput of a raw and a wrapper pair, interleaved. */
async function encryptDecrypt(raw: Pair, ours: Pair, n: number) {
  const [rawEnc, ourEnc] = await interleaved(n, 50, () => raw.encrypt(), () => ours.encrypt());
  const rawCts: Uint8Array[] = [];
  const ourCts: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    rawCts.push(await raw.encrypt());
    ourCts.push(await ours.encrypt());
  }
  const [rawDec, ourDec] = await interleaved(n, 50, (i) => raw.decrypt(rawCts[i]!), (i) => ours.decrypt(ourCts[i]!));
  return { rawEnc, ourEnc, rawDec, ourDec };
}

/** One pass over every figure: [raw, ours] per figure, in a fixed order. */
async function pass(payload: Uint8Array<ArrayBuffer>, verifyCase: VerifyCase, setupOrg: TestOrg, cc: ChainCase): Promise<[number, number][]> {
  const N = 3000;
  const one = await encryptDecrypt(await rawSessionPair(payload), await wrapperPair(payload), N);
  const group = await encryptDecrypt(await rawSenderKeyPair(payload), await wrapperGroup(payload), N);
  const SETUPS = 60;
  const pool = Array.from({ length: SETUPS }, (_, i) => [setupOrg.device(`a${i}`, 1), setupOrg.device(`b${i}`, 1)] as const);
  const setup = await interleaved(SETUPS, 5, () => rawSessionSetup(payload), (i) => wrapperSetup(setupOrg, pool[i]![0], pool[i]![1], payload));
  const { key, signed, sig, prev, change, view } = verifyCase;
  const verify = await interleaved(6000, 200, () => key.verify(signed, sig), () => {
    const r = applyChannelChange(prev, change, view);
    if (r.kind !== 'accepted') throw new Error(r.reason);
  });
  // A whole chain taken by a device that holds nothing, against verifying its signatures raw.
  const chain = await interleaved(40, 4, () => cc.raw.every(([k, m, sg]) => k.verify(m, sg)), () => {
    const r = verifyChannelChain(cc.changes, cc.ctx);
    if (r.kind !== 'accepted') throw new Error(r.reason);
  });
  return [[one.rawEnc, one.ourEnc], [one.rawDec, one.ourDec], [group.rawEnc, group.ourEnc], [group.rawDec, group.ourDec], setup, verify, chain];
}

interface ChainCase {
  changes: Uint8Array[];
  ctx: ChainContext;
  raw: [PublicKey, Uint8Array<ArrayBuffer>, Uint8Array<ArrayBuffer>][];
}

/** An organisation of a lead and 20 members, the lead's device, and the 21 as channel members (the lead owning it). */
function channelOf21() {
  const org = new TestOrg();
  org.member('lead', 3, ['lead']);
  for (let i = 0; i < 20; i++) org.member(`m${i}`, 3);
  const lead = org.device('lead', 1);
  const view = org.trust.view(NOW);
  const members = [{ userId: 'lead', role: 'owner' as const }, ...Array.from({ length: 20 }, (_, i) => ({ userId: `m${i}`, role: 'member' as const }))];
  return { org, lead, view, members };
}

/** A 21-member channel with 100 changes after its creation (renames, members leaving and coming back). */
function chainCase(): ChainCase {
  const { org, lead, view, members } = channelOf21();
  const changes = [creation(lead, members)];
  let state = decodeChannelState(changes[0]!);
  for (let i = 1; i <= 100; i++) {
    const change = i % 2 === 0 ? { name: `Round ${i}` } : { members: i % 4 === 1 ? members.slice(0, 20) : members };
    changes.push(signChannelState(lead.identity.privateKey, nextStateFields(state, lead, NOW + i, change)));
    state = decodeChannelState(changes.at(-1)!);
  }
  const raw = changes.slice(1).map((c) => {
    const d = decodeChannelState(c);
    return [lead.identity.publicKey, signedMessage(CONTEXT.channelState, d.body), new Uint8Array(d.signature)] as [PublicKey, Uint8Array<ArrayBuffer>, Uint8Array<ArrayBuffer>];
  });
  const ctx: ChainContext = { channelId: state.channelId, held: null, pushed: changes.at(-1), now: view, ever: org.trust.everIssued(NOW) };
  return { changes, ctx, raw };
}

interface VerifyCase {
  key: PublicKey;
  signed: Uint8Array<ArrayBuffer>;
  sig: Uint8Array<ArrayBuffer>;
  prev: ChannelState;
  change: Uint8Array;
  view: TrustView;
}

/** A 21-member channel and a change that renames it and removes 6 members. */
function verifyCase(): VerifyCase {
  const { lead, view, members } = channelOf21();
  const created = applyChannelChange(null, creation(lead, members), view);
  if (created.kind !== 'accepted') throw new Error(created.reason);
  const change = signChannelState(lead.identity.privateKey, nextStateFields(created.state, lead, NOW, { name: 'Round 2', members: members.slice(0, 15) }));
  const decoded = decodeChannelState(change);
  // The raw limit: one XEdDSA verification of the same signed bytes.
  return { key: lead.identity.publicKey, signed: signedMessage(CONTEXT.channelState, decoded.body), sig: new Uint8Array(decoded.signature), prev: created.state, change, view };
}

const PASSES = 3;

export async function run(): Promise<Figure[]> {
  const payload = new Uint8Array(256).fill(7);
  const vc = verifyCase();
  const cc = chainCase();
  const setupOrg = new TestOrg();
  const passes: [number, number][][] = [];
  for (let p = 0; p < PASSES; p++) passes.push(await pass(payload, vc, setupOrg, cc));
  // Per figure, the pass with the median ratio: a burst of load from other processes during one
  // pass then does not decide the figure.
  const pick = (f: number): [number, number] => {
    const sorted = passes.map((ps) => ps[f]!).sort((a, b) => a[1] / a[0] - b[1] / b[0]);
    return sorted[Math.floor(sorted.length / 2)]!;
  };
  const [enc, dec, genc, gdec, setup, verify, chain] = [0, 1, 2, 3, 4, 5, 6].map(pick) as [number, number][];

  const target = '>= 0.8 of raw';
  return [
    { name: 'raw libsignal 1:1 encrypt (256 B)', value: enc![0], unit: 'msg/s' },
    { name: 'raw libsignal 1:1 decrypt (256 B)', value: dec![0], unit: 'msg/s' },
    { name: 'raw libsignal sender-key encrypt (256 B)', value: genc![0], unit: 'msg/s' },
    { name: 'raw libsignal sender-key decrypt (256 B)', value: gdec![0], unit: 'msg/s' },
    { name: 'raw libsignal session setup (bundle + first message)', value: setup![0], unit: 'setups/s' },
    { name: 'raw libsignal XEdDSA verify (channel state bytes)', value: verify![0], unit: 'verifications/s' },
    withRatio({ name: 'Valise 1:1 encrypt (256 B)', value: enc![1], unit: 'msg/s', limit: enc![0], target }),
    withRatio({ name: 'Valise 1:1 decrypt (256 B)', value: dec![1], unit: 'msg/s', limit: dec![0], target }),
    withRatio({ name: 'Valise sender-key encrypt (256 B)', value: genc![1], unit: 'msg/s', limit: genc![0], target }),
    withRatio({ name: 'Valise sender-key decrypt (256 B)', value: gdec![1], unit: 'msg/s', limit: gdec![0], target }),
    withRatio({ name: 'Valise session setup (cert-checked bundle + first message)', value: setup![1], unit: 'setups/s', limit: setup![0], target }),
    withRatio({ name: 'Valise channel state change verification (21 members)', value: verify![1], unit: 'verifications/s', limit: verify![0], target }),
    { name: 'raw libsignal XEdDSA verify of 100 channel changes', value: 1000 / chain![0], unit: 'ms' },
    withRatio({ name: 'Valise accept a chain of 100 changes on a new device (21 members)', value: 1000 / chain![1], unit: 'ms', limit: 1000 / chain![0], target }, true),
  ];
}
