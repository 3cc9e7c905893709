/**
 * Gateway benchmarks over loopback, the clients in a child process
 * (bench/gateway-load.ts, cheap per order: bare WebSocket frames from
 * pre-encoded templates, see bench/ws-wire.ts) so they do not share the
 * gateway's thread:
 *
 *   gateway.http_ticker   autocannon, 100 connections × pipelining 10, GET the
 *                         live ticker; peer: node:http serving the same bytes
 *                         under the same rule (encoded once per engine state);
 *                         generator_ceiling: autocannon against a bare uWS app
 *                         with a constant body (what autocannon itself can do).
 *                         autocannon runs on HTTP_WORKERS worker threads: on one
 *                         it topped out near the gateway's own rate (the ratio
 *                         then measured autocannon, 1.84–1.95); on two its
 *                         ceiling is well above the gateway's, so the servers
 *                         are what is measured (both share the machine alike)
 *   gateway.http_orders   autocannon POST /v1/orders, a fresh Ed25519
 *                         signature per request
 *   gateway.ws_orders     market orders acknowledged per second over
 *                         WebSocket (MessagePack), 4 connections × 1,024 in
 *                         flight, each connection logged on once (Ed25519
 *                         `logon`, docs/PROTOCOL.md) and every order carrying
 *                         its nonce; value: replies 'ack' ({ seq }), beside it
 *                         full replies ({ seq, events }) and, for reference,
 *                         a signature on every order (HMAC, Ed25519; 8 × 256)
 *   gateway.ack_p50_us / ack_p99_us / ack_p999_us
 *                         open-loop 20,000 orders/s over 4 logged-on
 *                         connections, full replies, each order sent alone
 *                         at its scheduled time; 2 s at that rate as warm-up
 *                         (JIT in both processes, the background worker
 *                         starting), then a bounded 5 s run (100,000 orders)
 *                         whose every order must be acknowledged (one that
 *                         is not counts as infinitely late). Latency runs
 *                         from the scheduled send time to the acknowledgement
 *                         being read, so queueing anywhere and the generator
 *                         falling behind are included; beside it: how late
 *                         the generator sent (generator_late_*) and the
 *                         latency net of that (net_of_generator_*), and the
 *                         gateway's own side of the run (turn durations and
 *                         lag, the share of wall time in turns and not idle,
 *                         process CPU, GC pauses by kind, heap spaces), which
 *                         is what to read on a shared machine: there, most
 *                         of the tail is the processes waiting for a core
 *                         (involuntary_switches). floor_*: the same
 *                         generator, just before, against a bare uWS app
 *                         that answers every frame at once (no engine, no
 *                         journal): what the generator and the machine alone
 *                         put into the tail. CLEARLOOP_BENCH_WINDOWS=1
 *                         prints p50/p99/max per 250 ms of the run.
 *   gateway.fanout        trade messages per second delivered to 1,000
 *                         subscribed connections
 *
 * The loop journals to SQLite (persistence/ openStore, WAL, synchronous
 * NORMAL, one transaction per turn) in a temporary directory, so every
 * acknowledgement is after a commit. History rows are off here: bin/server.ts
 * derives them in a background worker (a replica replaying the journal), which
 * on this two-core machine would compete with the load generator for the
 * second core rather than with the gateway. The latency figures run with the
 * background worker started (history still off), as bin/server.ts does, so
 * WAL checkpoints happen off the loop; the throughput figures let SQLite
 * auto-checkpoint in the loop instead (the worker's replica would follow
 * 100k+ orders/s on the load generator's core).
 *
 * The latency figures' code is bench/gateway-latency.ts; the gateway under
 * test and the load child, which both use, are bench/gateway-setup.ts.
 */
import { createServer } from 'node:http';
import { loadNativeUws } from '../gateway/native.ts';
import { ticker } from '../gateway/views/market.ts';
import { ackLatency } from './gateway-latency.ts';
import type { KeySpec, OrderAuth } from './gateway-load.ts';
import { ACCOUNTS, DURATION_SEC, runLoad, type Setup, setup } from './gateway-setup.ts';
import { type BenchOptions, note, type Report, round, wants } from './harness.ts';

const FANOUT_CONNECTIONS = 1_000;
const FANOUT_TRADES_PER_SEC = 200;
/** ws_orders with a session logon: few connections, a deep pipelined window each. */
const WS_CONNECTIONS = 4;
const WS_WINDOW = 1_024;

/** http_ticker runs each server this many times, interleaved, so that a load swing on a shared machine hits all three. */
const HTTP_ROUNDS = 3;
/** autocannon's worker threads for http_ticker (see the header). */
const HTTP_WORKERS = 2;

async function httpTicker(s: Setup, report: Report): Promise<void> {
  const path = '/v1/markets/0/ticker';
  const load = (port: number) =>
    runLoad<{ rps: number; total: number; non2xx: number; errors: number; p99_ms: number }>({
      kind: 'httpGet',
      url: `http://127.0.0.1:${port}${path}`,
      connections: 100,
      pipelining: 10,
      durationSec: Math.max(1, Math.round(DURATION_SEC / HTTP_ROUNDS)),
      workers: HTTP_WORKERS,
    });
  // The peer serves the same bytes under the same rule as the gateway: encoded once per engine state.
  let seq = -1;
  let body = '';
  const peer = createServer((req, res) => {
    if (req.url === path) {
      if (s.engine.seq !== seq) {
        seq = s.engine.seq;
        body = JSON.stringify({ id: null, ok: true, result: ticker(s.engine, s.engine.markets[0]) });
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    } else res.writeHead(404).end();
  });
  await new Promise<void>((r) => peer.listen(0, '127.0.0.1', () => r()));
  const peerPort = (peer.address() as { port: number }).port;
  // The load generator's own ceiling: a bare uWS app answering a constant body, nothing else.
  const uws = loadNativeUws();
  const bare = uws.App();
  const constant = JSON.stringify({ id: null, ok: true, result: ticker(s.engine, s.engine.markets[0]) });
  bare.get('/*', (res) => {
    res.writeStatus('200 OK').writeHeader('content-type', 'application/json').end(constant);
  });
  const listen = await new Promise<unknown>((r) => bare.listen('127.0.0.1', 0, (ls) => r(ls)));
  const barePort = uws.us_socket_local_port(listen as never);
  const sum = { ours: 0, theirs: 0, ceiling: 0, non2xx: 0 };
  for (let i = 0; i < HTTP_ROUNDS; i++) {
    const ours = await load(s.gw.port);
    sum.ours += ours.rps;
    sum.non2xx += ours.non2xx;
    sum.theirs += (await load(peerPort)).rps;
    sum.ceiling += (await load(barePort)).rps;
  }
  peer.closeAllConnections();
  await new Promise<void>((r) => peer.close(() => r()));
  uws.us_listen_socket_close(listen as never);
  const ours = sum.ours / HTTP_ROUNDS;
  const theirs = sum.theirs / HTTP_ROUNDS;
  const ceiling = sum.ceiling / HTTP_ROUNDS;
  note(
    `gateway.http_ticker: uWS ${Math.round(ours)} req/s (non-2xx ${sum.non2xx}), node:http ${Math.round(theirs)} req/s; ` +
      `autocannon against a bare uWS app with a constant body: ${Math.round(ceiling)} req/s (${HTTP_ROUNDS} interleaved rounds)`,
  );
  report({
    bench: 'gateway.http_ticker',
    value: Math.round(ours),
    unit: 'req/s',
    peer: 'node:http',
    peer_value: Math.round(theirs),
    ratio: round(ours / theirs, 2),
    connections: 100,
    pipelining: 10,
    non2xx: sum.non2xx,
    generator_ceiling: Math.round(ceiling),
    rounds: HTTP_ROUNDS,
  });
}

async function httpOrders(s: Setup, report: Report): Promise<void> {
  const url = `http://127.0.0.1:${s.gw.port}`;
  const r = await runLoad<{ rps: number; non2xx: number; errors: number; p99_ms: number }>({
    kind: 'httpOrders',
    url,
    keys: s.ed,
    connections: 50,
    durationSec: DURATION_SEC,
  });
  note(`gateway.http_orders: ${Math.round(r.rps)} req/s, non-2xx ${r.non2xx}, p99 ${r.p99_ms} ms`);
  report({
    bench: 'gateway.http_orders',
    value: Math.round(r.rps),
    unit: 'req/s',
    scheme: 'ed25519',
    connections: 50,
    non2xx: r.non2xx,
    p99_ms: r.p99_ms,
    journal: s.journal,
  });
}

type OrdersResult = { ordersPerSec: number; rejected: number; codes: Record<string, number> };

async function wsOrders(s: Setup, report: Report): Promise<void> {
  const url = `ws://127.0.0.1:${s.gw.port}`;
  const run = (keys: KeySpec[], auth: OrderAuth, replies: 'full' | 'ack', window: number) =>
    runLoad<OrdersResult>({ kind: 'wsOrders', url, keys, auth, replies, window, durationSec: DURATION_SEC });
  // Session logon (one Ed25519 signature per connection), then orders with a nonce; acks carry seq + events.
  const full = await run(s.ed.slice(16, 16 + WS_CONNECTIONS), 'session', 'full', WS_WINDOW);
  const ack = await run(s.ed.slice(24, 24 + WS_CONNECTIONS), 'session', 'ack', WS_WINDOW);
  // A signature on every order.
  const hm = await run(s.hmac.slice(0, 8), 'signed', 'full', 256);
  const ed = await run(s.ed.slice(0, 8), 'signed', 'full', 256);
  const codes = (r: OrdersResult) => (r.rejected === 0 ? '' : ` (rejected ${r.rejected} ${JSON.stringify(r.codes)})`);
  note(
    `gateway.ws_orders: session logon ${Math.round(full.ordersPerSec)}/s${codes(full)}, ` +
      `session with seq-only acks ${Math.round(ack.ordersPerSec)}/s${codes(ack)}, ` +
      `hmac per order ${Math.round(hm.ordersPerSec)}/s${codes(hm)}, ed25519 per order ${Math.round(ed.ordersPerSec)}/s${codes(ed)}`,
  );
  report({
    bench: 'gateway.ws_orders',
    value: Math.round(ack.ordersPerSec),
    unit: 'orders/s',
    auth: 'session logon (ed25519), nonce per order',
    replies: "ack ({ seq }; logon replies: 'ack')",
    full_replies_value: Math.round(full.ordersPerSec),
    hmac_per_order_value: Math.round(hm.ordersPerSec),
    ed25519_per_order_value: Math.round(ed.ordersPerSec),
    rejected: full.rejected + ack.rejected + hm.rejected + ed.rejected,
    connections: WS_CONNECTIONS,
    in_flight: WS_WINDOW,
    journal: s.journal,
  });
}

async function fanout(s: Setup, report: Report): Promise<void> {
  const url = `ws://127.0.0.1:${s.gw.port}`;
  let timer: NodeJS.Timeout | null = null;
  let n = 0;
  const r = await runLoad<{ messagesPerSec: number; received: number }>(
    { kind: 'fanout', url, connections: FANOUT_CONNECTIONS, durationSec: DURATION_SEC },
    () => {
      // Trades from inside the process: 10 market orders every 50 ms, alternating sides.
      timer = setInterval(() => {
        for (let i = 0; i < FANOUT_TRADES_PER_SEC / 20; i++) {
          n++;
          s.loop.submit({
            type: 'marketOrder',
            account: n % ACCOUNTS,
            market: 0,
            side: n % 2 === 0 ? 'buy' : 'sell',
            size: 1_000_000,
          });
        }
      }, 50);
    },
  );
  if (timer !== null) clearInterval(timer);
  note(
    `gateway.fanout: ${Math.round(r.messagesPerSec)} msgs/s delivered to ${FANOUT_CONNECTIONS} connections (${FANOUT_TRADES_PER_SEC} trades/s offered)`,
  );
  report({
    bench: 'gateway.fanout',
    value: Math.round(r.messagesPerSec),
    unit: 'msgs/s',
    connections: FANOUT_CONNECTIONS,
    trades_per_sec: FANOUT_TRADES_PER_SEC,
  });
}

export async function run(report: Report, options: BenchOptions): Promise<void> {
  const names = [
    'gateway.http_ticker',
    'gateway.http_orders',
    'gateway.ws_orders',
    'gateway.ack_p50_us',
    'gateway.ack_p99_us',
    'gateway.ack_p999_us',
    'gateway.fanout',
  ];
  if (!names.some((n) => wants(options, n))) return;
  const s = await setup();
  try {
    if (wants(options, 'gateway.http_ticker')) await httpTicker(s, report);
    if (wants(options, 'gateway.http_orders')) await httpOrders(s, report);
    if (wants(options, 'gateway.ws_orders')) await wsOrders(s, report);
    if (wants(options, 'gateway.fanout')) await fanout(s, report);
  } finally {
    await s.close();
  }
  await ackLatency(report, options);
}
