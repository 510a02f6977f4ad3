/** What every part of an unlocked session shares: the profile store, time, logging, events and who I am. */
import type { Logger } from 'pino';
import type { DeviceIdentity, DeviceRef } from '../../../crypto/index.ts';
import type { RelayClient } from '../../../relay/RelayClient.ts';
import type { LocalStore } from '../../../storage/index.ts';
import type { ApiEvent } from '../../../shared/api/events.ts';
import type { Clock } from '../Clock.ts';
import type { OrgConfig } from '../OrgConfig.ts';
import type { Me } from '../policyRules.ts';

export type { MeRecord } from '../profileSettings.ts';
import type { MeRecord } from '../profileSettings.ts';

export interface SessionContext {
  store: LocalStore;
  org: OrgConfig;
  me: MeRecord;
  meRef: DeviceRef;
  identity: DeviceIdentity;
  clock: Clock;
  log: Logger;
  emit: (e: ApiEvent) => void;
}

/** The relay connection as the parts see it: connected (may not be authenticated yet) or authenticated. */
export interface RelayAccess {
  relay(): RelayClient | null;
  authenticated(): RelayClient | null;
}

export function meView(me: MeRecord): Me {
  return { userId: me.userId, clearance: me.clearance, orgRoles: me.orgRoles };
}
