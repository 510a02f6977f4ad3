/**
 * The profile on disk, as the engine sees it: the plain meta file (profile.json), the encrypted
 * store opened with its key provider, and the engine's own records in it (organisation, identity,
 * enrolment, who I am, the local organisation's root, the UI settings), each behind a typed
 * accessor. Erasing the profile happens here too: the key provider's key, the key file, the
 * database and the meta file go.
 */
import { deviceIdentityFrom, orgRootKeyFromBytes, type DeviceIdentity, type OrgRootKey } from '../../crypto/index.ts';
import { createProfile, destroyProfileKey, openProfile, wipeProfile, type KeyProvider, type LocalStore } from '../../storage/index.ts';
import { DEFAULT_SETTINGS, SettingsSchema, type Settings } from '../../shared/api/schemas.ts';
import { ApiError, toApiError } from './errors.ts';
import { makeKeyProvider, type KeyProviderOptions } from './keyProviders.ts';
import { parseOrgConfig, serializeOrgConfig, type OrgConfig } from './OrgConfig.ts';
import { readMeta, removeMeta, writeMeta, type ProfileMeta } from './ProfileMeta.ts';
import { PROFILE_SETTINGS, type EnrolmentRecord, type MeRecord } from './profileSettings.ts';

export type { EnrolmentRecord } from './profileSettings.ts';

/** The engine's records in the profile's settings table, through their typed key map. */
const records = (store: LocalStore) => store.repos.settings.typed(PROFILE_SETTINGS);

export class ProfileStore {
  private current: LocalStore | null = null;
  /** The provider that opened the store: erasing the profile has it destroy its key too. */
  private provider: KeyProvider | null = null;

  constructor(
    readonly dir: string,
    private readonly keyProviders?: KeyProviderOptions,
  ) {}

  meta(): ProfileMeta | null {
    return readMeta(this.dir);
  }

  writeMeta(meta: ProfileMeta): void {
    writeMeta(this.dir, meta);
  }

  /** The open store, or null while locked. */
  get store(): LocalStore | null {
    return this.current;
  }

  /** The open store; LOCKED (or NOT_ENROLLED without a profile) otherwise. */
  need(): LocalStore {
    if (!this.current) throw new ApiError(this.meta() ? 'LOCKED' : 'NOT_ENROLLED');
    return this.current;
  }

  /** A new profile, with its key wrapped by the chosen provider; ALREADY_ENROLLED if one exists. */
  async create(kind: ProfileMeta['keyProvider'], passphrase: string | undefined): Promise<LocalStore> {
    if (this.meta()) throw new ApiError('ALREADY_ENROLLED');
    const provider = makeKeyProvider(kind, passphrase, this.keyProviders);
    try {
      this.current = await createProfile(this.dir, provider, { backgroundCheckpoints: true });
    } catch (e) {
      throw toApiError(e);
    }
    this.provider = provider;
    return this.current;
  }

  /** Opens the existing profile; UNLOCK_FAILED when the provider cannot unwrap the key. */
  async unlock(passphrase: string | undefined): Promise<LocalStore> {
    const meta = this.meta();
    if (!meta) throw new ApiError('NOT_ENROLLED');
    if (this.current) return this.current;
    const provider = makeKeyProvider(meta.keyProvider, passphrase, this.keyProviders);
    try {
      this.current = await openProfile(this.dir, provider, { backgroundCheckpoints: true });
    } catch (e) {
      const err = toApiError(e);
      throw err.code === 'INTERNAL' ? new ApiError('UNLOCK_FAILED', { cause: e }) : err;
    }
    this.provider = provider;
    return this.current;
  }

  /** Closes the database and forgets the key provider (and the secret it holds). */
  close(): void {
    this.current?.close();
    this.current = null;
    this.provider = null;
  }

  /**
   * Erases the profile: the key provider's own key (when it keeps one), the key file, the
   * database and the meta file. Returns what could not be destroyed (e.g. a token not inserted);
   * the files go regardless.
   */
  async erase(): Promise<unknown[]> {
    const provider = this.provider;
    this.close();
    const failures = provider ? await destroyProfileKey(this.dir, provider) : [];
    wipeProfile(this.dir);
    removeMeta(this.dir);
    return failures;
  }

  // ---------------------------------------------------------------- the engine's records

  private records() {
    return this.current ? records(this.current) : undefined;
  }

  org(): OrgConfig {
    const text = this.records()?.get('engine.org');
    if (!text) throw new ApiError('NOT_ENROLLED');
    return parseOrgConfig(text);
  }

  setOrg(org: OrgConfig): void {
    records(this.need()).set('engine.org', serializeOrgConfig(org));
  }

  me(): MeRecord | null {
    return this.records()?.get('engine.me') ?? null;
  }

  enrolment(): EnrolmentRecord | null {
    return this.records()?.get('engine.enrolment') ?? null;
  }

  setEnrolment(e: EnrolmentRecord): void {
    records(this.need()).set('engine.enrolment', e);
  }

  /** The officer approved: who I am and the enrolment's end, in one transaction. */
  approved(me: MeRecord): void {
    const enrolment = this.enrolment();
    this.need().transaction((r) => {
      r.settings.typed(PROFILE_SETTINGS).set('engine.me', me);
      if (enrolment) r.settings.typed(PROFILE_SETTINGS).set('engine.enrolment', { ...enrolment, state: 'approved' });
    });
  }

  saveIdentity(identity: DeviceIdentity): void {
    const store = this.need();
    store.protocol.identity.setLocalIdentity(identity.identityKeyPair.privateKey, identity.registrationId);
    records(store).set('engine.identity', { registrationId: identity.registrationId });
  }

  async loadIdentity(): Promise<DeviceIdentity> {
    const store = this.need();
    const saved = records(store).get('engine.identity');
    if (!saved) throw new ApiError('NOT_ENROLLED');
    return deviceIdentityFrom(await store.protocol.identity.getIdentityKey(), saved.registrationId);
  }

  // ---------------------------------------------------------------- local organisation

  /** The root key of the organisation this machine started, or null (an organisation joined). */
  localRoot(): OrgRootKey | null {
    const hex = this.records()?.get('engine.localOrgRoot');
    return hex ? orgRootKeyFromBytes(new Uint8Array(Buffer.from(hex, 'hex'))) : null;
  }

  setLocalRoot(root: OrgRootKey): void {
    records(this.need()).set('engine.localOrgRoot', Buffer.from(root.privateKey.serialize()).toString('hex'));
  }

  localRelayPort(): number {
    return this.records()?.get('engine.localRelayPort') ?? 0;
  }

  setLocalRelayPort(port: number): void {
    records(this.need()).set('engine.localRelayPort', port);
  }

  /** The next certificate serial of the local organisation (1 and 2 went to the officer's own). */
  nextLocalSerial(): number {
    const store = this.need();
    const next = (records(store).get('engine.localSerial') ?? 2) + 1;
    records(store).set('engine.localSerial', next);
    return next;
  }

  // ---------------------------------------------------------------- UI settings

  settings(): Settings {
    const stored = this.records()?.get('ui.settings');
    const r = SettingsSchema.safeParse({ ...DEFAULT_SETTINGS, ...(stored as object | undefined) });
    return r.success ? r.data : DEFAULT_SETTINGS;
  }

  setSettings(change: Partial<Settings>): Settings {
    const next = { ...this.settings(), ...change };
    records(this.need()).set('ui.settings', next);
    return next;
  }
}
