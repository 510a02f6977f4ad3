/**
 * Keeps this device connected to its relay (issue 6 §2): connect, authenticate, report the state,
 * reconnect after any drop with exponential back-off and jitter, and recognise revocation — an
 * AUTH_REVOKED refusal or a "closing" push — which ends retrying for good. The relay's word is not
 * enough to erase anything: the engine judges the org-signed revocation that came with it. With a
 * proof the state is `revoked` (the engine wipes the profile); without one it is
 * `revocation-unproven` (nothing is erased, the user is told). The RelayClient itself never
 * reconnects; this is the one place that decides.
 */
import type { RelayPush } from '../../gen/valise/v1/relay_pb.ts';
import { RelayClient, type RelayClientOptions } from '../../relay/RelayClient.ts';
import type { ConnectionState } from '../../shared/api/schemas.ts';
import { Backoff } from './Backoff.ts';
import type { Clock, Timer } from './Clock.ts';

export interface ConnectionHooks {
  /** Proves the device to the relay on a fresh connection; returns the queued backlog size. */
  authenticate(client: RelayClient): Promise<{ backlog: number }>;
  /** Authenticated: start syncing (top up prekeys, flush the outbox). Errors count as a drop. */
  connected(client: RelayClient, backlog: number): Promise<void> | void;
  push(p: RelayPush['body'], client: RelayClient): void;
  state(state: ConnectionState, nextAttemptAt: number | null): void;
  /**
   * The relay says this device is revoked; no more attempts will be made. `revocation` is what it
   * sent as proof (unverified, possibly empty). True when it proves the revocation.
   */
  revoked(revocation: Uint8Array): boolean;
  /** How far this device's clock is ahead of the relay's (negative: behind), on each connection. */
  clockOffset?(offsetMs: number): void;
  /** A failure worth logging (never carries content). */
  error?(e: unknown): void;
}

const REVOKED_CODES = new Set(['AUTH_REVOKED']);

/** The revocation claimed by an error, or null when the error is no revocation claim. */
function revocationClaim(e: unknown): Uint8Array | null {
  if (typeof e !== 'object' || e === null || !REVOKED_CODES.has((e as { code?: string }).code ?? '')) return null;
  const proof = (e as { revocation?: unknown }).revocation;
  return proof instanceof Uint8Array ? proof : new Uint8Array();
}

export class Connection {
  private client: RelayClient | null = null;
  private timer: Timer | null = null;
  private stopped = true;
  private current: ConnectionState = 'offline';
  private authed = false;
  /** Set by `redeliverLater`: the delay before the next attempt, from the fault back-off. */
  private faultDelay: number | null = null;

  /** Options for each connection, e.g. the relay certificate pinned in org.json. */
  clientOptions: RelayClientOptions = {};

  constructor(
    private readonly url: string,
    private readonly hooks: ConnectionHooks,
    private readonly clock: Clock,
    private readonly backoff = new Backoff(),
    /** Grows while received batches keep failing (a busy or failing database); reset by `healthy()`. */
    private readonly faultBackoff = new Backoff({ baseMs: 250, maxMs: 30_000 }),
  ) {}

  get state(): ConnectionState {
    return this.current;
  }

  /** The live client once online (synced and ready), or null. */
  get relay(): RelayClient | null {
    return this.current === 'online' ? this.client : null;
  }

  /** The client as soon as it is authenticated (acks and look-ups during the initial sync). */
  get authenticated(): RelayClient | null {
    return this.authed ? this.client : null;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    void this.attempt();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = null;
    const c = this.client;
    this.client = null;
    await c?.close().catch(() => undefined);
    if (this.current !== 'revoked' && this.current !== 'revocation-unproven') this.setState('offline', null);
  }

  /** Drops the connection now and reconnects at once (e.g. after waking from sleep). */
  reconnectNow(): void {
    this.client?.kill();
  }

  /**
   * Received items could not be stored for a passing reason: drop the connection without
   * acknowledging them and reconnect after a back-off that grows while this keeps happening, so
   * the relay delivers them again, in order.
   */
  redeliverLater(): void {
    if (!this.client) return;
    this.faultDelay = this.faultBackoff.next();
    this.client.kill();
  }

  /** Received items were stored again: the next fault starts from the shortest delay. */
  healthy(): void {
    this.faultBackoff.reset();
  }

  private setState(s: ConnectionState, next: number | null): void {
    this.current = s;
    this.hooks.state(s, next);
  }

  private async attempt(): Promise<void> {
    if (this.stopped) return;
    this.setState('connecting', null);
    let client: RelayClient | null = null;
    try {
      client = await RelayClient.connect(this.url, this.clientOptions);
      if (this.stopped) {
        await client.close();
        return;
      }
      this.client = client;
      const relayNow = client.relayTimeMs();
      if (relayNow > 0) this.hooks.clockOffset?.(this.clock.now() - relayNow);
      let revokedByPush: Uint8Array | null = null;
      // The relay starts sending the backlog right behind its answer to the authentication, so
      // deliveries can arrive before that answer has been handled. Hold them until then: the
      // engine must be able to ack and to look unknown signers up in the directory, or a first
      // contact (a channel from someone enrolled while we were offline) would be dropped.
      let held: RelayPush['body'][] | null = [];
      client.onPush((p) => {
        if (p.case === 'closing' && REVOKED_CODES.has(p.value.code)) revokedByPush = p.value.revocation;
        else if (held) held.push(p);
        else this.hooks.push(p, client!);
      });
      const { backlog } = await this.hooks.authenticate(client);
      this.authed = true;
      const early = held;
      held = null;
      for (const p of early) this.hooks.push(p, client);
      // "online" means ready: the engine has synced its directory and prekeys first.
      await this.hooks.connected(client, backlog);
      this.backoff.reset();
      this.setState('online', null);
      await client.closed;
      if (revokedByPush) return this.onRevoked(revokedByPush);
    } catch (e) {
      const claim = revocationClaim(e);
      if (claim) return this.onRevoked(claim);
      this.hooks.error?.(e);
      client?.kill();
    }
    this.client = null;
    this.authed = false;
    if (this.stopped) return;
    const at = this.clock.now() + (this.faultDelay ?? this.backoff.next());
    this.faultDelay = null;
    this.setState('offline', at);
    this.timer = this.clock.setTimer(at, () => void this.attempt());
  }

  private onRevoked(revocation: Uint8Array): void {
    this.stopped = true;
    // A relay that claims a revocation does not get to keep the connection open either.
    this.client?.kill();
    this.client = null;
    this.authed = false;
    const proven = this.hooks.revoked(revocation);
    this.setState(proven ? 'revoked' : 'revocation-unproven', null);
  }
}
