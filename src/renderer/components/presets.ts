/** The policy presets a lead picks from when creating a channel (issue 7). */
import type { ChannelPolicy } from '../../shared/model/policy.ts';
import { DEFAULT_POLICY, normalisePolicy } from '../../shared/model/policy.ts';
import type { MessageKey } from '../i18n/en.ts';

export interface Preset {
  id: 'negotiation' | 'coordination';
  label: MessageKey;
  classification: number;
  policy: ChannelPolicy;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export const PRESETS: readonly Preset[] = [
  {
    id: 'negotiation',
    label: 'create.preset.negotiation',
    classification: 3,
    policy: normalisePolicy({ ...DEFAULT_POLICY, recording: 'off-the-record', messageLifetimeMs: 24 * HOUR }),
  },
  {
    id: 'coordination',
    label: 'create.preset.coordination',
    classification: 2,
    policy: { ...DEFAULT_POLICY, recording: 'devices', messageLifetimeMs: 30 * DAY },
  },
];

export const LIFETIMES_MS = [0, HOUR, 8 * HOUR, 24 * HOUR, 7 * DAY, 30 * DAY] as const;
