/**
 * What the gateway benches share (bench/gateway.bench.ts, bench/gateway-latency.ts):
 * the gateway under test with its journal, markets, funded accounts and keys,
 * and the child process that runs a load task (bench/gateway-load.ts).
 */
import { fork } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { moduleLoaderArgs, siblingModule } from '../bin/source-files.ts';
import type { Command } from '../core/commands.ts';
import { Engine } from '../core/engine.ts';
import { DEFAULT_LOOP_OPTIONS, Loop } from '../core/loop.ts';
import { CommitFeed } from '../gateway/commit-feed.ts';
import { type Gateway, startGateway } from '../gateway/server.ts';
import { openStore } from '../persistence/store.ts';
import type { KeySpec, Task } from './gateway-load.ts';
import type { TurnHook } from './loop-watch.ts';

/** Seconds each measured load run lasts. */
export const DURATION_SEC = 5;
/** Funded accounts, each with an Ed25519 and an HMAC key. */
export const ACCOUNTS = 64;
const BTC_PRICE = 60_000_000_000;
const ETH_PRICE = 3_000_000_000;

const OPEN_LIMITS = {
  connectionRatePerSec: 10_000_000,
  connectionBurst: 10_000_000,
  keyRatePerSec: 10_000_000,
  keyBurst: 10_000_000,
  httpAddressRatePerSec: 10_000_000,
  httpAddressBurst: 10_000_000,
  slowConsumerBytes: 64 * 1024 * 1024,
};

export function runLoad<T>(task: Task, onMessage?: (m: unknown) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = fork(siblingModule(import.meta.url, 'gateway-load'), [], {
      // CLEARLOOP_BENCH_LOAD_ARGV: extra node flags for the generator (e.g. "--cpu-prof --cpu-prof-dir=DIR").
      execArgv: [...moduleLoaderArgs(), ...(process.env.CLEARLOOP_BENCH_LOAD_ARGV ?? '').split(' ').filter(Boolean)],
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

export interface Setup {
  engine: Engine;
  loop: Loop;
  gw: Gateway;
  ed: KeySpec[];
  hmac: KeySpec[];
  journal: string;
  /** Called after every turn with its lag and duration (seconds) while set. */
  turnHook: TurnHook;
  close(): Promise<void>;
}

export async function setup(worker = false): Promise<Setup> {
  const dir = mkdtempSync(join(tmpdir(), 'clearloop-gw-bench-'));
  // The journal commits every turn before its acks (as in bin/server.ts); history rows are off (see the
  // header: bin/server.ts derives them in a background worker that would take the load generator's core).
  const store = openStore(join(dir, 'journal.sqlite'), { synchronous: 'NORMAL', history: 'off' });
  if (worker) store.startBackground();
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
  const turnHook: Setup['turnHook'] = { fn: null };
  const gw = await startGateway({
    engine,
    loop,
    feed,
    limits: OPEN_LIMITS,
    tickIntervalMs: 5,
    onTurn: (lag, turn) => turnHook.fn?.(lag, turn),
  });
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
    turnHook,
    journal: `sqlite WAL, synchronous=NORMAL, group commit per turn; history off; ${worker ? 'WAL checkpoints and snapshots by the background worker' : 'SQLite auto-checkpoints in the loop'}`,
    async close() {
      await gw.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
