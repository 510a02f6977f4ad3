/**
 * The security officer's tool connected to a real relay through the hostile proxy: every frame the
 * tool sends is recorded, and the relay's answers can be rewritten by the test's lie of the moment.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AdminTool, initOrg } from '../../src/cli/admin/AdminTool.ts';
import type { ClientFrame, ServerFrame } from '../../src/gen/valise/v1/relay_pb.ts';
import type { RelayClient } from '../../src/relay/RelayClient.ts';
import { orgPublicKeyBytes, type OrgFile } from '../../src/relay/readOrgConfig.ts';
import { startRelay, type RunningRelay } from '../../src/server/startRelay.ts';
import { HostileRelay } from './HostileRelay.ts';

export const OFFICER_PASSPHRASE = 'correct horse battery staple';

export interface OfficerRig {
  dir: string;
  org: OrgFile;
  relay: RunningRelay;
  proxy: HostileRelay;
  /** Every frame the officer's tool sent, as the relay saw it. */
  sent: ClientFrame[];
  tool: AdminTool;
  close(): Promise<void>;
}

/** `rewrite` changes an answer in place and says whether it did; `devices` are closed at the end. */
export async function officerBehindHostileRelay(prefix: string, rewrite: (f: ServerFrame) => boolean, devices: RelayClient[]): Promise<OfficerRig> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const org = await initOrg({ dir, relayUrl: 'ws://127.0.0.1:1', passphrase: OFFICER_PASSPHRASE, kdf: { memoryCost: 8192, timeCost: 1, parallelism: 1 } });
  const relay = await startRelay({ orgId: org.orgId, orgPublicKey: orgPublicKeyBytes(org) });
  const proxy = await HostileRelay.start(relay.url);
  const sent: ClientFrame[] = [];
  proxy.onClient((f) => {
    sent.push(f);
    return 'pass';
  });
  proxy.onServer((f) => (rewrite(f) ? [f] : 'pass'));
  const tool = await AdminTool.open(dir, OFFICER_PASSPHRASE, proxy.url);
  return {
    dir, org, relay, proxy, sent, tool,
    async close() {
      for (const d of devices.splice(0)) await d.close().catch(() => undefined);
      await tool.close();
      await proxy.close();
      await relay.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
