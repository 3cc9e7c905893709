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

export interface KeySpec {
  keyId: string;
  scheme: 'ed25519' | 'hmac-sha256';
  /** PKCS#8 PEM (ed25519) or hex secret (hmac). */
  secret: string;
}

export type Task =
  | { kind: 'httpGet'; url: string; connections: number; pipelining: number; durationSec: number }
  | { kind: 'httpOrders'; url: string; keys: KeySpec[]; connections: number; durationSec: number }
  | { kind: 'wsOrders'; url: string; keys: KeySpec[]; window: number; durationSec: number }
  | { kind: 'wsLatency'; url: string; keys: KeySpec[]; ratePerSec: number; durationSec: number }
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

interface Conn {
  ws: WebSocket;
  signer: Signer;
  sentAt: Map<number, number>;
  nextId: number;
}

async function openConn(url: string, signer: Signer): Promise<Conn> {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return { ws, signer, sentAt: new Map(), nextId: 1 };
}

function sendOrder(c: Conn, when: number): void {
  const id = c.nextId++;
  const params = orderParams();
  const req = { id, op: 'marketOrder', params, ...signFields(c.signer, 'marketOrder', params, Date.now()) };
  c.sentAt.set(id, when);
  c.ws.send(packr.pack(req), { binary: true });
}

async function wsOrders(t: Extract<Task, { kind: 'wsOrders' }>) {
  const conns = await Promise.all(t.keys.map((k) => openConn(t.url, signerOf(k))));
  let acked = 0;
  let rejected = 0;
  const codes: Record<string, number> = {};
  const endAt = performance.now() + t.durationSec * 1000;
  let running = true;
  await new Promise<void>((resolve) => {
    for (const c of conns) {
      c.ws.on('message', (data: Buffer) => {
        const reply = unpackr.unpack(data) as { id: number; ok: boolean; code?: string };
        if (!c.sentAt.delete(reply.id)) return;
        acked++;
        if (!reply.ok) {
          rejected++;
          codes[reply.code!] = (codes[reply.code!] ?? 0) + 1;
        }
        if (running && performance.now() < endAt) sendOrder(c, 0);
        else if (running) {
          running = false;
          resolve();
        }
      });
      for (let i = 0; i < t.window; i++) sendOrder(c, 0);
    }
  });
  const seconds = t.durationSec;
  for (const c of conns) c.ws.terminate();
  return { ordersPerSec: acked / seconds, acked, rejected, codes };
}

async function wsLatency(t: Extract<Task, { kind: 'wsLatency' }>) {
  const conns = await Promise.all(t.keys.map((k) => openConn(t.url, signerOf(k))));
  const samples: number[] = [];
  let rejected = 0;
  for (const c of conns) {
    c.ws.on('message', (data: Buffer) => {
      const reply = unpackr.unpack(data) as { id: number; ok: boolean };
      const t0 = c.sentAt.get(reply.id);
      if (t0 === undefined) return;
      c.sentAt.delete(reply.id);
      samples.push((performance.now() - t0) * 1000);
      if (!reply.ok) rejected++;
    });
  }
  const start = performance.now();
  const total = t.ratePerSec * t.durationSec;
  let sent = 0;
  await new Promise<void>((resolve) => {
    const pump = () => {
      const now = performance.now();
      // Open loop: each order has a scheduled time; latency counts from it, so queueing is not hidden.
      const due = Math.min(total, Math.floor(((now - start) * t.ratePerSec) / 1000));
      while (sent < due) {
        const scheduled = start + (sent * 1000) / t.ratePerSec;
        sendOrder(conns[sent % conns.length], scheduled);
        sent++;
      }
      if (sent < total) setImmediate(pump);
      else resolve();
    };
    pump();
  });
  const drainUntil = performance.now() + 5_000;
  while (samples.length < sent && performance.now() < drainUntil) await new Promise((r) => setTimeout(r, 10));
  for (const c of conns) c.ws.terminate();
  samples.sort((a, b) => a - b);
  const pct = (p: number) =>
    samples[Math.min(samples.length - 1, Math.max(0, Math.ceil((p / 100) * samples.length) - 1))];
  const seconds = (performance.now() - start) / 1000;
  return {
    sent,
    acked: samples.length,
    rejected,
    achievedRate: sent / t.durationSec,
    p50: pct(50),
    p99: pct(99),
    p999: pct(99.9),
    seconds,
  };
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
