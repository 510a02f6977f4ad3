/**
 * The channels this device knows, with their current signed state and pause reason; the states
 * accepted inside the receive batch being processed (staged, not committed yet); and the rotation
 * rule: messages under the previous epoch's sender key are taken unless the change to the current
 * epoch rotated keys.
 */
import type { ChannelState } from '../../../crypto/index.ts';
import { ApiError } from '../errors.ts';
import type { ChannelRecord } from '../../../storage/index.ts';
import { keepsOnDisk } from '../policyRules.ts';
import { hex } from '../views.ts';

export interface ChannelEntry {
  state: ChannelState;
  pausedReason: string | null;
}

export interface RotationStore {
  set(channelId: string, epoch: number): void;
}

export class ChannelBook {
  private readonly channels = new Map<string, ChannelEntry>();
  /** Channel states accepted inside the batch being processed, not yet committed. */
  private readonly staged = new Map<string, ChannelState>();
  /** Channel id → the epoch whose change rotated sender keys (the previous epoch is no longer accepted). */
  private readonly rotatedAt: Map<string, number>;

  constructor(
    private readonly rotations: RotationStore,
    rotatedAt: ReadonlyMap<string, number> = new Map(),
  ) {
    this.rotatedAt = new Map(rotatedAt);
  }

  get(channelId: string): ChannelEntry | undefined {
    return this.channels.get(channelId);
  }

  set(channelId: string, entry: ChannelEntry): void {
    this.channels.set(channelId, entry);
  }

  entries(): IterableIterator<[string, ChannelEntry]> {
    return this.channels.entries();
  }

  /** A channel the API may act on: known and not wiped. */
  live(channelId: string): ChannelEntry {
    const e = this.channels.get(channelId);
    if (!e || e.state.status === 'wiped') throw new ApiError('NOT_FOUND');
    return e;
  }

  liveIds(): string[] {
    return [...this.channels.entries()].filter(([, e]) => e.state.status !== 'wiped').map(([id]) => id);
  }

  isWiped(channelId: string): boolean {
    return this.channels.get(channelId)?.state.status === 'wiped';
  }

  /** Messages of the channel are kept on disk (undefined: unknown channel). */
  onDisk(channelId: string): boolean | undefined {
    const e = this.channels.get(channelId);
    return e ? keepsOnDisk(e.state.policy) : undefined;
  }

  /** The state as the receive batch sees it: staged inside the batch, else the current one. */
  stateOf(channelId: string): ChannelState | undefined {
    return this.staged.get(channelId) ?? this.channels.get(channelId)?.state;
  }

  /** Later items of the same batch (the new epoch's sender keys and messages) must see it. */
  stage(channelId: string, state: ChannelState, rotated: boolean): void {
    if (rotated) this.rotatedAt.set(channelId, state.epoch);
    this.staged.set(channelId, state);
  }

  /** The batch committed: the staged state is now current. */
  unstage(channelId: string, state: ChannelState): void {
    if (this.staged.get(channelId) === state) this.staged.delete(channelId);
  }

  /** The batch rolled back. */
  clearStaged(): void {
    this.staged.clear();
  }

  /** Messages under the previous epoch's key are still taken unless the change to this one rotated keys. */
  acceptsPrevious(channelId: string, state: ChannelState): boolean {
    return state.epoch > 0 && this.rotatedAt.get(channelId) !== state.epoch;
  }

  saveRotation(channelId: string, epoch: number): void {
    this.rotatedAt.set(channelId, epoch);
    this.rotations.set(channelId, epoch);
  }

  markWiped(channelId: string): void {
    const entry = this.channels.get(channelId);
    if (entry) this.channels.set(channelId, { state: { ...entry.state, status: 'wiped' }, pausedReason: null });
  }
}

/** The profile's row for a channel state. */
export function channelRecord(state: ChannelState, updatedAt: number): ChannelRecord {
  return {
    id: hex(state.channelId),
    epoch: state.epoch,
    status: state.status,
    classification: state.classification,
    policy: state.policy,
    members: state.members,
    state: state.encoded,
    updatedAt,
  };
}
