/**
 * Fixtures for the unit tests of the session's parts: a real profile store in a temp dir, a manual
 * clock, a silent logger, the events emitted, channel states built by hand (not signed: the parts
 * under test only read them) and a fake relay client that records what it was asked.
 */
import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import type { ChannelState } from '../../src/crypto/index.ts';
import type { ApiEvent } from '../../src/shared/api/events.ts';
import { DEFAULT_POLICY, type ChannelPolicy } from '../../src/shared/model/policy.ts';
import type { RelayClient } from '../../src/relay/RelayClient.ts';
import { ManualClock } from '../../src/main/engine/Clock.ts';
import type { OrgConfig } from '../../src/main/engine/OrgConfig.ts';
import type { SessionContext } from '../../src/main/engine/session/SessionContext.ts';
import { unhex } from '../../src/main/engine/views.ts';
import { openTestStore, tempDir } from '../storage/support.ts';

export interface Kit {
  c: SessionContext;
  clock: ManualClock;
  events: ApiEvent[];
  close(): void;
}

export async function sessionKit(userId = 'alice', deviceId = 1, at?: number): Promise<Kit> {
  const dir = tempDir('valise-session-');
  const store = await openTestStore(path.join(dir, 'p'));
  const clock = new ManualClock(at);
  const events: ApiEvent[] = [];
  const c: SessionContext = {
    store,
    org: { classifications: [{ level: 0, label: 'Unclassified' }] } as unknown as OrgConfig,
    me: { userId, deviceId, displayName: userId, clearance: 3, orgRoles: [], deviceCertificate: '', memberCertificate: '' },
    meRef: { userId, deviceId },
    identity: {} as SessionContext['identity'],
    clock,
    log: pino({ level: 'silent' }),
    emit: (e) => events.push(e),
  };
  return {
    c,
    clock,
    events,
    close: () => {
      store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A channel state as the parts read it. */
export function channel(id: string, o: { epoch?: number; members?: string[]; policy?: Partial<ChannelPolicy>; status?: ChannelState['status']; name?: string } = {}): ChannelState {
  return {
    channelId: unhex(id),
    epoch: o.epoch ?? 0,
    previousHash: new Uint8Array(0),
    name: o.name ?? 'Talks',
    classification: 0,
    policy: { ...DEFAULT_POLICY, ...o.policy },
    members: (o.members ?? ['alice', 'bob']).map((userId, i) => ({ userId, role: i === 0 ? 'owner' : 'member' })),
    status: o.status ?? 'active',
    signer: { userId: 'alice', deviceId: 1 },
    signedAtMs: 1,
    hash: new Uint8Array(32),
    encoded: new Uint8Array([1]),
    signature: new Uint8Array(64),
    body: new Uint8Array(0),
  };
}

/** A relay client that answers `request` from a table and records every call. */
export function fakeRelay(answers: Record<string, unknown> = {}): RelayClient & { requests: { case: string; value: unknown }[]; acked: Uint8Array[] } {
  const requests: { case: string; value: unknown }[] = [];
  const acked: Uint8Array[] = [];
  const relay = {
    requests,
    acked,
    request: (body: { case: string; value: unknown }) => {
      requests.push(body);
      return body.case in answers ? Promise.resolve(answers[body.case]) : Promise.reject(new Error(`no answer for ${body.case}`));
    },
    ack: (ids: Uint8Array[]) => void acked.push(...ids),
  };
  return relay as unknown as RelayClient & typeof relay;
}
