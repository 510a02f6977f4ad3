/** Organisation roles carried in a member certificate (DESIGN.md §1, §4). */
export const ORG_ROLES = ['delegate', 'lead', 'security-officer', 'records'] as const;
export type OrgRole = (typeof ORG_ROLES)[number];

/** Roles inside one channel, carried in the signed channel state. */
export const CHANNEL_ROLES = ['owner', 'lead', 'member', 'records'] as const;
export type ChannelRole = (typeof CHANNEL_ROLES)[number];
