/**
 * Gathers the engine's events into batches for a UI transport (Electron IPC, the browser-mode
 * WebSocket): what is emitted in one turn of the event loop leaves as one frame. During a catch-up
 * the engine stores messages by the hundred in one go; one frame per message would make the UI
 * parse, validate and render each of them on its own.
 */
import { MAX_EVENTS_PER_FRAME } from '../../shared/api/frames.ts';
import type { ApiEvent } from '../../shared/api/events.ts';

export class EventBatches {
  private pending: ApiEvent[] = [];
  private scheduled = false;

  constructor(private readonly flush: (events: ApiEvent[]) => void) {}

  add(event: ApiEvent): void {
    this.pending.push(event);
    if (this.pending.length >= MAX_EVENTS_PER_FRAME) {
      this.send();
      return;
    }
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.send());
    }
  }

  private send(): void {
    this.scheduled = false;
    if (this.pending.length === 0) return;
    const events = this.pending;
    this.pending = [];
    this.flush(events);
  }
}
