/**
 * Load generators for bench/gateway.bench.ts, run in a child process so that
 * the clients do not share the gateway's thread. One task per process: the
 * parent sends it over IPC, the child answers with the result and exits.
 * Loopback only; every task is bounded by its duration.
 */
import { createPrivateKey } from 'node:crypto';
import autocannon from 'autocannon';
import { Packr, Unpackr } from 'msgpackr';
import WebSocket from 'ws';
import { ed25519Signer, hmacSigner, type Signer, signFields } from '../gateway/sdk/signer.ts';
import { frameInto, frameSize, RawWs, replyHead, Template, writeU64 } from './ws-wire.ts';

export interface KeySpec {
  keyId: string;
  scheme: 'ed25519' | 'hmac-sha256';
  /** PKCS#8 PEM (ed25519) or hex secret (hmac). */
  secret: string;
}

export type Task =
  | { kind: 'httpGet'; url: string; connections: number; pipelining: number; durationSec: number; workers: number }
  | { kind: 'httpOrders'; url: string; keys: KeySpec[]; connections: number; durationSec: number }
  | {
      kind: 'wsOrders';
      url: string;
      keys: KeySpec[];
      auth: OrderAuth;
      replies?: 'full' | 'ack';
      window: number;
      durationSec: number;
      warmupSec?: number;
    }
  | {
      kind: 'wsLatency';
      url: string;
      keys: KeySpec[];
      auth: OrderAuth;
      replies?: 'full' | 'ack';
      ratePerSec: number;
      durationSec: number;
      /** Sent at the same rate before the measured run, not measured (JIT, first turns, WAL growth). */
      warmupSec?: number;
    }
  | { kind: 'fanout'; url: string; connections: number; durationSec: number };

const packr = new Packr({ useRecords: false, moreTypes: false, mapsAsObjects: true });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });

function signerOf(k: KeySpec): Signer {
  return k.scheme === 'ed25519' ? ed25519Signer(k.keyId, createPrivateKey(k.secret)) : hmacSigner(k.keyId, k.secret);
}

let orderNo = 0;
function orderParams(): Record<string, unknown> {
  orderNo++;
  return { market: orderNo % 2, side: orderNo % 4 < 2 ? 'buy' : 'sell', size: 1_000_000 };
}

async function httpGet(t: Extract<Task, { kind: 'httpGet' }>) {
  const r = await autocannon({
    url: t.url,
    connections: t.connections,
    pipelining: t.pipelining,
    duration: t.durationSec,
    // autocannon's own worker threads: one thread tops out near the gateway's rate, so it measured itself.
    workers: t.workers,
  });
  return {
    rps: r.requests.average,
    total: r.requests.total,
    non2xx: r.non2xx,
    errors: r.errors,
    p99_ms: r.latency.p99,
  };
}

async function httpOrders(t: Extract<Task, { kind: 'httpOrders' }>) {
  const signers = t.keys.map(signerOf);
  let next = 0;
  const r = await autocannon({
    url: t.url,
    connections: t.connections,
    pipelining: 1,
    duration: t.durationSec,
    requests: [
      {
        method: 'POST',
        path: '/v1/orders',
        setupRequest: (req: Record<string, unknown>) => {
          const signer = signers[next++ % signers.length];
          const params = orderParams();
          const f = signFields(signer, 'marketOrder', params, Date.now());
          req.headers = {
            'content-type': 'application/json',
            'x-cl-key': f.key,
            'x-cl-ts': String(f.ts),
            'x-cl-nonce': String(f.nonce),
            'x-cl-sig': f.sig,
          };
          req.body = JSON.stringify(params);
          return req;
        },
      },
    ],
  } as never);
  return {
    rps: r.requests.average,
    total: r.requests.total,
    non2xx: r.non2xx,
    errors: r.errors,
    p99_ms: r.latency.p99,
  };
}

/** Per-request signatures, or one signed logon per connection and then orders with a nonce only. */
export type OrderAuth = 'signed' | 'session';

interface Conn {
  ws: RawWs;
  signer: Signer;
  nextId: number;
  nonce: number;
  inflight: number;
  /** Scheduled send time by request id (latency task). */
  sentAt: Float64Array | null;
  /** The order's index in the run by request id (latency task). */
  index: Int32Array | null;
}

const ORDER_VARIANTS = 4;
/** Longest sleep of the open-loop pump between two sends (ms). */
const PUMP_SLEEP_MS = 0.05;
/** Session-mode order payloads (market × side), with u32 id and u64 nonce slots patched per order. */
const templates: { payload: Buffer; id: number; nonce: number }[] = [];
for (let v = 0; v < ORDER_VARIANTS; v++) {
  const t = new Template()
    .map(4)
    .str('id')
    .u32('id')
    .str('op')
    .str('marketOrder')
    .str('params')
    .map(3)
    .str('market')
    .uint(v % 2)
    .str('side')
    .str(v < 2 ? 'buy' : 'sell')
    .str('size')
    .uint(1_000_000)
    .str('nonce')
    .u64('nonce');
  templates.push({ payload: t.bytes(), id: t.at.id, nonce: t.at.nonce });
}

async function openConn(url: string, k: KeySpec, auth: OrderAuth, replies: 'full' | 'ack'): Promise<Conn> {
  const ws = await RawWs.open(url);
  const signer = signerOf(k);
  const c: Conn = { ws, signer, nextId: 1, nonce: 0, inflight: 0, sentAt: null, index: null };
  if (auth === 'session') {
    const params = { replies };
    const logon = { id: 0, op: 'logon', params, ...signFields(signer, 'logon', params, Date.now()) };
    const reply = await new Promise<{ ok: boolean; code?: string; message?: string }>((resolve) => {
      ws.onFrame = (p) => resolve(unpackr.unpack(p));
      ws.send(packr.pack(logon));
    });
    if (!reply.ok) throw new Error(`logon ${k.keyId}: ${reply.code} ${reply.message}`);
    c.nonce = logon.nonce;
  }
  return c;
}

/** Writes `n` orders on `c` in one system call; `when` (ms) is recorded as each one's scheduled time. */
function sendOrders(c: Conn, n: number, auth: OrderAuth, when: number): void {
  if (n <= 0) return;
  if (auth === 'signed') {
    const frames: Buffer[] = [];
    for (let i = 0; i < n; i++) {
      const id = c.nextId++;
      if (c.sentAt !== null) c.sentAt[id] = when;
      const params = orderParams();
      const req = { id, op: 'marketOrder', params, ...signFields(c.signer, 'marketOrder', params, Date.now()) };
      const payload = packr.pack(req);
      const f = Buffer.allocUnsafe(frameSize(payload.length));
      frameInto(f, 0, payload);
      frames.push(f);
    }
    c.inflight += n;
    c.ws.write(n === 1 ? frames[0] : Buffer.concat(frames));
    return;
  }
  let size = 0;
  for (let i = 0; i < n; i++) size += frameSize(templates[(orderNo + i) % ORDER_VARIANTS].payload.length);
  const out = Buffer.allocUnsafe(size);
  let off = 0;
  for (let i = 0; i < n; i++) {
    const t = templates[orderNo++ % ORDER_VARIANTS];
    const start = off + 6; // payloads are < 126 bytes: 2 header bytes + 4 mask bytes
    off = frameInto(out, off, t.payload);
    const id = c.nextId++;
    if (c.sentAt !== null) c.sentAt[id] = when;
    out.writeUInt32BE(id, start + t.id);
    writeU64(out, start + t.nonce, ++c.nonce);
  }
  c.inflight += n;
  c.ws.write(out);
}

/** One order, recorded as the run's order number `index` (latency task). */
function sendOrder(c: Conn, auth: OrderAuth, when: number, index: number): void {
  const id = c.nextId;
  sendOrders(c, 1, auth, when);
  if (c.index !== null) c.index[id] = index;
}

interface Tally {
  acked: number;
  rejected: number;
  codes: Record<string, number>;
}

/** Reads replies: counts them, and calls onAck(conn, id) for each. */
function listen(c: Conn, tally: Tally, onAck: (id: number) => void): void {
  c.ws.onFrame = (p) => {
    let head = replyHead(p);
    if (head === null) {
      const msg = unpackr.unpack(p) as { id?: unknown; ok?: boolean; stream?: string };
      if (msg.stream !== undefined || typeof msg.id !== 'number') return;
      head = { id: msg.id, ok: msg.ok === true };
    }
    c.inflight--;
    tally.acked++;
    if (!head.ok) {
      tally.rejected++;
      const { code } = unpackr.unpack(p) as { code: string };
      tally.codes[code] = (tally.codes[code] ?? 0) + 1;
    }
    onAck(head.id);
  };
}

/**
 * Closed loop: each connection keeps `window` orders in flight, topping up
 * after every batch of replies (one write per read). Counts acknowledgements
 * over durationSec after a warm-up.
 */
async function wsOrders(t: Extract<Task, { kind: 'wsOrders' }>) {
  const conns = await Promise.all(t.keys.map((k) => openConn(t.url, k, t.auth, t.replies ?? 'full')));
  const tally: Tally = { acked: 0, rejected: 0, codes: {} };
  let running = true;
  for (const c of conns) {
    listen(c, tally, () => {});
    // Top up once per read, after all of the read's replies are counted.
    c.ws.socket.on('data', () => {
      if (running) sendOrders(c, t.window - c.inflight, t.auth, 0);
    });
  }
  for (const c of conns) sendOrders(c, t.window, t.auth, 0);
  await new Promise((r) => setTimeout(r, (t.warmupSec ?? 1) * 1000));
  const startAcked = tally.acked;
  const startRejected = tally.rejected;
  const start = performance.now();
  await new Promise((r) => setTimeout(r, t.durationSec * 1000));
  const acked = tally.acked - startAcked;
  const seconds = (performance.now() - start) / 1000;
  running = false;
  for (const c of conns) c.ws.close();
  return {
    ordersPerSec: acked / seconds,
    acked,
    rejected: tally.rejected - startRejected,
    codes: tally.codes,
    seconds,
  };
}

/**
 * Open loop: orders are due at ratePerSec, spread over the connections;
 * each order's latency counts from its scheduled time (so queueing in the
 * server, or the generator falling behind, is not hidden).
 */
async function wsLatency(t: Extract<Task, { kind: 'wsLatency' }>) {
  const conns = await Promise.all(t.keys.map((k) => openConn(t.url, k, t.auth, t.replies ?? 'full')));
  const warmup = Math.round(t.ratePerSec * (t.warmupSec ?? 0));
  const measured = t.ratePerSec * t.durationSec;
  const total = warmup + measured;
  // One slot per order (warm-up included), indexed by send order: latency (µs) and how late it was sent (µs).
  const latency = new Float64Array(total).fill(Number.NaN);
  const lateness = new Float64Array(total);
  let n = 0;
  const tally: Tally = { acked: 0, rejected: 0, codes: {} };
  for (const c of conns) {
    // Per connection: request id → scheduled time and global order index.
    const sentAt = new Float64Array(Math.ceil(total / conns.length) + 2);
    const index = new Int32Array(sentAt.length).fill(-1);
    c.sentAt = sentAt;
    c.index = index;
    listen(c, tally, (id) => {
      if (id < sentAt.length && index[id] >= 0) {
        latency[index[id]] = (performance.now() - sentAt[id]) * 1000;
        index[id] = -1;
        n++;
      }
    });
  }
  const start = performance.now();
  let sent = 0;
  let rejectedAtWarmupEnd = -1;
  let usage0 = process.resourceUsage();
  let elu0 = performance.eventLoopUtilization();
  let measureStart = start;
  // Between sends the pump sleeps (Atomics.wait, at most PUMP_SLEEP_MS) instead of spinning, so the
  // generator does not take a core from the gateway; replies are read between sleeps, so a sleep can
  // only add to a measured latency, never hide one.
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  await new Promise<void>((resolve) => {
    const pump = () => {
      const now = performance.now();
      // Order k is due at start + k/rate, so floor(elapsed·rate) + 1 of them are due now. (Counting
      // one fewer left the next order always overdue: the pump never slept and spun a core.)
      const due = Math.min(total, Math.floor(((now - start) * t.ratePerSec) / 1000) + 1);
      // Orders are sent one by one at their scheduled time.
      while (sent < due) {
        if (sent === warmup) {
          rejectedAtWarmupEnd = tally.rejected;
          usage0 = process.resourceUsage();
          elu0 = performance.eventLoopUtilization();
          measureStart = performance.now();
          process.send!({ measuring: true });
        }
        const scheduled = start + (sent * 1000) / t.ratePerSec;
        sendOrder(conns[sent % conns.length], t.auth, scheduled, sent);
        lateness[sent] = (now - scheduled) * 1000;
        sent++;
      }
      if (sent >= total) return resolve();
      const next = start + (sent * 1000) / t.ratePerSec - performance.now();
      if (next > 0.005) Atomics.wait(sleeper, 0, 0, Math.min(next, PUMP_SLEEP_MS));
      setImmediate(pump);
    };
    pump();
  });
  const drainUntil = performance.now() + 5_000;
  while (n < sent && performance.now() < drainUntil) await new Promise((r) => setTimeout(r, 10));
  process.send!({ measured: true });
  const usage = process.resourceUsage();
  const wallMs = performance.now() - measureStart;
  const generator = {
    cpu:
      Math.round(
        ((usage.userCPUTime + usage.systemCPUTime - usage0.userCPUTime - usage0.systemCPUTime) / 1000 / wallMs) * 1000,
      ) / 1000,
    loop_busy: Math.round(performance.eventLoopUtilization(elu0).utilization * 1000) / 1000,
    involuntary_switches: usage.involuntaryContextSwitches - usage0.involuntaryContextSwitches,
  };
  for (const c of conns) c.ws.close();
  // The measured run: the orders after the warm-up, every one of them (an unacked order would count as lost).
  const lat = latency.subarray(warmup, total);
  let acked = 0;
  for (let i = 0; i < lat.length; i++) if (!Number.isNaN(lat[i])) acked++;
  const windows: { atMs: number; p50: number; p99: number; max: number; lateMax: number }[] = [];
  const WINDOW = t.ratePerSec / 4;
  for (let w = 0; w < measured; w += WINDOW) {
    const xs = Float64Array.from(lat.subarray(w, w + WINDOW)).sort();
    let lateMax = 0;
    for (let i = warmup + w; i < Math.min(total, warmup + w + WINDOW); i++) lateMax = Math.max(lateMax, lateness[i]);
    windows.push({
      atMs: Math.round((w * 1000) / t.ratePerSec),
      p50: Math.round(pctOf(xs, 50)),
      p99: Math.round(pctOf(xs, 99)),
      max: Math.round(xs[xs.length - 1]),
      lateMax: Math.round(lateMax),
    });
  }
  // Sorting puts NaN (never acked) last, so a lost order shows up in the top percentiles and in `acked`.
  const sorted = Float64Array.from(lat).sort();
  const late = Float64Array.from(lateness.subarray(warmup, total)).sort();
  // Latency net of the generator's own lateness: what the server and the network added.
  const net = new Float64Array(measured);
  for (let i = 0; i < measured; i++) net[i] = lat[i] - lateness[warmup + i];
  net.sort();
  return {
    sent: sent - warmup,
    acked,
    warmup,
    rejected: tally.rejected - Math.max(0, rejectedAtWarmupEnd),
    codes: tally.codes,
    p50: pctOf(sorted, 50),
    p99: pctOf(sorted, 99),
    p999: pctOf(sorted, 99.9),
    max: sorted[measured - 1],
    sendLateP50: pctOf(late, 50),
    sendLateP99: pctOf(late, 99),
    sendLateMax: late[measured - 1],
    netP50: pctOf(net, 50),
    netP99: pctOf(net, 99),
    netP999: pctOf(net, 99.9),
    generator,
    windows,
  };
}

/** Nearest-rank percentile of a sorted array. */
function pctOf(sorted: Float64Array, p: number): number {
  const n = sorted.length;
  return n === 0 ? Number.NaN : sorted[Math.min(n - 1, Math.max(0, Math.ceil((p / 100) * n) - 1))];
}

async function fanout(t: Extract<Task, { kind: 'fanout' }>) {
  const sockets: WebSocket[] = [];
  let received = 0;
  for (let i = 0; i < t.connections; i++) {
    const ws = new WebSocket(t.url, { perMessageDeflate: false });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    ws.on('message', () => {
      received++;
    });
    ws.send(packr.pack({ id: 1, op: 'subscribe', params: { channel: 'trades', market: 0 } }), { binary: true });
    sockets.push(ws);
  }
  await new Promise((r) => setTimeout(r, 200));
  received = 0;
  process.send!({ ready: true });
  const start = performance.now();
  await new Promise((r) => setTimeout(r, t.durationSec * 1000));
  const seconds = (performance.now() - start) / 1000;
  const got = received;
  for (const ws of sockets) ws.terminate();
  return { messagesPerSec: got / seconds, received: got, seconds };
}

process.once('message', async (task: Task) => {
  let result: unknown;
  switch (task.kind) {
    case 'httpGet':
      result = await httpGet(task);
      break;
    case 'httpOrders':
      result = await httpOrders(task);
      break;
    case 'wsOrders':
      result = await wsOrders(task);
      break;
    case 'wsLatency':
      result = await wsLatency(task);
      break;
    case 'fanout':
      result = await fanout(task);
      break;
  }
  process.send!({ result }, () => process.exit(0));
});
