/**
 * Organisation trust as this device knows it: certificates stored in the profile, refreshed from
 * the relay's directory when someone unknown shows up (throttled), and the people it names.
 */
import { OrgTrust, orgIdentity, type DeviceRef } from '../../../crypto/index.ts';
import type { RelayClient } from '../../../relay/RelayClient.ts';
import type { Person } from '../../../shared/api/schemas.ts';
import { unhex } from '../views.ts';
import type { SessionContext } from './SessionContext.ts';

export class Directory {
  readonly trust: OrgTrust;
  private directoryAt = 0;
  /** Unknown senders already looked up in the directory, and when. */
  private readonly lookedUp = new Map<string, number>();
  /** The directory look a send started, while it is under way. */
  private directoryLook: Promise<void> = Promise.resolve();
  /** Called after each directory look: certificates may have been revoked or reissued. */
  refreshed: () => void = () => undefined;

  constructor(
    private readonly c: SessionContext,
    /** The authenticated relay, if any (look-ups while receiving). */
    private readonly authenticated: () => RelayClient | null,
  ) {
    const { org, me, store } = c;
    this.trust = new OrgTrust(orgIdentity(org.orgId, org.orgPublicKey));
    const certs = store.repos.records.loadCertificatesSync();
    for (const r of certs.revocations) this.tryTrust(() => this.trust.addRevocation(r));
    for (const m of certs.members) this.tryTrust(() => this.trust.addMemberCertificate(m));
    for (const dev of certs.devices) this.tryTrust(() => this.trust.addDeviceCertificate(dev));
    this.tryTrust(() => this.trust.addMemberCertificate(unhex(me.memberCertificate)));
    this.tryTrust(() => this.trust.addDeviceCertificate(unhex(me.deviceCertificate)));
  }

  tryTrust<T>(f: () => T): T | undefined {
    try {
      return f();
    } catch {
      return undefined;
    }
  }

  async refresh(c: RelayClient): Promise<void> {
    this.directoryAt = this.c.clock.now();
    const dir = await c.request({ case: 'fetchDirectory', value: { userIds: [] } }, 'directory');
    const records = this.c.store.repos.records;
    for (const r of dir.revocations) {
      const rev = this.tryTrust(() => this.trust.addRevocation(r));
      if (rev) await records.saveRevocation(r);
    }
    for (const e of dir.entries) {
      const m = this.tryTrust(() => this.trust.addMemberCertificate(e.memberCertificate));
      if (m) await records.saveMemberCertificate(m.userId, e.memberCertificate);
      for (const dc of e.deviceCertificates) {
        const dev = this.tryTrust(() => this.trust.addDeviceCertificate(dc));
        if (dev) await records.saveDeviceCertificate(dev.userId, dev.deviceId, dc);
      }
    }
    this.refreshed();
  }

  /** Someone enrolled after our last directory look: fetch it again before judging what they sent. */
  async knowAll(userIds: readonly string[], device: DeviceRef): Promise<void> {
    const view = this.trust.view(this.c.clock.now());
    const missing = [...(view.device(device.userId, device.deviceId) ? [] : [`${device.userId}.${device.deviceId}`]), ...userIds.filter((u) => !view.member(u))];
    const relay = this.authenticated();
    if (missing.length === 0 || !relay) return;
    // Look again at most once a second, except for someone not looked up yet: a device that enrolled
    // just after a look must not have its first messages dropped.
    const now = this.c.clock.now();
    const key = missing.sort().join(',');
    if (now - this.directoryAt > 1000 || now - (this.lookedUp.get(key) ?? 0) > 30_000) {
      this.lookedUp.set(key, now);
      await this.refresh(relay);
    }
  }

  /**
   * Before a send: a member with no known device (enrolled after our last look), or a stale
   * directory, means looking again — for the same deviceless members at most every 10 s, so one who
   * never enrols does not cost a directory look per message.
   */
  async freshForSend(relay: RelayClient, deviceless: string[], now: number): Promise<void> {
    const looked = `deviceless:${deviceless.sort().join(',')}`;
    if (now - this.directoryAt > 30_000 || (deviceless.length > 0 && now - (this.lookedUp.get(looked) ?? 0) > 10_000)) {
      if (deviceless.length > 0) this.lookedUp.set(looked, now);
      const look = this.refresh(relay);
      this.directoryLook = look.catch(() => undefined);
      await look;
    }
  }

  /** Resolves when the directory look another send started (if any) is over: its answer is the one to judge by. */
  get looking(): Promise<void> {
    return this.directoryLook;
  }

  names = (userId: string): string => this.trust.view(this.c.clock.now()).member(userId)?.displayName ?? userId;

  people(): Map<string, Person> {
    const out = new Map<string, Person>();
    const view = this.trust.view(this.c.clock.now());
    for (const userId of this.knownUsers()) {
      const m = view.member(userId);
      if (m) out.set(userId, { userId, displayName: m.displayName, clearance: m.clearance, orgRoles: m.roles });
    }
    return out;
  }

  /** People by id; looks the directory up again when someone asked for is not known yet. */
  async peopleIncluding(userIds: readonly string[], relay: RelayClient | null): Promise<Map<string, Person>> {
    const people = this.people();
    if (relay && userIds.some((u) => !people.has(u))) {
      await this.refresh(relay);
      return this.people();
    }
    return people;
  }

  private knownUsers(): string[] {
    const certs = this.c.store.repos.records.loadCertificatesSync();
    const ids = new Set<string>([this.c.me.userId]);
    for (const m of certs.members) {
      const c = this.tryTrust(() => this.trust.addMemberCertificate(m));
      if (c) ids.add(c.userId);
    }
    return [...ids];
  }
}
