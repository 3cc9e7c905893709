/**
 * One WebSocket connection's state (uWS user data): its rate bucket, its
 * subscriptions, the accounts it cancels on disconnect, its session logon,
 * and its in-flight commands, behind which its queries wait
 * (read-your-writes).
 *
 * Replies released by a loop turn (command acknowledgements) are queued per
 * connection while the turn runs and written at its end with one uWS cork
 * per connection (`ReplyBatch`): one write for all of a connection's acks of
 * the turn instead of one system call each.
 */
import type { WebSocket } from 'uWebSockets.js';
import type { KeyRecord } from './auth/keys.ts';
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

/** How command acknowledgements look on a logged-on connection. */
export type ReplyMode = 'full' | 'ack';

/** A signed session logon: requests on this connection may carry a nonce instead of a signature. */
export interface SessionLogon {
  /** The key record the logon was verified against (a re-registered or revoked key ends the logon). */
  readonly key: KeyRecord;
  /** 'full': { seq, events } (default); 'ack': { seq } only (events go out on the private streams). */
  readonly replies: ReplyMode;
}

/**
 * Queues the sends of one loop turn per connection and flushes each
 * connection's queue inside one cork. Outside a turn, sends go out at once
 * (inside a uWS handler, uWS corks them itself).
 */
export class ReplyBatch {
  private depth = 0;
  private readonly dirty: Session[] = [];

  get active(): boolean {
    return this.depth > 0;
  }

  begin(): void {
    this.depth++;
  }

  /** Ends the batch: every queued send goes out, one cork per connection. */
  flush(): void {
    if (--this.depth > 0) return;
    this.depth = 0;
    const dirty = this.dirty;
    for (let i = 0; i < dirty.length; i++) dirty[i].flushQueued();
    dirty.length = 0;
  }

  queue(s: Session): void {
    this.dirty.push(s);
  }
}

/** The batch the loop driver opens around each turn (driver.ts). */
export const replyBatch = new ReplyBatch();

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
  /** Set by a verified `logon`, cleared by `logout`; dies with the connection. */
  logon: SessionLogon | null = null;
  /** Frames waiting for the end of the turn (see ReplyBatch); binary flag per frame. */
  private queued: (string | Uint8Array)[] = [];
  private queuedBinary: boolean[] = [];

  constructor(
    readonly id: number,
    readonly remote: string,
    readonly bucket: TokenBucket,
    private readonly slowConsumerBytes: number,
    private readonly batch: ReplyBatch = replyBatch,
  ) {}

  /** Sends a value in `encoding`; ends the connection as a slow consumer when its backlog passes the limit. */
  send(value: unknown, encoding: Encoding): void {
    if (this.ws === null || this.closed) return;
    const binary = encoding !== 'json';
    this.sendFrame(binary ? encodeMsgpack(value) : encodeJson(value), binary);
  }

  /** Sends an encoded frame (queued to the end of the turn while a ReplyBatch is open). */
  sendFrame(frame: string | Uint8Array, binary: boolean): void {
    const ws = this.ws;
    if (ws === null || this.closed) return;
    if (this.batch.active) {
      if (this.queued.length === 0) this.batch.queue(this);
      this.queued.push(frame);
      this.queuedBinary.push(binary);
      return;
    }
    ws.send(frame, binary);
    this.checkBacklog();
  }

  /** Writes the frames queued during a turn, in order, in one cork. */
  flushQueued(): void {
    const frames = this.queued;
    const binary = this.queuedBinary;
    if (frames.length === 0) return;
    this.queued = [];
    this.queuedBinary = [];
    const ws = this.ws;
    if (ws === null || this.closed) return;
    ws.cork(() => {
      for (let i = 0; i < frames.length; i++) ws.send(frames[i], binary[i]);
    });
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
