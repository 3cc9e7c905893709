/**
 * HTTP on the WebSocket's port. Public REST reads markets, tickers, depth,
 * trades and funding; signed REST (x-cl-key, x-cl-ts, x-cl-nonce, x-cl-sig
 * headers over the same canonical body as WebSocket requests) reads the
 * account and places orders; POST /v1/request takes any WebSocket request
 * envelope that does not need a connection. Every /v1 request goes through
 * the per-address token bucket and then the same dispatcher as WebSocket
 * frames. Bodies are JSON, or MessagePack with content-type
 * application/msgpack; the answer uses the body's encoding (or `accept`).
 */
import type { HttpRequest, HttpResponse, TemplatedApp } from 'uWebSockets.js';
import type { Engine } from '../../core/engine.ts';
import { decodeFrame, type Encoding } from '../codec/codec.ts';
import type { Dispatcher, Responder } from '../dispatch.ts';
import { type WireError, wireError } from '../errors.ts';
import type { GatewayLimits } from '../limits.ts';
import type { GatewayMetrics } from '../metrics.ts';
import type { Request } from '../protocol.ts';
import type { BucketMap } from '../token-bucket.ts';
import { marketByRef } from '../views/market.ts';
import { CONTENT_TYPE, type ResponseState, track, writeRaw, writeReply } from './respond.ts';

export interface HttpDeps {
  engine: Engine;
  limits: GatewayLimits;
  dispatcher: Dispatcher;
  metrics: GatewayMetrics;
  addressBuckets: BucketMap;
  clock: () => number;
  ready(): { ready: boolean; reason?: string };
}

/** Query fields that are integers on the wire. */
const INTEGER_FIELDS = new Set(['levels', 'limit', 'fromTs', 'toTs', 'account', 'market']);

function queryParams(raw: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(raw)) {
    if (k === '__proto__' || k === 'constructor' || k === 'prototype') {
      out[`!${k}`] = v; // kept as an unknown field, so the schema rejects it
      continue;
    }
    out[k] = INTEGER_FIELDS.has(k) && /^\d{1,16}$/.test(v) ? Number(v) : v;
  }
  return out;
}

function encodingOf(req: HttpRequest): Encoding {
  const ct = req.getHeader('content-type');
  const accept = req.getHeader('accept');
  return ct.startsWith('application/msgpack') || accept.startsWith('application/msgpack') ? 'msgpack' : 'json';
}

interface Signed {
  key: string;
  ts: string;
  nonce: string;
  sig: string;
}

function signedHeaders(req: HttpRequest): Signed {
  return {
    key: req.getHeader('x-cl-key'),
    ts: req.getHeader('x-cl-ts'),
    nonce: req.getHeader('x-cl-nonce'),
    sig: req.getHeader('x-cl-sig'),
  };
}

/** Headers → envelope fields; values that are not integers stay strings so the envelope schema names them. */
function withSignature(env: Request, h: Signed): Request {
  const int = (v: string) => (/^\d{1,16}$/.test(v) ? Number(v) : v);
  if (h.key !== '') env.key = h.key;
  if (h.ts !== '') env.ts = int(h.ts) as number;
  if (h.nonce !== '') env.nonce = int(h.nonce) as number;
  if (h.sig !== '') env.sig = h.sig;
  return env;
}

export function mountHttp(app: TemplatedApp, d: HttpDeps): void {
  const L = d.limits;

  const responder = (res: HttpResponse, state: ResponseState, encoding: Encoding, receivedAt: number): Responder => ({
    transport: 'http',
    session: null,
    encoding,
    receivedAt,
    send: (reply) => writeReply(res, state, reply, encoding),
    sendAck: (id, seq) => writeReply(res, state, { id, ok: true, result: { seq } }, encoding),
  });

  // One labelled counter per route, looked up once (labels() hashes its arguments on every call).
  const routeCounters = new Map<string, { inc(): void }>();
  const countRequest = (route: string) => {
    let c = routeCounters.get(route);
    if (c === undefined) {
      c = d.metrics.httpRequests.labels({ route });
      routeCounters.set(route, c);
    }
    c.inc();
  };

  /** Common entry: rate limit, then hand the envelope (or its builder, for bodies) over. */
  const admit = (res: HttpResponse, route: string): { state: ResponseState; ok: boolean } => {
    countRequest(route);
    const state = track(res);
    const remote = Buffer.from(res.getRemoteAddressAsText()).toString();
    if (!d.addressBuckets.take(remote, d.clock())) {
      const e = wireError('RATE_LIMITED', 'address');
      d.metrics.errors.inc({ code: e.code });
      writeReply(res, state, { id: null, ok: false, code: e.code, message: e.message }, 'json');
      return { state, ok: false };
    }
    return { state, ok: true };
  };

  const fail = (res: HttpResponse, state: ResponseState, e: WireError, encoding: Encoding, close = false) => {
    d.metrics.errors.inc({ code: e.code });
    writeReply(res, state, { id: null, ok: false, code: e.code, message: e.message }, encoding, close);
  };

  const get = (pattern: string, route: string, build: (req: HttpRequest) => Request | WireError) => {
    app.get(pattern, (res, req) => {
      const t0 = performance.now();
      const { state, ok } = admit(res, route);
      if (!ok) return;
      const encoding = encodingOf(req);
      const env = build(req);
      if ('code' in env) return fail(res, state, env, encoding);
      d.dispatcher.handle(env, responder(res, state, encoding, t0));
    });
  };

  const marketRoute = (op: string) => (req: HttpRequest) => {
    const m = marketByRef(d.engine, req.getParameter(0));
    if (m === undefined) return wireError('NOT_FOUND', `market ${req.getParameter(0)}`);
    return { op, params: { ...queryParams(req.getQuery() ?? ''), market: m.id } };
  };

  const post = (pattern: string, route: string, build: (body: unknown, h: Signed) => Request | WireError) => {
    app.post(pattern, (res, req) => {
      const t0 = performance.now();
      const { state, ok } = admit(res, route);
      if (!ok) return;
      const encoding = encodingOf(req);
      const headers = signedHeaders(req);
      const declared = Number(req.getHeader('content-length') || '0');
      if (declared > L.maxHttpBodyBytes)
        return fail(
          res,
          state,
          wireError('PAYLOAD_TOO_LARGE', `${declared} > ${L.maxHttpBodyBytes} bytes`),
          encoding,
          true,
        );
      const chunks: Buffer[] = [];
      let size = 0;
      res.onData((chunk, isLast) => {
        if (state.done || state.aborted) return;
        size += chunk.byteLength;
        if (size > L.maxHttpBodyBytes)
          return fail(
            res,
            state,
            wireError('PAYLOAD_TOO_LARGE', `more than ${L.maxHttpBodyBytes} bytes`),
            encoding,
            true,
          );
        chunks.push(Buffer.from(new Uint8Array(chunk)));
        if (!isLast) return;
        const decoded = decodeFrame(Buffer.concat(chunks), encoding, L);
        if (!decoded.ok) return fail(res, state, wireError('BAD_FRAME', decoded.reason), encoding);
        const env = build(decoded.value, headers);
        if ('code' in env) return fail(res, state, env, encoding);
        d.dispatcher.handle(env, responder(res, state, encoding, t0));
      });
    });
  };

  app.get('/health', (res) => {
    d.metrics.httpRequests.inc({ route: 'health' });
    writeRaw(res, track(res), '200 OK', 'application/json', '{"status":"ok"}');
  });
  app.get('/ready', (res) => {
    d.metrics.httpRequests.inc({ route: 'ready' });
    const r = d.ready();
    writeRaw(res, track(res), r.ready ? '200 OK' : '503 Service Unavailable', 'application/json', JSON.stringify(r));
  });
  app.get('/metrics', (res) => {
    d.metrics.httpRequests.inc({ route: 'metrics' });
    const state = track(res);
    d.metrics.registry.metrics().then(
      (text) => writeRaw(res, state, '200 OK', d.metrics.registry.contentType, text),
      (err) => writeRaw(res, state, '500 Internal Server Error', 'text/plain', String(err)),
    );
  });

  get('/v1/time', 'time', () => ({ op: 'time' }));
  get('/v1/markets', 'markets', () => ({ op: 'markets' }));
  // The ticker without query parameters is encoded once per engine state and served from that cache
  // (answered synchronously, so no abort tracking); with parameters it takes the common path.
  const tickerRoute = marketRoute('ticker');
  app.get('/v1/markets/:market/ticker', (res, req) => {
    const query = req.getQuery();
    const m = query ? undefined : marketByRef(d.engine, req.getParameter(0));
    const body = m === undefined ? null : d.dispatcher.tickerReply(m.id, encodingOf(req));
    if (body === null) {
      const t0 = performance.now();
      const { state, ok } = admit(res, 'ticker');
      if (!ok) return;
      const encoding = encodingOf(req);
      const env = tickerRoute(req);
      if ('code' in env) return fail(res, state, env, encoding);
      return d.dispatcher.handle(env, responder(res, state, encoding, t0));
    }
    countRequest('ticker');
    const remote = Buffer.from(res.getRemoteAddressAsText()).toString();
    if (!d.addressBuckets.take(remote, d.clock())) {
      const e = wireError('RATE_LIMITED', 'address');
      d.metrics.errors.inc({ code: e.code });
      return writeReply(
        res,
        { aborted: false, done: false },
        { id: null, ok: false, code: e.code, message: e.message },
        'json',
      );
    }
    res.writeStatus('200 OK').writeHeader('content-type', CONTENT_TYPE[encodingOf(req)]).end(body);
  });
  get('/v1/markets/:market/depth', 'depth', marketRoute('depth'));
  get('/v1/markets/:market/trades', 'trades', marketRoute('trades'));
  get('/v1/markets/:market/funding', 'funding', marketRoute('fundingHistory'));
  get('/v1/markets/:market/liquidatable', 'liquidatable', marketRoute('liquidatable'));
  get('/v1/liquidatable', 'liquidatable', () => ({ op: 'liquidatable' }));
  get('/v1/insurance', 'insurance', () => ({ op: 'insurance' }));
  // Signed REST.
  get('/v1/account', 'account', (req) =>
    withSignature({ op: 'account', params: queryParams(req.getQuery() ?? '') }, signedHeaders(req)),
  );
  get('/v1/positions', 'positions', (req) =>
    withSignature({ op: 'positions', params: queryParams(req.getQuery() ?? '') }, signedHeaders(req)),
  );
  get('/v1/history', 'history', (req) =>
    withSignature({ op: 'history', params: queryParams(req.getQuery() ?? '') }, signedHeaders(req)),
  );
  get('/v1/orders', 'orders', (req) =>
    withSignature({ op: 'orders', params: queryParams(req.getQuery() ?? '') }, signedHeaders(req)),
  );
  post('/v1/orders', 'orders', (body, h) =>
    withSignature({ op: 'marketOrder', params: body as Record<string, unknown> }, h),
  );
  post('/v1/request', 'request', (body) => body as Request);

  app.any('/*', (res, req) => {
    d.metrics.httpRequests.inc({ route: 'unknown' });
    const state = track(res);
    const e = wireError('NOT_FOUND', `${req.getMethod().toUpperCase()} ${req.getUrl()}`);
    writeReply(res, state, { id: null, ok: false, code: e.code, message: e.message }, 'json');
  });
}
