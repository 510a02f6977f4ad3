/**
 * Coalesces the WebSocket frames written to one TCP socket during an event-loop turn into a single
 * write: `ws` writes every frame with its own syscall, which at thousands of small frames per
 * second costs more than the relay's own work. The socket is corked on the first frame of a turn
 * and uncorked once the turn's I/O callbacks have run, so a frame waits at most one turn.
 */
import type { Socket } from 'node:net';

export class SocketBatcher {
  private corked = false;

  constructor(private readonly socket: Socket) {}

  hold(): void {
    if (this.corked) return;
    this.corked = true;
    this.socket.cork();
    setImmediate(() => {
      this.corked = false;
      this.socket.uncork();
    });
  }
}
