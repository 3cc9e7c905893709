/**
 * The connection under the SDK's GatewayClient (client.ts adds one typed
 * method per op). It numbers requests and matches replies by id, signs
 * private requests (signer.ts), keeps L2 books from depth streams and
 * resyncs them on a sequence gap, and reconnects (with backoff) and
 * resubscribes after a dropped connection. Requests in flight when a
 * connection drops fail with DISCONNECTED: their outcome is unknown, so
 * query before retrying a command.
 */
import { Packr, Unpackr } from 'msgpackr';
import WebSocket from 'ws';
import type { Encoding } from '../codec/codec.ts';
import {
  type Channel,
  type DepthData,
  isPrivateChannel,
  type Reply,
  type Request,
  type StreamMessage,
  UNSIGNED_OPS,
} from '../protocol.ts';
import { DepthBook } from './depth-book.ts';
import { type Signer, signFields } from './signer.ts';
import type { SubscribeResult } from './types.ts';

export class GatewayError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** For a command the engine rejected: the seq it was journaled under. */
    readonly seq?: number,
  ) {
    super(`${code}: ${message}`);
    this.name = 'GatewayError';
  }
}

export interface ClientOptions {
  /** ws://host:port */
  url: string;
  /** Default 'msgpack' (binary frames); 'json' uses text frames. */
  encoding?: Encoding;
  signer?: Signer | null;
  /** Reconnect and resubscribe when the connection drops. Default true. */
  reconnect?: boolean;
  reconnectDelayMs?: number;
  maxReconnectDelayMs?: number;
  /** A request without a reply after this long fails with TIMEOUT. Default 30,000 ms. */
  requestTimeoutMs?: number;
  clock?: () => number;
}

export type StreamHandler = (msg: StreamMessage) => void;

interface Subscription {
  channel: Channel;
  params: Record<string, unknown>;
  handler: StreamHandler;
  lastSeq: number;
  book: DepthBook | null;
}

interface Pending {
  resolve(value: unknown): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

type ClientEvent = 'reconnect' | 'disconnect' | 'gap';

const packr = new Packr({ useRecords: false, moreTypes: false, mapsAsObjects: true });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });

function pendingKeyOf(channel: string): string {
  return `${channel}/a?`;
}

export function streamKeyOf(channel: string, scope: { market?: number; account?: number }): string {
  return scope.account !== undefined ? `${channel}/a${scope.account}` : `${channel}/m${scope.market}`;
}

export class ClientCore {
  private ws: WebSocket | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly subs = new Map<string, Subscription>();
  private readonly listeners = new Map<ClientEvent, ((info: unknown) => void)[]>();
  private closedByUser = false;
  /**
   * The session logon of the current connection (null: none): while it holds, signed ops carry
   * only a nonce. A logon dies with its connection; a reconnect logs on again before resubscribing.
   */
  protected session: { replies: 'full' | 'ack' } | null = null;
  private relogon: { replies: 'full' | 'ack' } | null = null;
  private reconnectDelay: number;
  readonly encoding: Encoding;
  private readonly clock: () => number;

  protected constructor(private readonly o: ClientOptions) {
    this.encoding = o.encoding ?? 'msgpack';
    this.clock = o.clock ?? Date.now;
    this.reconnectDelay = o.reconnectDelayMs ?? 50;
  }

  get connected(): boolean {
    return this.ws !== null && this.ws.readyState === WebSocket.OPEN;
  }

  on(event: ClientEvent, fn: (info: unknown) => void): void {
    const list = this.listeners.get(event) ?? [];
    list.push(fn);
    this.listeners.set(event, list);
  }

  private emit(event: ClientEvent, info: unknown): void {
    for (const fn of this.listeners.get(event) ?? []) fn(info);
  }

  protected open(): Promise<void> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(this.o.url, { perMessageDeflate: false });
      let opened = false;
      ws.on('open', () => {
        opened = true;
        this.ws = ws;
        resolve();
      });
      ws.on('message', (data: Buffer, isBinary: boolean) => this.onFrame(data, isBinary));
      ws.on('error', (err) => {
        if (!opened) reject(err);
      });
      ws.on('close', (code, reason) => {
        if (!opened) return;
        this.onClose(code, reason.toString());
      });
    });
  }

  private onClose(code: number, reason: string): void {
    this.ws = null;
    this.relogon = this.session;
    this.session = null;
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new GatewayError('DISCONNECTED', `connection closed (${code} ${reason}) before reply ${id}`));
    }
    this.pending.clear();
    for (const s of this.subs.values()) s.book?.invalidate();
    this.emit('disconnect', { code, reason });
    if (!this.closedByUser && this.o.reconnect !== false) this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const delay = this.reconnectDelay;
    this.reconnectDelay = Math.min(this.reconnectDelay * 2, this.o.maxReconnectDelayMs ?? 5_000);
    setTimeout(() => {
      if (this.closedByUser) return;
      this.open().then(
        () => {
          this.reconnectDelay = this.o.reconnectDelayMs ?? 50;
          this.restoreSession()
            .then(() => this.resubscribeAll())
            .then(
              () => this.emit('reconnect', { subscriptions: this.subs.size }),
              () => this.emit('reconnect', { subscriptions: this.subs.size, failed: true }),
            );
        },
        () => this.scheduleReconnect(),
      );
    }, delay);
  }

  private async restoreSession(): Promise<void> {
    const want = this.relogon;
    this.relogon = null;
    if (want === null) return;
    await this.request('logon', { replies: want.replies });
    this.session = want;
  }

  private async resubscribeAll(): Promise<void> {
    const subs = [...this.subs.values()];
    await Promise.all(subs.map((s) => this.request('subscribe', s.params, isPrivateChannel(s.channel))));
  }

  private onFrame(data: Buffer, isBinary: boolean): void {
    let msg: unknown;
    try {
      msg = isBinary ? unpackr.unpack(data) : JSON.parse(data.toString('utf8'));
    } catch {
      return;
    }
    if (typeof msg !== 'object' || msg === null) return;
    if ('stream' in msg) this.handleStreamMessage(msg as StreamMessage);
    else this.onReply(msg as Reply);
  }

  private onReply(reply: Reply): void {
    if (typeof reply.id !== 'number') return;
    const p = this.pending.get(reply.id);
    if (p === undefined) return;
    this.pending.delete(reply.id);
    clearTimeout(p.timer);
    if (reply.ok) p.resolve(reply.result);
    else p.reject(new GatewayError(reply.code, reply.message, reply.seq));
  }

  /** Feed a stream message as if it had arrived (used by the socket handler; tests use it to simulate loss). */
  handleStreamMessage(msg: StreamMessage): void {
    const key = streamKeyOf(msg.stream, msg);
    let sub = this.subs.get(key);
    if (sub === undefined && msg.account !== undefined) {
      // The reply to a private subscribe without an account may not be processed yet.
      sub = this.subs.get(pendingKeyOf(msg.stream));
      if (sub === undefined) return;
      this.subs.delete(pendingKeyOf(msg.stream));
      this.subs.set(key, sub);
    }
    if (sub === undefined) return;
    if (msg.stream === 'depth' && sub.book !== null) {
      const data = msg.data as DepthData;
      if (data.type === 'snapshot') {
        sub.book.applySnapshot(msg.seq, data);
        sub.handler(msg);
        return;
      }
      const r = sub.book.applyDelta(msg.seq, data);
      if (r === 'applied') sub.handler(msg);
      else if (r === 'gap') {
        this.emit('gap', { stream: 'depth', market: msg.market, expected: sub.book.seq + 1, got: msg.seq });
        void this.resync(msg.market as number).catch(() => {});
      }
      return;
    }
    if (sub.lastSeq !== 0 && msg.seq > sub.lastSeq + 1) {
      this.emit('gap', {
        stream: msg.stream,
        market: msg.market,
        account: msg.account,
        expected: sub.lastSeq + 1,
        got: msg.seq,
      });
    }
    if (msg.seq > sub.lastSeq) sub.lastSeq = msg.seq;
    sub.handler(msg);
  }

  /** Send one request; resolves with its result or rejects with a GatewayError. */
  request<T = unknown>(op: string, params?: Record<string, unknown>, signed = !UNSIGNED_OPS.includes(op)): Promise<T> {
    const ws = this.ws;
    if (ws === null || ws.readyState !== WebSocket.OPEN) {
      return Promise.reject(new GatewayError('DISCONNECTED', 'not connected'));
    }
    const id = this.nextId++;
    const req: Request = { id, op };
    if (params !== undefined) req.params = params;
    if (signed) {
      if (!this.o.signer)
        return Promise.reject(new GatewayError('UNAUTHORIZED', `${op} must be signed and this client has no signer`));
      // Under a session logon a signed op carries its nonce alone (the logon itself is always signed).
      if (this.session !== null && op !== 'logon') req.nonce = this.o.signer.nextNonce();
      else Object.assign(req, signFields(this.o.signer, op, params, this.clock()));
    }
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new GatewayError('TIMEOUT', `no reply to ${op} (${id})`));
      }, this.o.requestTimeoutMs ?? 30_000);
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      if (this.encoding === 'json') ws.send(JSON.stringify(req));
      else ws.send(packr.pack(req), { binary: true });
    });
  }

  /** Raw frame, for tools and tests: a string goes as a text frame, bytes as a binary frame unless `text`. */
  sendRaw(data: string | Uint8Array, text = typeof data === 'string'): void {
    this.ws?.send(data, { binary: !text });
  }

  /** The underlying socket (tests pause it to play a slow consumer). */
  get socket(): WebSocket | null {
    return this.ws;
  }

  async subscribe(
    channel: Channel,
    scope: { market?: number; account?: number },
    handler: StreamHandler,
  ): Promise<SubscribeResult> {
    const params: Record<string, unknown> = { channel };
    if (scope.market !== undefined) params.market = scope.market;
    if (scope.account !== undefined) params.account = scope.account;
    const existing = [...this.subs.values()].find(
      (s) => s.channel === channel && s.params.market === scope.market && s.params.account === scope.account,
    );
    const book = channel === 'depth' ? (existing?.book ?? new DepthBook()) : null;
    // Register before the request: the depth snapshot follows the reply immediately.
    const provisional: Subscription = { channel, params, handler, lastSeq: 0, book };
    // A private subscribe without an account learns it from the reply: until then it waits under
    // `channel/a?`, where a message that overtakes the reply's continuation still finds it.
    const provisionalKey =
      isPrivateChannel(channel) && scope.account === undefined ? pendingKeyOf(channel) : streamKeyOf(channel, scope);
    this.subs.set(provisionalKey, provisional);
    try {
      const result = await this.request<SubscribeResult>('subscribe', params, isPrivateChannel(channel));
      if (this.subs.get(provisionalKey) === provisional && provisionalKey !== streamKeyOf(channel, result))
        this.subs.delete(provisionalKey);
      this.subs.set(streamKeyOf(channel, result), provisional);
      return result;
    } catch (err) {
      if (this.subs.get(provisionalKey) === provisional) this.subs.delete(provisionalKey);
      throw err;
    }
  }

  /**
   * Stops a stream. With its scope (a public channel's market, a private
   * channel's account) exactly that stream stops; without it, every stream
   * of the channel on this connection. Messages already in flight are
   * dropped here; subscribe again to resume.
   */
  async unsubscribe(channel: Channel, scope: { market?: number; account?: number } = {}): Promise<void> {
    const params: Record<string, unknown> = { channel };
    const priv = isPrivateChannel(channel);
    if (!priv && scope.market !== undefined) params.market = scope.market;
    if (priv && scope.account !== undefined) params.account = scope.account;
    const exact =
      priv && scope.account !== undefined
        ? streamKeyOf(channel, { account: scope.account })
        : !priv && scope.market !== undefined
          ? streamKeyOf(channel, { market: scope.market })
          : null;
    for (const [k, s] of this.subs) {
      if (s.channel !== channel) continue;
      if (exact === null || k === exact) this.subs.delete(k);
    }
    await this.request('unsubscribe', params, false);
  }

  /** The L2 book of a depth subscription. */
  book(market: number): DepthBook | undefined {
    return this.subs.get(streamKeyOf('depth', { market }))?.book ?? undefined;
  }

  /** Ask for a fresh depth snapshot (after a gap): re-subscribing sends one. */
  async resync(market: number): Promise<void> {
    const sub = this.subs.get(streamKeyOf('depth', { market }));
    if (sub === undefined) return;
    sub.book?.invalidate();
    await this.request('subscribe', sub.params, false);
  }

  async close(): Promise<void> {
    this.closedByUser = true;
    const ws = this.ws;
    if (ws === null) return;
    await new Promise<void>((resolve) => {
      ws.once('close', () => resolve());
      ws.close(1000);
    });
  }
}
