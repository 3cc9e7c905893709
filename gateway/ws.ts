/**
 * The WebSocket endpoint (any path). Per frame: size limit (1009), decode
 * (BAD_FRAME; too many closes with 4002), connection rate limit
 * (RATE_LIMITED), then the dispatcher. Replies use the frame's encoding.
 * Slow consumers are ended with 4001 when their backlog passes the limit
 * (checked after each reply and swept periodically for published streams).
 * uWS itself refuses frames past its hard cap and text frames that are not
 * UTF-8, by dropping the connection (the client sees 1006).
 */
import type { TemplatedApp, WebSocket } from 'uWebSockets.js';
import { decodeFrame, type Encoding, encodeAck } from './codec/codec.ts';
import type { Dispatcher, Responder } from './dispatch.ts';
import { CloseCodes, wireError } from './errors.ts';
import type { GatewayLimits } from './limits.ts';
import type { GatewayMetrics } from './metrics.ts';
import type { Reply, RequestId } from './protocol.ts';
import { Session, type SessionData } from './session.ts';
import type { Publisher } from './streams/publisher.ts';
import { releaseSubscriptions } from './subscriptions.ts';
import { TokenBucket } from './token-bucket.ts';

/** uWS drops frames past this multiple of maxPayloadBytes without reading them. */
export const TRANSPORT_CAP_FACTOR = 4;
/** uWS stops writing to a socket past this multiple of slowConsumerBytes; we end it well before. */
const BACKPRESSURE_CAP_FACTOR = 4;

export interface WsDeps {
  limits: GatewayLimits;
  dispatcher: Dispatcher;
  metrics: GatewayMetrics;
  sessions: Set<Session>;
  clock: () => number;
  /** Keeps the per-channel stream counts that let the router skip channels nobody subscribes. */
  publisher: Publisher;
  onDisconnect(s: Session): void;
}

function idOf(value: unknown): Reply['id'] {
  const id = typeof value === 'object' && value !== null ? (value as { id?: unknown }).id : undefined;
  return (typeof id === 'number' && Number.isSafeInteger(id) && id >= 0) ||
    (typeof id === 'string' && id.length > 0 && id.length <= 64)
    ? id
    : null;
}

class WsResponder implements Responder {
  readonly transport = 'ws';
  receivedAt = 0;
  constructor(
    readonly session: Session,
    readonly encoding: Encoding,
  ) {}
  send(reply: Reply): void {
    this.session.send(reply, this.encoding);
  }
  sendAck(id: RequestId | null, seq: number): void {
    this.session.sendFrame(encodeAck(id, seq, this.encoding), this.encoding === 'msgpack');
  }
}

/** A connection's two responders (one per encoding), held beside it. */
const responders = {
  json: new WeakMap<Session, WsResponder>(),
  msgpack: new WeakMap<Session, WsResponder>(),
  get(s: Session, e: Encoding): WsResponder | undefined {
    return this[e].get(s);
  },
  set(s: Session, r: WsResponder): WsResponder {
    this[r.encoding].set(s, r);
    return r;
  },
};

export function mountWebSocket(app: TemplatedApp, d: WsDeps): void {
  const L = d.limits;
  let nextId = 1;
  app.ws<SessionData>('/*', {
    maxPayloadLength: L.maxPayloadBytes * TRANSPORT_CAP_FACTOR,
    maxBackpressure: L.slowConsumerBytes * BACKPRESSURE_CAP_FACTOR,
    closeOnBackpressureLimit: 0,
    idleTimeout: L.idleTimeoutSec,
    sendPingsAutomatically: true,
    upgrade: (res, req, context) => {
      const remote = Buffer.from(res.getRemoteAddressAsText()).toString();
      const s = new Session(
        nextId++,
        remote,
        new TokenBucket(L.connectionRatePerSec, L.connectionBurst, d.clock()),
        L.slowConsumerBytes,
      );
      res.upgrade<SessionData>(
        { session: s },
        req.getHeader('sec-websocket-key'),
        req.getHeader('sec-websocket-protocol'),
        req.getHeader('sec-websocket-extensions'),
        context,
      );
    },
    open: (ws: WebSocket<SessionData>) => {
      const s = ws.getUserData().session;
      s.ws = ws;
      if (d.sessions.size >= L.maxConnections) {
        s.end(CloseCodes.TOO_MANY_CONNECTIONS, 'TOO_MANY_CONNECTIONS');
        return;
      }
      d.sessions.add(s);
    },
    message: (ws: WebSocket<SessionData>, message: ArrayBuffer, isBinary: boolean) => {
      const receivedAt = performance.now();
      const s = ws.getUserData().session;
      if (s.closed) return;
      if (message.byteLength > L.maxPayloadBytes) {
        s.end(CloseCodes.MESSAGE_TOO_BIG, 'PAYLOAD_TOO_LARGE');
        return;
      }
      const encoding: Encoding = isBinary ? 'msgpack' : 'json';
      // One responder per connection and encoding, reused: the dispatcher reads receivedAt at once.
      let responder = responders.get(s, encoding);
      if (responder === undefined) responder = responders.set(s, new WsResponder(s, encoding));
      responder.receivedAt = receivedAt;
      const decoded = decodeFrame(new Uint8Array(message), encoding, L);
      if (!decoded.ok) {
        d.dispatcher.fail(responder, null, wireError('BAD_FRAME', decoded.reason));
        if (++s.badFrames > L.maxBadFrames) s.end(CloseCodes.TOO_MANY_BAD_FRAMES, 'TOO_MANY_BAD_FRAMES');
        return;
      }
      if (!s.bucket.take(d.clock())) {
        d.dispatcher.fail(responder, idOf(decoded.value), wireError('RATE_LIMITED', 'connection'));
        return;
      }
      d.dispatcher.handle(decoded.value, responder);
    },
    close: (ws: WebSocket<SessionData>, code: number) => {
      const s = ws.getUserData().session;
      s.closed = true;
      s.ws = null;
      s.deferred.length = 0;
      releaseSubscriptions(s, d.publisher);
      d.metrics.closes.inc({ code: String(code) });
      if (d.sessions.delete(s)) d.onDisconnect(s);
    },
  });
}

/** Periodic: end connections whose backlog (mostly published streams) passed the limit. */
export function sweepSlowConsumers(sessions: Set<Session>): void {
  for (const s of sessions) s.checkBacklog();
}
