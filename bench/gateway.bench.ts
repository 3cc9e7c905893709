/**
 * Gateway benchmarks over loopback, the clients in a child process
 * (bench/gateway-load.ts) so they do not share the gateway's thread:
 *
 *   gateway.http_ticker   autocannon, 100 connections × pipelining 10, GET the
 *                         live ticker; peer: the same JSON from node:http
 *   gateway.http_orders   autocannon POST /v1/orders, a fresh Ed25519
 *                         signature per request
 *   gateway.ws_orders     signed market orders acknowledged per second over
 *                         WebSocket (MessagePack), 8 connections × 256 in flight
 *   gateway.ack_p50_us / ack_p99_us / ack_p999_us
 *                         open-loop 20,000 orders/s, latency from each order's
 *                         scheduled send time to its acknowledgement
 *   gateway.fanout        trade messages per second delivered to 1,000
 *                         subscribed connections
 *
 * The loop journals to SQLite (persistence/ openStore, synchronous NORMAL)
 * in a temporary directory, so every acknowledgement is after a commit.
 */
import { fork } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from '../core/commands.ts';
import { Engine } from '../core/engine.ts';
import { DEFAULT_LOOP_OPTIONS, Loop } from '../core/loop.ts';
import { CommitFeed } from '../gateway/commit-feed.ts';
import { type Gateway, startGateway } from '../gateway/server.ts';
import { ticker } from '../gateway/views/market.ts';
import { openStore } from '../persistence/store.ts';
import type { KeySpec, Task } from './gateway-load.ts';
import { type BenchOptions, note, type Report, round, wants } from './harness.ts';

const DURATION_SEC = 5;
const ACCOUNTS = 64;
const BTC_PRICE = 60_000_000_000;
const ETH_PRICE = 3_000_000_000;
const LATENCY_RATE = 20_000;
const FANOUT_CONNECTIONS = 1_000;
const FANOUT_TRADES_PER_SEC = 200;

const OPEN_LIMITS = {
  connectionRatePerSec: 10_000_000,
  connectionBurst: 10_000_000,
  keyRatePerSec: 10_000_000,
  keyBurst: 10_000_000,
  httpAddressRatePerSec: 10_000_000,
  httpAddressBurst: 10_000_000,
  slowConsumerBytes: 64 * 1024 * 1024,
};

function runLoad<T>(task: Task, onMessage?: (m: unknown) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = fork(new URL('./gateway-load.ts', import.meta.url), [], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    child.on('message', (m: { result?: T }) => {
      if (m.result !== undefined) resolve(m.result);
      else onMessage?.(m);
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`load generator exited with ${code}`));
    });
    child.send(task);
  });
}

interface Setup {
  engine: Engine;
  loop: Loop;
  gw: Gateway;
  ed: KeySpec[];
  hmac: KeySpec[];
  journal: string;
  close(): Promise<void>;
}

async function setup(): Promise<Setup> {
  const dir = mkdtempSync(join(tmpdir(), 'clearloop-gw-bench-'));
  const store = openStore(join(dir, 'journal.sqlite'), { synchronous: 'NORMAL' });
  const engine = new Engine();
  const feed = new CommitFeed();
  const loop = new Loop(engine, Date.now, store.journal, DEFAULT_LOOP_OPTIONS, feed.onCommitted);
  const now = Date.now();
  const stale = { oracleMaxStaleTradeMs: 86_400_000, oracleMaxStaleMarginMs: 86_400_000 };
  const cmds: Command[] = [
    { type: 'createMarket', symbol: 'BTC-PERP', initialPrice: BTC_PRICE, baseReserve: 1_000_000 * 1e9, params: stale },
    { type: 'createMarket', symbol: 'ETH-PERP', initialPrice: ETH_PRICE, baseReserve: 1_000_000 * 1e9, params: stale },
    { type: 'oracle', market: 0, source: 0, price: BTC_PRICE, confidence: BTC_PRICE / 10_000, publishTs: now },
    { type: 'oracle', market: 1, source: 0, price: ETH_PRICE, confidence: ETH_PRICE / 10_000, publishTs: now },
  ];
  for (let a = 0; a < ACCOUNTS; a++)
    cmds.push({ type: 'createAccount' }, { type: 'deposit', account: a, amount: 100_000_000_000_000 });
  for (const c of cmds) {
    loop.submit(c, (o) => {
      if (!o.ok) throw new Error(`bench setup ${c.type}: ${o.code} ${o.message}`);
    });
  }
  loop.drain();
  const gw = await startGateway({ engine, loop, feed, limits: OPEN_LIMITS, tickIntervalMs: 5 });
  const ed: KeySpec[] = [];
  const hmac: KeySpec[] = [];
  for (let a = 0; a < ACCOUNTS; a++) {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const der = publicKey.export({ format: 'der', type: 'spki' });
    gw.keys.register({
      keyId: `ed-${a}`,
      account: a,
      roles: ['trader'],
      scheme: 'ed25519',
      publicKey: der.subarray(der.length - 32).toString('hex'),
    });
    ed.push({
      keyId: `ed-${a}`,
      scheme: 'ed25519',
      secret: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    });
    const secret = Buffer.from(`bench-secret-${a}`.padEnd(32, '.')).toString('hex');
    gw.keys.register({ keyId: `hm-${a}`, account: a, roles: ['trader'], scheme: 'hmac-sha256', secret });
    hmac.push({ keyId: `hm-${a}`, scheme: 'hmac-sha256', secret });
  }
  return {
    engine,
    loop,
    gw,
    ed,
    hmac,
    journal: 'sqlite WAL, synchronous=NORMAL',
    async close() {
      await gw.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function httpTicker(s: Setup, report: Report): Promise<void> {
  const url = `http://127.0.0.1:${s.gw.port}/v1/markets/0/ticker`;
  const ours = await runLoad<{ rps: number; non2xx: number; errors: number; p99_ms: number }>({
    kind: 'httpGet',
    url,
    connections: 100,
    pipelining: 10,
    durationSec: DURATION_SEC,
  });
  const peer = createServer((req, res) => {
    if (req.url === '/v1/markets/0/ticker') {
      const body = JSON.stringify({ id: null, ok: true, result: ticker(s.engine, s.engine.markets[0]) });
      res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    } else res.writeHead(404).end();
  });
  await new Promise<void>((r) => peer.listen(0, '127.0.0.1', () => r()));
  const port = (peer.address() as { port: number }).port;
  const theirs = await runLoad<{ rps: number; non2xx: number; errors: number }>({
    kind: 'httpGet',
    url: `http://127.0.0.1:${port}/v1/markets/0/ticker`,
    connections: 100,
    pipelining: 10,
    durationSec: DURATION_SEC,
  });
  peer.closeAllConnections();
  await new Promise<void>((r) => peer.close(() => r()));
  note(
    `gateway.http_ticker: uWS ${Math.round(ours.rps)} req/s (non-2xx ${ours.non2xx}), node:http ${Math.round(theirs.rps)} req/s`,
  );
  report({
    bench: 'gateway.http_ticker',
    value: Math.round(ours.rps),
    unit: 'req/s',
    peer: 'node:http',
    peer_value: Math.round(theirs.rps),
    ratio: round(ours.rps / theirs.rps, 2),
    connections: 100,
    pipelining: 10,
    non2xx: ours.non2xx,
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

async function wsOrders(s: Setup, report: Report): Promise<void> {
  const url = `ws://127.0.0.1:${s.gw.port}`;
  const ed = await runLoad<{ ordersPerSec: number; rejected: number; codes: Record<string, number> }>({
    kind: 'wsOrders',
    url,
    keys: s.ed.slice(0, 8),
    window: 256,
    durationSec: DURATION_SEC,
  });
  const hm = await runLoad<{ ordersPerSec: number; rejected: number; codes: Record<string, number> }>({
    kind: 'wsOrders',
    url,
    keys: s.hmac.slice(0, 8),
    window: 256,
    durationSec: DURATION_SEC,
  });
  note(
    `gateway.ws_orders: ed25519 ${Math.round(ed.ordersPerSec)}/s (rejected ${ed.rejected} ${JSON.stringify(ed.codes)}), hmac ${Math.round(hm.ordersPerSec)}/s`,
  );
  report({
    bench: 'gateway.ws_orders',
    value: Math.round(ed.ordersPerSec),
    unit: 'orders/s',
    scheme: 'ed25519',
    hmac_value: Math.round(hm.ordersPerSec),
    rejected: ed.rejected,
    connections: 8,
    in_flight: 256,
    journal: s.journal,
  });
}

async function ackLatency(s: Setup, report: Report, options: BenchOptions): Promise<void> {
  const url = `ws://127.0.0.1:${s.gw.port}`;
  const r = await runLoad<{
    sent: number;
    acked: number;
    rejected: number;
    achievedRate: number;
    p50: number;
    p99: number;
    p999: number;
  }>({
    kind: 'wsLatency',
    url,
    keys: s.hmac.slice(8, 16),
    ratePerSec: LATENCY_RATE,
    durationSec: DURATION_SEC,
  });
  note(
    `gateway.ack latency at ${LATENCY_RATE}/s (hmac): p50 ${round(r.p50, 1)} µs, p99 ${round(r.p99, 1)} µs, p99.9 ${round(r.p999, 1)} µs; acked ${r.acked}/${r.sent}`,
  );
  const extra = { rate: LATENCY_RATE, scheme: 'hmac-sha256', sent: r.sent, acked: r.acked, journal: s.journal };
  if (wants(options, 'gateway.ack_p50_us'))
    report({ bench: 'gateway.ack_p50_us', value: round(r.p50, 1), unit: 'us', ...extra });
  if (wants(options, 'gateway.ack_p99_us'))
    report({ bench: 'gateway.ack_p99_us', value: round(r.p99, 1), unit: 'us', ...extra });
  if (wants(options, 'gateway.ack_p999_us'))
    report({ bench: 'gateway.ack_p999_us', value: round(r.p999, 1), unit: 'us', ...extra });
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
    if (['gateway.ack_p50_us', 'gateway.ack_p99_us', 'gateway.ack_p999_us'].some((n) => wants(options, n)))
      await ackLatency(s, report, options);
    if (wants(options, 'gateway.fanout')) await fanout(s, report);
  } finally {
    await s.close();
  }
}
