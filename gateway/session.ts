/**
 * One WebSocket connection's state (uWS user data): its rate bucket, its
 * subscriptions, the accounts it cancels on disconnect, and its in-flight
 * commands, behind which its queries wait (read-your-writes).
 */
import type { WebSocket } from 'uWebSockets.js';
import type { Encoding } from './codec/codec.ts';
import { encodeJson, encodeMsgpack } from './codec/codec.ts';
import { CloseCodes } from './errors.ts';
import type { TokenBucket } from './token-bucket.ts';

/**
 * What uWS holds as a connection's user data. uWS copies the user data's own
 * properties onto its socket object (getUserData() returns the socket), so a
 * class instance cannot be the user data itself: it rides in a field.
 */
export interface SessionData {
  session: Session;
}

export class Session {
  ws: WebSocket<SessionData> | null = null;
  closed = false;
  badFrames = 0;
  /** Stream key (trades/m0) → the topic it is subscribed under (its encoding). */
  readonly subs = new Map<string, string>();
  readonly cancelOnDisconnect = new Set<number>();
  /** Commands submitted and not yet acknowledged. */
  inflight = 0;
  /** Queries waiting for inflight to reach 0. */
  readonly deferred: (() => void)[] = [];

  constructor(
    readonly id: number,
    readonly remote: string,
    readonly bucket: TokenBucket,
    private readonly slowConsumerBytes: number,
  ) {}

  /** Sends a value in `encoding`; ends the connection as a slow consumer when its backlog passes the limit. */
  send(value: unknown, encoding: Encoding): void {
    const ws = this.ws;
    if (ws === null || this.closed) return;
    if (encoding === 'json') ws.send(encodeJson(value), false);
    else ws.send(encodeMsgpack(value), true);
    this.checkBacklog();
  }

  checkBacklog(): void {
    const ws = this.ws;
    if (ws === null || this.closed) return;
    if (ws.getBufferedAmount() > this.slowConsumerBytes) this.end(CloseCodes.SLOW_CONSUMER, 'SLOW_CONSUMER');
  }

  end(code: number, reason: string): void {
    const ws = this.ws;
    if (ws === null || this.closed) return;
    this.closed = true;
    ws.end(code, reason);
  }

  /** A command was acknowledged: when none remain, run the queries that waited for them. */
  commandDone(): void {
    this.inflight--;
    if (this.inflight > 0) return;
    while (this.deferred.length > 0 && this.inflight === 0) this.deferred.shift()!();
  }
}
