/**
 * The storage layer's public surface (DESIGN.md §6). The engine imports from here only.
 */
export * from './errors.ts';
export { openDatabase, type Db } from './Database.ts';
export { migrate, LATEST_SCHEMA, schemaVersion } from './migrations/index.ts';
export * from './Profile.ts';
export * from './LocalStore.ts';
export type { KeyProvider, KeyProviderKind, WrappedFields } from './keys/KeyProvider.ts';
export { PassphraseKeyProvider, DEFAULT_ARGON2, type Argon2Params } from './keys/PassphraseKeyProvider.ts';
export { OsKeystoreKeyProvider, type SafeStorageLike } from './keys/OsKeystoreKeyProvider.ts';
export { Tpm2KeyProvider, type Tpm2Options } from './keys/Tpm2KeyProvider.ts';
export { Pkcs11KeyProvider, type Pkcs11Options } from './keys/Pkcs11KeyProvider.ts';
export type { MessageStore, NewMessage, StoredMessage, MessagePage, MessagePosition, SearchOptions } from './repositories/MessageStore.ts';
export { atOrBefore, comparePosition } from './repositories/MessageStore.ts';
export type { StoredWipe, WipeDevice } from './repositories/WipeRepository.ts';
export type { SettingsMap, SettingsKey, SettingsSchemas, TypedSettings } from './repositories/Settings.ts';
export { MemoryMessageStore } from './repositories/MemoryMessageStore.ts';
export type { ChannelRecord, ChannelMember, ChannelStatus } from './repositories/ChannelRepository.ts';
export type { OutboxItem } from './repositories/OutboxRepository.ts';
export type { WipeReceiptEntry } from './repositories/RecordRepository.ts';
export type { AuditEntry } from './repositories/AuditLog.ts';
export type { TrustHook, SqliteProtocolStores } from './protocol/SqliteProtocolStores.ts';
