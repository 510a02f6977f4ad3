/**
 * The engine's own records in the profile's settings table, as one typed key map (checked with zod
 * on write and on read): the organisation, who I am, the enrolment under way, the device identity's
 * registration id, the local organisation's root and relay port and serials, the UI settings.
 */
import { z } from 'zod';
import { ORG_ROLES } from '../../shared/model/roles.ts';

export const MeRecordSchema = z.object({
  userId: z.string(),
  deviceId: z.number().int(),
  displayName: z.string(),
  clearance: z.number().int(),
  orgRoles: z.array(z.enum(ORG_ROLES)),
  deviceCertificate: z.string(),
  memberCertificate: z.string(),
});
export type MeRecord = z.infer<typeof MeRecordSchema>;

/** This device's enrolment request, kept until the officer approves or rejects it. */
export const EnrolmentRecordSchema = z.object({
  requestId: z.string(),
  /** Null until the officer's nonce arrived and checked out against our own request. */
  code: z.string().nullable(),
  /** Our own encoded request (hex): the code is computed from these bytes, never the relay's. */
  request: z.string(),
  displayName: z.string(),
  state: z.enum(['pending', 'approved', 'rejected']),
});
export type EnrolmentRecord = z.infer<typeof EnrolmentRecordSchema>;

export const PROFILE_SETTINGS = {
  /** The organisation's org.json as this device keeps it (serialized). */
  'engine.org': z.string(),
  'engine.me': MeRecordSchema,
  'engine.enrolment': EnrolmentRecordSchema,
  'engine.identity': z.object({ registrationId: z.number().int() }),
  /** The root key of the organisation this machine started (hex), absent for one joined. */
  'engine.localOrgRoot': z.string(),
  'engine.localRelayPort': z.number().int(),
  'engine.localSerial': z.number().int(),
  /** The UI settings as saved; merged over the defaults and checked where they are read. */
  'ui.settings': z.record(z.string(), z.unknown()),
} as const;
