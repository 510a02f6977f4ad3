/**
 * The wipes this device issued (DESIGN.md §5): the signed command per channel, the devices expected
 * to confirm it and the verified receipts counted so far, kept in the profile row by row.
 */
import { decodeWipeCommand, verifyWipeReceipt, type DeviceRef, type TrustView, type WipeCommand } from '../../../crypto/index.ts';
import type { StoredWipe, WipeDevice } from '../../../storage/index.ts';
import type { ApiResult } from '../../../shared/api/methods.ts';
import { ApiError } from '../errors.ts';
import { hex } from '../views.ts';
import { WipeTracker } from '../WipeTracker.ts';
import type { SessionContext } from './SessionContext.ts';

export interface WipeStore {
  list(): StoredWipe[];
  issue(w: Omit<StoredWipe, 'confirmed'>): void;
  confirm(channelId: string, userId: string, deviceId: string, at: number): boolean;
}

export class Wipes {
  private readonly tracker = new WipeTracker();
  private readonly commands = new Map<string, WipeCommand>();

  constructor(
    private readonly c: SessionContext,
    private readonly repo: WipeStore,
    private readonly lastSeen: (userId: string, deviceId: string) => number | null,
  ) {
    const wipes = repo.list();
    this.tracker.restore(wipes.map((w) => ({ ...w, confirmed: new Map(w.confirmed.map((x) => [`${x.userId}/${x.deviceId}`, x.at])) })));
    for (const w of wipes) if (w.command.length > 0) this.commands.set(w.channelId, decodeWipeCommand(w.command));
  }

  /** A wipe this device signed (`encoded`) and verified (`cmd`), before it goes to the relay. */
  issue(channelId: string, cmd: WipeCommand, encoded: Uint8Array, at: number, expected: WipeDevice[], channelName?: string): void {
    this.tracker.issue(channelId, hex(cmd.hash), at, expected, channelName);
    this.commands.set(channelId, cmd);
    this.repo.issue({ channelId, commandHash: hex(cmd.hash), issuedAt: at, command: encoded, expected, ...(channelName !== undefined ? { channelName } : {}) });
  }

  /** Which of my wipes a signed receipt confirms, if any (verified against each command). */
  match(encodedReceipt: Uint8Array, trust: TrustView): { channelId: string; device: DeviceRef; at: number } | null {
    for (const [channelId, cmd] of this.commands) {
      try {
        const r = verifyWipeReceipt(encodedReceipt, cmd, trust);
        return { channelId, device: r.device, at: r.wipedAtMs };
      } catch {
        // Not for this wipe; try the next.
      }
    }
    return null;
  }

  /** A verified receipt: counted once per expected device, then the UI hears the progress. */
  count(channelId: string, device: DeviceRef, at: number): void {
    const cmd = this.commands.get(channelId);
    if (!cmd) return;
    const r = this.tracker.confirm(channelId, hex(cmd.hash), device.userId, String(device.deviceId), at);
    if (!r) return;
    this.repo.confirm(channelId, device.userId, String(device.deviceId), at);
    this.c.emit({ type: 'wipeProgress', channelId, confirmed: r.confirmed, total: r.total });
  }

  /** By channel id, or by the name the channel had: it is gone from this device after its wipe. */
  status(ref: string): ApiResult<'wipeStatus'> {
    const named = this.tracker.has(ref) ? [] : this.tracker.idsNamed(ref);
    if (named.length > 1) throw new ApiError('NOT_FOUND', { detail: `several wiped channels were named so; use an id: ${named.join(', ')}` });
    const channelId = named[0] ?? ref;
    const s = this.tracker.status(channelId, this.lastSeen);
    if (!s) throw new ApiError('NOT_FOUND');
    return s;
  }
}
