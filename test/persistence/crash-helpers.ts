/**
 * Crash-loop scaffolding shared by test/persistence/crash-loop.test.ts and
 * scripts/crash-soak.ts: the REAL server process (bin/server.ts, spawned as
 * `node --import tsx`) on 127.0.0.1 with a temp journal, driven over
 * WebSocket with signed commands through the SDK, SIGKILLed at seeded random
 * moments and restarted, and after every kill (while it is stopped) checked:
 *
 *   - `PRAGMA integrity_check` is ok on the journal and the history database;
 *   - the journal is contiguous from seq 1, every row passes its CRC, and the
 *     rows journaled before the previous kill are still there, unchanged;
 *   - every command the server acknowledged is in the journal: an accepted
 *     one at the seq its reply named (same type, fields, key and nonce), an
 *     engine rejection (its reply carries no seq) by its key and nonce;
 *   - a fresh Engine replaying every journaled entry from seq 1 matches every
 *     hash checkpoint in the journal, and its final state hash equals the
 *     hash of the store's own recovery (newest snapshot + journal tail, the
 *     store opened read-only);
 *   - on the next start, the server's "recovered seq N (...), state H" line
 *     names that seq and (the first 16 hex digits of) that hash.
 *
 * Nothing here writes to the journal database: every check opens it read-only,
 * so the server recovers from exactly the files the kill left behind.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createPrivateKey, randomInt } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import type { Command } from '../../core/commands.ts';
import { Engine } from '../../core/engine.ts';
import { isEngineCode } from '../../gateway/errors.ts';
import { type CommandAck, GatewayClient, GatewayError } from '../../gateway/sdk/client.ts';
import { ed25519Signer, generateEd25519Key, type Signer } from '../../gateway/sdk/signer.ts';
import { JournalReader } from '../../persistence/journal-reader.ts';
import { openStore } from '../../persistence/store.ts';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const LOOPBACK = '127.0.0.1';

// ───────────────────────────── seeded randomness ─────────────────────────────

export type Rng = () => number;

/** mulberry32: a small, fast, seedable PRNG (uniform in [0, 1)). */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FC_SEED (or `explicit`) when given, else a fresh random 31-bit seed. */
export function resolveSeed(explicit?: string | number | null): number {
  const raw = explicit ?? process.env.FC_SEED;
  if (raw !== undefined && raw !== null && String(raw).trim() !== '') {
    const n = Number(raw);
    if (!Number.isSafeInteger(n)) throw new Error(`seed must be an integer, got ${JSON.stringify(raw)}`);
    return n >>> 0;
  }
  return randomInt(0, 2 ** 31 - 1);
}

const between = (rng: Rng, lo: number, hi: number): number => lo + (hi - lo) * rng();
const intBetween = (rng: Rng, lo: number, hi: number): number => Math.floor(between(rng, lo, hi + 1));
const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)];
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// ───────────────────────────── the server process ─────────────────────────────

export interface ServerConfigOptions {
  /** persistence.snapshotEverySeq */
  snapshotEverySeq: number;
  /** persistence.snapshotEveryMs (the config allows ≥ 1000) */
  snapshotEveryMs: number;
  retainSnapshots: number;
  /** loop.hashEveryTurns: a hash checkpoint every N turns */
  hashEveryTurns: number;
  /** oracle.intervalMs of the simulated oracle (prices move) */
  oracleIntervalMs: number;
  synchronous: 'NORMAL' | 'FULL';
}

export const DEFAULT_SERVER_CONFIG: ServerConfigOptions = {
  snapshotEverySeq: 150,
  snapshotEveryMs: 1_000,
  retainSnapshots: 3,
  hashEveryTurns: 25,
  oracleIntervalMs: 100,
  synchronous: 'NORMAL',
};

/** A config of config/default.json's shape: loopback, port 0, the journal at `dbPath`, fast snapshots. */
export function writeServerConfig(dir: string, dbPath: string, seed: number, o: ServerConfigOptions): string {
  const base = JSON.parse(readFileSync(join(REPO_ROOT, 'config', 'default.json'), 'utf8')) as Record<string, unknown>;
  const section = (k: string) => (base[k] ?? {}) as Record<string, unknown>;
  const config = {
    ...base,
    gateway: { ...section('gateway'), host: LOOPBACK, port: 0 },
    persistence: {
      ...section('persistence'),
      path: dbPath,
      synchronous: o.synchronous,
      snapshotEverySeq: o.snapshotEverySeq,
      snapshotEveryMs: o.snapshotEveryMs,
      retainSnapshots: o.retainSnapshots,
    },
    oracle: { ...section('oracle'), simulated: true, intervalMs: o.oracleIntervalMs, seed: seed % 2 ** 31 },
    loop: { ...section('loop'), hashEveryTurns: o.hashEveryTurns },
  };
  const path = join(dir, 'config.json');
  writeFileSync(path, `${JSON.stringify(config, null, 2)}\n`);
  return path;
}

/** Every server this module started and that has not exited yet. */
const LIVE = new Set<ChildProcess>();
let exitHookInstalled = false;

/** SIGKILL every server this module started that is still running (synchronous: safe in 'exit'). */
export function killAllServers(): void {
  for (const child of LIVE) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', killAllServers);
}

export interface RecoveredLine {
  seq: number;
  kind: string;
  /** The first 16 hex digits of the state hash (all the log line prints). */
  hashPrefix: string;
}

/** One run of `node --import tsx bin/server.ts <config>`, with its log parsed as it arrives. */
export class ServerProcess {
  readonly child: ChildProcess;
  readonly spawnedAt = performance.now();
  recovered: RecoveredLine | null = null;
  port: number | null = null;
  exited = false;
  exitCode: number | null = null;
  exitSignal: NodeJS.Signals | null = null;
  readonly notes: string[] = [];
  private out = '';
  private errTail = '';
  private readonly exitPromise: Promise<void>;
  private readonly listeners: (() => void)[] = [];

  constructor(configPath: string, dbPath: string) {
    installExitHook();
    this.child = spawn(process.execPath, ['--import', 'tsx', 'bin/server.ts', configPath], {
      cwd: REPO_ROOT,
      env: { ...process.env, CLEARLOOP_DATA_PATH: dbPath, CLEARLOOP_PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    LIVE.add(this.child);
    this.exitPromise = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exited = true;
        this.exitCode = code;
        this.exitSignal = signal;
        LIVE.delete(this.child);
        this.wake();
        resolve();
      });
    });
    this.child.stdout!.setEncoding('utf8');
    this.child.stdout!.on('data', (chunk: string) => this.onStdout(chunk));
    this.child.stderr!.setEncoding('utf8');
    this.child.stderr!.on('data', (chunk: string) => {
      this.errTail = (this.errTail + chunk).slice(-4_000);
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get stderrTail(): string {
    return this.errTail;
  }

  private wake(): void {
    for (const l of this.listeners.splice(0)) l();
  }

  private onStdout(chunk: string): void {
    this.out += chunk;
    let nl = this.out.indexOf('\n');
    while (nl >= 0) {
      this.onLine(this.out.slice(0, nl));
      this.out = this.out.slice(nl + 1);
      nl = this.out.indexOf('\n');
    }
  }

  private onLine(line: string): void {
    const rec = /recovered seq (\d+) \(([a-z]+)\), state ([0-9a-f]+)/.exec(line);
    if (rec !== null) this.recovered = { seq: Number(rec[1]), kind: rec[2], hashPrefix: rec[3] };
    const listening = /clearloop listening on http:\/\/([0-9.]+):(\d+) /.exec(line);
    if (listening !== null) {
      if (listening[1] !== LOOPBACK) this.notes.push(`listening on ${listening[1]}, not ${LOOPBACK}`);
      this.port = Number(listening[2]);
    }
    if (/snapshot failed|recovery: /.test(line)) this.notes.push(line.replace(/^\S+ /, ''));
    this.wake();
  }

  /** Resolves once the server prints its listening line; throws if it exits first or takes too long. */
  async ready(timeoutMs = 30_000): Promise<number> {
    const deadline = performance.now() + timeoutMs;
    while (this.port === null) {
      if (this.exited) {
        throw new Error(
          `server exited (code ${this.exitCode}, signal ${this.exitSignal}) before listening; stderr:\n${this.errTail}`,
        );
      }
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`server not listening after ${timeoutMs} ms; stderr:\n${this.errTail}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 250));
        this.listeners.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.port;
  }

  /** SIGKILL and wait for the process to be gone. */
  async kill(): Promise<void> {
    if (!this.exited) this.child.kill('SIGKILL');
    await this.exitPromise;
  }

  /** Wait for exit (after a signal someone else sent). */
  waitExit(): Promise<void> {
    return this.exitPromise;
  }
}

// ───────────────────────────── the workload ─────────────────────────────

/** A signer that remembers the nonce of the request it signed last (the SDK signs synchronously in request()). */
class RecordingSigner implements Signer {
  last = 0;
  constructor(private readonly inner: Signer) {}
  get keyId(): string {
    return this.inner.keyId;
  }
  get scheme(): Signer['scheme'] {
    return this.inner.scheme;
  }
  sign(payload: string): string {
    return this.inner.sign(payload);
  }
  nextNonce(): number {
    this.last = this.inner.nextNonce();
    return this.last;
  }
}

/** A reply the server sent for a command: accepted (with its seq) or rejected by the engine (journaled, no seq). */
export interface AckRecord {
  ok: boolean;
  /** The seq from an accepted command's reply; null for a rejection (the reply carries none). */
  seq: number | null;
  code: string | null;
  op: string;
  params: Record<string, unknown>;
  keyId: string;
  nonce: number;
  /** The account a trader key acts for (null for admin ops). */
  account: number | null;
  epoch: number;
}

interface Trader {
  keyId: string;
  account: number;
  signer: RecordingSigner;
  /** Orders that rested, by id → market (fills and cancels are not tracked: a stale cancel is a rejection). */
  resting: Map<number, number>;
}

interface MarketRef {
  market: number;
  price: number;
  tickSize: number;
  minOrderSize: number;
}

export interface WorkloadCounters {
  sent: number;
  accepted: number;
  rejectedByEngine: number;
  /** Refused before the engine (rate limits, auth): never journaled. */
  refusedByGateway: number;
  /** DISCONNECTED / TIMEOUT: the outcome is unknown (the kill came first). */
  unknown: number;
  byOp: Record<string, number>;
  codes: Record<string, number>;
}

/** The commands the crash loop sends, and every reply it got; lives across restarts. */
export class Workload {
  readonly acks: AckRecord[] = [];
  /** Requests whose reply never came (keyId/nonce), to count how many still reached the journal. */
  readonly unknown: { keyId: string; nonce: number; op: string }[] = [];
  readonly counters: WorkloadCounters = {
    sent: 0,
    accepted: 0,
    rejectedByEngine: 0,
    refusedByGateway: 0,
    unknown: 0,
    byOp: {},
    codes: {},
  };
  private readonly traders: Trader[] = [];
  private admin: RecordingSigner | null = null;
  private adminMaterial = '';
  private keyAttempts = 0;
  epoch = 0;

  constructor(
    private readonly rng: Rng,
    private readonly o: { traders: number; depositAmount: number },
  ) {}

  /** (Re)load the admin key the server wrote (kept across restarts, so its nonces keep rising). */
  loadAdminKey(keyPath: string): void {
    const k = JSON.parse(readFileSync(keyPath, 'utf8')) as { keyId: string; privateKeyPkcs8: string };
    if (this.admin !== null && k.privateKeyPkcs8 === this.adminMaterial) return;
    // The server writes the PKCS#8 DER as hex; the SDK only reads PEM (ed25519PrivateKeyFromPem).
    const key = createPrivateKey({ key: Buffer.from(k.privateKeyPkcs8, 'hex'), format: 'der', type: 'pkcs8' });
    this.admin = new RecordingSigner(ed25519Signer(k.keyId, key));
    this.adminMaterial = k.privateKeyPkcs8;
  }

  /**
   * Connect to the server on `port` and send commands until `stop()` resolves
   * (the caller kills the server, then resolves it). Returns when every
   * client is done and closed.
   */
  async run(port: number, stop: Promise<void>): Promise<void> {
    this.epoch++;
    const url = `ws://${LOOPBACK}:${port}`;
    let stopped = false;
    const clients: GatewayClient[] = [];
    const connect = async (signer: Signer, encoding: 'json' | 'msgpack') => {
      const c = await GatewayClient.connect({ url, signer, encoding, reconnect: false, requestTimeoutMs: 5_000 });
      clients.push(c);
      if (stopped) await c.close();
      return c;
    };
    const tasks: Promise<void>[] = [];
    const guard = (p: Promise<void>) =>
      tasks.push(
        p.catch((err) => {
          if (!stopped && !isConnectionLoss(err)) throw err;
        }),
      );
    const stopFlag = stop.then(() => {
      stopped = true;
    });
    try {
      if (this.admin === null) throw new Error('loadAdminKey first');
      const admin = await connect(this.admin, 'msgpack');
      const refs = await this.marketRefs(admin);
      const startTrader = (t: Trader, i: number) => {
        guard(
          (async () => {
            const c = await connect(t.signer, i % 2 === 0 ? 'json' : 'msgpack');
            // Two request streams per trader, so commands are in flight together (and at the kill).
            await Promise.all([0, 1].map(() => this.traderLoop(c, t, refs, () => stopped)));
          })(),
        );
      };
      this.traders.forEach(startTrader);
      guard(
        this.adminLoop(
          admin,
          (t) => startTrader(t, this.traders.length - 1),
          () => stopped,
        ),
      );
      await stopFlag;
    } catch (err) {
      if (!stopped && !isConnectionLoss(err)) throw err;
    } finally {
      await stopFlag;
      // Tasks may start tasks (a trader set up mid-run): wait until none is left.
      for (let n = 0; n < tasks.length; n = tasks.length) await Promise.all(tasks.slice(n));
      await Promise.all(clients.map((c) => c.close().catch(() => {})));
    }
  }

  private async marketRefs(c: GatewayClient): Promise<MarketRef[]> {
    const markets = await c.request<
      { market: number; markPrice: number; oraclePrice: number; params: { tickSize: number; minOrderSize: number } }[]
    >('markets', {});
    return markets.map((m) => ({
      market: m.market,
      price: m.markPrice > 0 ? m.markPrice : m.oraclePrice,
      tickSize: Math.max(1, m.params.tickSize),
      minOrderSize: Math.max(1, m.params.minOrderSize),
    }));
  }

  /** Send one signed command; record the reply. Resolves with the ack or null; never rejects on a server answer. */
  private async send(
    c: GatewayClient,
    signer: RecordingSigner,
    op: string,
    params: Record<string, unknown>,
    account: number | null,
  ): Promise<CommandAck | null> {
    signer.last = 0;
    const reply = c.request<CommandAck>(op, params);
    const nonce = signer.last;
    if (nonce === 0) {
      await reply.catch(() => {});
      return null; // not sent (the connection was already gone)
    }
    const n = this.counters;
    n.sent++;
    n.byOp[op] = (n.byOp[op] ?? 0) + 1;
    const base = { op, params, keyId: signer.keyId, nonce, account, epoch: this.epoch };
    try {
      const ack = await reply;
      n.accepted++;
      this.acks.push({ ...base, ok: true, seq: ack.seq, code: null });
      return ack;
    } catch (err) {
      const code = err instanceof GatewayError ? err.code : 'THROWN';
      n.codes[code] = (n.codes[code] ?? 0) + 1;
      if (code === 'DISCONNECTED' || code === 'TIMEOUT') {
        n.unknown++;
        this.unknown.push({ keyId: signer.keyId, nonce, op });
        throw err;
      }
      if (isEngineCode(code)) {
        n.rejectedByEngine++;
        this.acks.push({ ...base, ok: false, seq: null, code });
      } else {
        n.refusedByGateway++;
      }
      return null;
    }
  }

  private async adminLoop(c: GatewayClient, onTrader: (t: Trader) => void, stopped: () => boolean): Promise<void> {
    const admin = this.admin!;
    try {
      await this.adminSteps(c, admin, onTrader, stopped);
    } catch (err) {
      if (!isConnectionLoss(err)) throw err;
    }
  }

  private async adminSteps(
    c: GatewayClient,
    admin: RecordingSigner,
    onTrader: (t: Trader) => void,
    stopped: () => boolean,
  ): Promise<void> {
    while (!stopped()) {
      if (this.traders.length < this.o.traders) {
        const t = await this.setUpTrader(c, admin);
        if (t !== null) {
          this.traders.push(t);
          onTrader(t);
        }
        continue;
      }
      const r = this.rng();
      if (r < 0.85) {
        const t = pick(this.rng, this.traders);
        await this.send(
          c,
          admin,
          'deposit',
          { account: t.account, amount: intBetween(this.rng, 1, 1_000) * 1_000_000 },
          null,
        );
      } else if (r < 0.95) {
        await this.send(c, admin, 'createAccount', {}, null);
      } else {
        // A deposit to an account that does not exist: an engine rejection, journaled.
        await this.send(c, admin, 'deposit', { account: 1_000_000 + intBetween(this.rng, 0, 999), amount: 1 }, null);
      }
      await sleep(between(this.rng, 20, 120));
    }
  }

  /** createAccount → deposit → registerKey (a fresh key id each attempt: an attempt cut by a kill is abandoned). */
  private async setUpTrader(c: GatewayClient, admin: RecordingSigner): Promise<Trader | null> {
    const created = await this.send(c, admin, 'createAccount', {}, null);
    const account = created?.events.find((e) => e.type === 'accountCreated')?.account;
    if (typeof account !== 'number') return null;
    const deposited = await this.send(c, admin, 'deposit', { account, amount: this.o.depositAmount }, null);
    if (deposited === null) return null;
    const keyId = `crash-t${++this.keyAttempts}`;
    const { publicKeyHex, privateKey } = generateEd25519Key();
    const params = { keyId, account, roles: ['trader'], scheme: 'ed25519', publicKey: publicKeyHex };
    const registered = await this.send(c, admin, 'registerKey', params, null);
    if (registered === null) return null;
    return { keyId, account, signer: new RecordingSigner(ed25519Signer(keyId, privateKey)), resting: new Map() };
  }

  private async traderLoop(c: GatewayClient, t: Trader, refs: MarketRef[], stopped: () => boolean): Promise<void> {
    try {
      await this.traderSteps(c, t, refs, stopped);
    } catch (err) {
      if (!isConnectionLoss(err)) throw err;
    }
  }

  private async traderSteps(c: GatewayClient, t: Trader, refs: MarketRef[], stopped: () => boolean): Promise<void> {
    const rng = this.rng;
    while (!stopped()) {
      const ref = pick(rng, refs);
      const side = rng() < 0.5 ? 'buy' : 'sell';
      // $50–$5,000 of notional: small against the deposit, so most orders pass margin.
      const notionalE6 = between(rng, 50, 5_000) * 1e6;
      const size = Math.max(ref.minOrderSize, roundTo(Math.floor((notionalE6 / ref.price) * 1e9), ref.minOrderSize));
      const r = rng();
      if (r < 0.45) {
        // Mostly away from the mark (it rests), sometimes through it (it trades against the curve or the book).
        const away = rng() < 0.85 ? between(rng, 0.002, 0.03) : -between(rng, 0.0005, 0.005);
        const raw = side === 'buy' ? ref.price * (1 - away) : ref.price * (1 + away);
        const price = Math.max(ref.tickSize, roundTo(Math.round(raw), ref.tickSize));
        const params: Record<string, unknown> = { market: ref.market, side, size, price };
        const tif = rng();
        if (tif < 0.1) params.timeInForce = 'IOC';
        else if (tif < 0.2) params.postOnly = true;
        const ack = await this.send(c, t.signer, 'placeOrder', params, t.account);
        for (const e of ack?.events ?? []) {
          if (e.type === 'orderRested' && typeof e.orderId === 'number') t.resting.set(e.orderId, ref.market);
        }
      } else if (r < 0.7 && t.resting.size > 0) {
        const ids = [...t.resting.keys()];
        const orderId = pick(rng, ids);
        const market = t.resting.get(orderId)!;
        t.resting.delete(orderId);
        await this.send(c, t.signer, 'cancelOrder', { market, orderId }, t.account);
      } else if (r < 0.95) {
        await this.send(c, t.signer, 'marketOrder', { market: ref.market, side, size }, t.account);
      } else {
        await this.send(c, t.signer, 'cancelAll', { market: ref.market }, t.account);
        for (const [id, m] of t.resting) if (m === ref.market) t.resting.delete(id);
      }
      // Two streams per key at ~20–60 requests/s each stay under the per-key rate limit (100/s).
      await sleep(between(rng, 15, 45));
    }
  }
}

function roundTo(v: number, step: number): number {
  return step <= 1 ? v : Math.round(v / step) * step;
}

function isConnectionLoss(err: unknown): boolean {
  if (err instanceof GatewayError) return err.code === 'DISCONNECTED' || err.code === 'TIMEOUT';
  const code = (err as { code?: unknown })?.code;
  return code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'EPIPE';
}

// ───────────────────────────── verification ─────────────────────────────

export interface JournalRowRef {
  firstSeq: number;
  lastSeq: number;
  crc: number;
}

export interface Verification {
  /** The journal's last seq. */
  lastSeq: number;
  turns: number;
  /** Did this verification replay the whole journal into a brand-new Engine from seq 1? */
  fresh: boolean;
  /** Hash checkpoints the replay compared (the new turns, or all of them when fresh). */
  checkpoints: number;
  /** The replay's final state hash (= the read-only recovery's). */
  hash: string;
  /** How the read-only recovery started. */
  recoveryStart: string;
  snapshotSeqs: number[];
  /** Acknowledgements looked up in the journal by this verification. */
  acksChecked: number;
  ms: number;
}

export class VerificationError extends Error {
  constructor(readonly problems: string[]) {
    const shown = problems.slice(0, 20).join('\n  ');
    const more = problems.length > 20 ? `\n  … and ${problems.length - 20} more` : '';
    super(`crash-loop verification failed:\n  ${shown}${more}`);
    this.name = 'VerificationError';
  }
}

function integrity(path: string): string {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const rows = db.pragma('integrity_check') as { integrity_check: string }[];
    return rows.map((r) => r.integrity_check).join('; ');
  } finally {
    db.close();
  }
}

type JournaledCommand = Command & Record<string, unknown> & { auth?: { keyId: string; nonce: number } };

/** What of the journaled command must match the request that produced it. */
function commandMismatch(a: AckRecord, cmd: JournaledCommand): string | null {
  if (cmd.type !== a.op) return `type ${cmd.type}, expected ${a.op}`;
  for (const [k, v] of Object.entries(a.params)) {
    const field = a.op === 'registerKey' && k === 'publicKey' ? 'material' : k;
    if (JSON.stringify(cmd[field]) !== JSON.stringify(v)) {
      return `${field} = ${JSON.stringify(cmd[field])}, the request sent ${JSON.stringify(v)}`;
    }
  }
  if (a.account !== null && cmd.account !== a.account) return `account ${String(cmd.account)}, expected ${a.account}`;
  return null;
}

function listSnapshotSeqs(dir: string): number[] {
  if (!existsSync(dir)) return [];
  const out: number[] = [];
  for (const name of readdirSync(dir)) {
    const m = /^snapshot-(\d+)\.clsnap$/.exec(name);
    if (m !== null) out.push(Number(m[1]));
  }
  return out.sort((a, b) => a - b);
}

/**
 * Checks a stopped server's files (see the header). Between kills it keeps a
 * reference engine and replays only the turns journaled since the last check
 * (the turns before must be byte-for-byte unchanged: same seq ranges and
 * CRCs); a `fresh` check replays the whole journal into a new Engine from
 * seq 1 and looks every acknowledgement up again.
 */
export class JournalVerifier {
  private ref = new Engine();
  private rows: JournalRowRef[] = [];
  private acksDone = 0;
  private unknownDone = 0;
  /** Lost replies (DISCONNECTED) whose command is journaled nevertheless. */
  unknownJournaled = 0;
  /** Accepted registerKey commands journaled without `auth` (the admin's nonce is not consumed). */
  readonly unauthedKeyCommands: number[] = [];

  constructor(
    readonly dbPath: string,
    private readonly workload: Workload,
  ) {}

  get lastSeq(): number {
    return this.rows.length > 0 ? this.rows[this.rows.length - 1].lastSeq : 0;
  }

  async verify(fresh: boolean): Promise<Verification> {
    const t0 = performance.now();
    const problems: string[] = [];
    const dbPath = this.dbPath;

    for (const f of [dbPath, `${dbPath}.history`]) {
      if (!existsSync(f)) continue;
      const r = integrity(f);
      if (r !== 'ok') problems.push(`PRAGMA integrity_check on ${f}: ${r}`);
    }

    const engine = fresh ? new Engine() : this.ref;
    const bySeq = new Map<number, JournaledCommand>();
    const byNonce = new Map<string, number>();
    let checkpoints = 0;
    let rows: JournalRowRef[] = [];
    const db = new Database(dbPath, { readonly: true, fileMustExist: true });
    try {
      rows = (
        db.prepare('SELECT first_seq, last_seq, crc FROM journal ORDER BY first_seq').all() as {
          first_seq: number;
          last_seq: number;
          crc: number;
        }[]
      ).map((r) => ({ firstSeq: r.first_seq, lastSeq: r.last_seq, crc: r.crc }));
      // What was journaled before the last kill is still there, unchanged; the rest follows it without a gap.
      if (rows.length < this.rows.length) {
        problems.push(`the journal holds ${rows.length} turns, fewer than the ${this.rows.length} at the last check`);
      }
      let expect = 1;
      rows.forEach((r, i) => {
        const prev = this.rows[i];
        if (prev !== undefined && (prev.firstSeq !== r.firstSeq || prev.lastSeq !== r.lastSeq || prev.crc !== r.crc)) {
          problems.push(
            `journal turn ${i} changed since the last check: ${prev.firstSeq}..${prev.lastSeq} crc ${prev.crc} → ${r.firstSeq}..${r.lastSeq} crc ${r.crc}`,
          );
        }
        if (r.firstSeq !== expect) problems.push(`journal turn ${i} starts at seq ${r.firstSeq}, expected ${expect}`);
        expect = r.lastSeq + 1;
      });
      if (problems.length > 0) throw new VerificationError(problems);

      // Replay: every journaled entry (rejections, ticks, oracle prices included) from where the engine is.
      const reader = new JournalReader(db);
      const from = engine.seq + 1;
      for (const row of engine.seq < this.lastSeqOf(rows) ? reader.rows(from) : []) {
        if (row.lastSeq < from) continue;
        const checked = JournalReader.check(row);
        if (!checked.ok) {
          problems.push(`journal turn ${row.firstSeq}..${row.lastSeq} is bad: ${checked.reason}`);
          break;
        }
        for (const e of checked.turn.entries) {
          const cmd = e.cmd as JournaledCommand;
          if (cmd.auth !== undefined) byNonce.set(`${cmd.auth.keyId}/${cmd.auth.nonce}`, e.seq);
          if (cmd.type !== 'tick' && cmd.type !== 'oracle') bySeq.set(e.seq, cmd);
          let outcome: ReturnType<Engine['apply']>;
          try {
            outcome = engine.apply(e.cmd, e.ts);
          } catch (err) {
            problems.push(`replay: apply threw at seq ${e.seq}: ${(err as Error).message}`);
            break;
          }
          if (outcome.seq !== e.seq) problems.push(`replay: journal seq ${e.seq} applied as seq ${outcome.seq}`);
          if (!outcome.ok && outcome.code === 'INTERNAL_ERROR') {
            problems.push(`replay: INTERNAL_ERROR at seq ${e.seq} (${e.cmd.type}): ${outcome.message}`);
          }
        }
        if (row.hash !== null) {
          const h = engine.stateHash();
          if (h !== row.hash)
            problems.push(`replay: state hash at checkpoint seq ${row.lastSeq} is ${h}, journal says ${row.hash}`);
          else checkpoints++;
        }
        if (problems.length > 20) break;
      }
    } finally {
      db.close();
    }
    const lastSeq = this.lastSeqOf(rows);
    if (engine.seq !== lastSeq) problems.push(`replay ended at seq ${engine.seq}, the journal at seq ${lastSeq}`);

    // Every acknowledged command is durable, where its reply said.
    const acks = this.workload.acks;
    const firstAck = fresh ? 0 : this.acksDone;
    for (let i = firstAck; i < acks.length; i++) {
      const a = acks[i];
      if (a.ok) {
        const cmd = bySeq.get(a.seq!);
        if (cmd === undefined) {
          problems.push(
            `acknowledged ${a.op} (key ${a.keyId}, nonce ${a.nonce}) at seq ${a.seq} is not in the journal (which ends at seq ${lastSeq})`,
          );
          continue;
        }
        const mismatch = commandMismatch(a, cmd);
        if (mismatch !== null)
          problems.push(`seq ${a.seq}: acknowledged ${a.op}, journal holds ${cmd.type}: ${mismatch}`);
        else if (cmd.auth !== undefined && (cmd.auth.keyId !== a.keyId || cmd.auth.nonce !== a.nonce)) {
          problems.push(
            `seq ${a.seq}: journaled auth ${cmd.auth.keyId}/${cmd.auth.nonce}, the request had ${a.keyId}/${a.nonce}`,
          );
        } else if (cmd.auth === undefined) {
          if (a.op === 'registerKey' || a.op === 'revokeKey') {
            if (!this.unauthedKeyCommands.includes(a.seq!)) this.unauthedKeyCommands.push(a.seq!);
          } else problems.push(`seq ${a.seq}: journaled ${a.op} carries no auth`);
        }
      } else if (a.op !== 'registerKey' && a.op !== 'revokeKey') {
        // A rejection's reply names no seq; the signed command is journaled with its key and nonce.
        const seq = byNonce.get(`${a.keyId}/${a.nonce}`);
        if (seq === undefined) {
          problems.push(`engine-rejected ${a.op} (${a.code}, key ${a.keyId}, nonce ${a.nonce}) is not in the journal`);
        } else {
          const mismatch = commandMismatch(a, bySeq.get(seq)!);
          if (mismatch !== null) problems.push(`seq ${seq}: rejected ${a.op} journaled differently: ${mismatch}`);
        }
      }
    }
    const unknown = this.workload.unknown;
    // (Their commands were sent after the last check, so they can only be in the turns replayed now.)
    for (let i = this.unknownDone; i < unknown.length; i++) {
      if (byNonce.has(`${unknown[i].keyId}/${unknown[i].nonce}`)) this.unknownJournaled++;
    }

    // The store's own recovery (newest good snapshot + the journal after it), read-only, against the replay.
    const hash = engine.stateHash();
    let recoveryStart = 'none';
    const store = openStore(dbPath, { readonly: true, history: 'off' });
    try {
      const { engine: recovered, report } = store.recovery.recover();
      recoveryStart = report.start.kind === 'snapshot' ? `snapshot@${report.start.seq}` : 'genesis';
      if (report.tornTail !== null)
        problems.push(`read-only recovery found a torn tail: ${JSON.stringify(report.tornTail)}`);
      if (report.replay.poisonCount > 0)
        problems.push(`read-only recovery met ${report.replay.poisonCount} poison commands`);
      if (recovered.seq !== lastSeq)
        problems.push(`read-only recovery reached seq ${recovered.seq}, the journal ends at ${lastSeq}`);
      const h = recovered.stateHash();
      if (h !== hash) {
        problems.push(
          `state hash after recovery (from ${recoveryStart}) ${h} ≠ ${fresh ? 'fresh replay from seq 1' : 'reference replay'} ${hash} at seq ${lastSeq}`,
        );
      }
    } catch (err) {
      problems.push(`read-only recovery failed: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      await store.close();
    }

    if (problems.length > 0) throw new VerificationError(problems);
    this.ref = engine;
    this.rows = rows;
    const acksChecked = acks.length - firstAck;
    this.acksDone = acks.length;
    this.unknownDone = unknown.length;
    return {
      lastSeq,
      turns: rows.length,
      fresh,
      checkpoints,
      hash,
      recoveryStart,
      snapshotSeqs: listSnapshotSeqs(`${dbPath}.snapshots`),
      acksChecked,
      ms: performance.now() - t0,
    };
  }

  private lastSeqOf(rows: JournalRowRef[]): number {
    return rows.length > 0 ? rows[rows.length - 1].lastSeq : 0;
  }
}

// ───────────────────────────── the crash loop ─────────────────────────────

export interface CrashLoopOptions {
  seed: number;
  /** Stop after this many kills… */
  kills: number;
  /** …or once this much time has passed, provided at least `minKills` were done. */
  maxDurationMs: number;
  minKills: number;
  /** How long a server runs after it listens, before its SIGKILL: uniform in [min, max] ms. */
  lifeMs: [number, number];
  /** Share of kills aimed at start-up (a random moment around recovery and the gateway coming up). */
  startupKillShare: number;
  /** Verify after every Nth kill (and always after the last). */
  verifyEvery: number;
  /** Every Nth verification replays the whole journal into a new Engine from seq 1 (so does the last). */
  freshEvery: number;
  traders: number;
  server: ServerConfigOptions;
  /** Keep the temp directory: always, only when the loop fails, or never. */
  keep: 'always' | 'on-failure' | 'never';
  log: (line: string) => void;
  /** Stop early (after the current cycle), still running the final checks. */
  signal?: AbortSignal;
}

export interface CrashLoopResult {
  seed: number;
  dir: string;
  kills: number;
  startupKills: number;
  verifications: number;
  freshReplays: number;
  /** Restarts whose "recovered seq, state" line was compared with the verified journal. */
  restartsChecked: number;
  recoveredFromSnapshot: number;
  elapsedMs: number;
  lastSeq: number;
  checkpoints: number;
  /** Distinct snapshot files seen (retention keeps a few at a time). */
  snapshotsSeen: number;
  counters: WorkloadCounters;
  unknownJournaled: number;
  unauthedKeyCommands: number;
  maxVerifyMs: number;
  /** Server log lines worth a look (skipped snapshots, torn tails, failed snapshots). */
  serverNotes: string[];
}

export async function runCrashLoop(o: CrashLoopOptions): Promise<CrashLoopResult> {
  const t0 = performance.now();
  // Two streams: the kill schedule (exactly reproducible from the seed) and the workload's choices
  // (reproducible only as far as the interleaving of replies allows).
  const schedule = mulberry32(o.seed);
  const workloadRng = mulberry32((o.seed ^ 0x9e3779b9) >>> 0);
  const dir = mkdtempSync(join(tmpdir(), 'clearloop-crash-'));
  const dbPath = join(dir, 'journal.sqlite');
  const configPath = writeServerConfig(dir, dbPath, o.seed, o.server);
  const workload = new Workload(workloadRng, { traders: o.traders, depositAmount: 1_000_000 * 1_000_000 });
  const verifier = new JournalVerifier(dbPath, workload);
  const result: CrashLoopResult = {
    seed: o.seed,
    dir,
    kills: 0,
    startupKills: 0,
    verifications: 0,
    freshReplays: 0,
    restartsChecked: 0,
    recoveredFromSnapshot: 0,
    elapsedMs: 0,
    lastSeq: 0,
    checkpoints: 0,
    snapshotsSeen: 0,
    counters: workload.counters,
    unknownJournaled: 0,
    unauthedKeyCommands: 0,
    maxVerifyMs: 0,
    serverNotes: [],
  };
  const serverNotes = new Set<string>();
  const snapshots = new Set<number>();
  let expected: { seq: number; hash: string } | null = null;
  let lastWasFresh = false;
  const aborted = (): boolean => o.signal?.aborted === true;
  let server: ServerProcess | null = null;
  let startupMs = 1_000;
  let ok = false;
  o.log(`crash loop: seed ${o.seed} (replay with FC_SEED=${o.seed}), dir ${dir}`);

  const verify = async (label: string, fresh: boolean) => {
    const v = await verifier.verify(fresh);
    lastWasFresh = fresh;
    expected = { seq: v.lastSeq, hash: v.hash };
    result.verifications++;
    if (fresh) result.freshReplays++;
    result.lastSeq = v.lastSeq;
    result.checkpoints = v.fresh ? v.checkpoints : result.checkpoints + v.checkpoints;
    result.unknownJournaled = verifier.unknownJournaled;
    result.unauthedKeyCommands = verifier.unauthedKeyCommands.length;
    result.maxVerifyMs = Math.max(result.maxVerifyMs, v.ms);
    for (const s of v.snapshotSeqs) snapshots.add(s);
    result.snapshotsSeen = snapshots.size;
    o.log(
      `${label}: journal to seq ${v.lastSeq} (${v.turns} turns) ok — ${v.fresh ? 'fresh replay from seq 1' : 'replay of the new turns'}, ` +
        `${v.checkpoints} checkpoints, ${v.acksChecked} acks, recovery from ${v.recoveryStart}, ` +
        `snapshots [${v.snapshotSeqs.join(',')}], ${v.ms.toFixed(0)} ms`,
    );
  };
  const checkRecovered = (s: ServerProcess, label: string) => {
    const rec = s.recovered;
    const exp = expected as { seq: number; hash: string } | null;
    if (rec === null) throw new Error(`${label}: the server listened without printing its recovered seq`);
    if (rec.kind === 'snapshot') result.recoveredFromSnapshot++;
    for (const n of s.notes) if (/snapshot failed|torn|poison|skipped|listening on/.test(n)) serverNotes.add(n);
    if (exp === null) return;
    if (rec.seq !== exp.seq || !exp.hash.startsWith(rec.hashPrefix)) {
      throw new VerificationError([
        `${label}: the server recovered seq ${rec.seq} state ${rec.hashPrefix}…, but the journal ends at seq ${exp.seq} and its replay hashes to ${exp.hash}`,
      ]);
    }
    result.restartsChecked++;
  };

  try {
    for (let cycle = 1; ; cycle++) {
      const elapsed = performance.now() - t0;
      if (result.kills >= o.kills || (elapsed >= o.maxDurationMs && result.kills >= o.minKills)) break;
      if (aborted()) break;
      server = new ServerProcess(configPath, dbPath);
      const startupKill = cycle > 1 && schedule() < o.startupKillShare;
      const life = between(schedule, o.lifeMs[0], o.lifeMs[1]);
      if (startupKill) {
        // Somewhere from late module loading through recovery to the first turns after listening.
        await sleep(between(schedule, 0.6, 1.2) * startupMs);
        await server.kill();
        if (server.exitSignal !== 'SIGKILL' && aborted()) break; // a Ctrl-C reached the server too
        result.startupKills++;
        if (server.recovered !== null) checkRecovered(server, `cycle ${cycle}`);
      } else {
        try {
          await server.ready();
        } catch (err) {
          if (server.exited && aborted()) break;
          throw err;
        }
        if (cycle === 1) startupMs = performance.now() - server.spawnedAt;
        checkRecovered(server, `cycle ${cycle}`);
        workload.loadAdminKey(`${dbPath}.admin-key.json`);
        let release!: () => void;
        const stop = new Promise<void>((r) => {
          release = r;
        });
        const running = workload.run(server.port!, stop);
        const died = await Promise.race([sleep(life).then(() => false), server.waitExit().then(() => true)]);
        if (died) {
          release();
          await running.catch(() => {});
          if (aborted()) break;
          throw new Error(
            `the server died by itself (code ${server.exitCode}, signal ${server.exitSignal}); stderr:\n${server.stderrTail}`,
          );
        }
        await server.kill();
        release();
        await running;
      }
      if (server.exitSignal !== 'SIGKILL') {
        throw new Error(
          `the server exited with code ${server.exitCode} before its kill; stderr:\n${server.stderrTail}`,
        );
      }
      result.kills++;
      server = null;
      const last =
        result.kills >= o.kills ||
        (performance.now() - t0 >= o.maxDurationMs && result.kills >= o.minKills) ||
        aborted();
      if (result.kills % o.verifyEvery === 0 || last) {
        const fresh = last || (result.verifications + 1) % o.freshEvery === 0;
        await verify(`kill ${result.kills}${startupKill ? ' (start-up)' : ''}`, fresh);
      }
    }
    if (!lastWasFresh) await verify('final', true);
    // One more start: the server must recover exactly what the last check saw.
    server = new ServerProcess(configPath, dbPath);
    await server.ready();
    checkRecovered(server, 'final start');
    await server.kill();
    server = null;
    ok = true;
  } finally {
    if (server !== null) await server.kill();
    killAllServers();
    result.elapsedMs = performance.now() - t0;
    result.serverNotes = [...serverNotes];
    const keep = o.keep === 'always' || (o.keep === 'on-failure' && !ok);
    if (keep) o.log(`crash loop: files kept in ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
    if (!ok) o.log(`crash loop: FAILED with seed ${o.seed} (rerun with FC_SEED=${o.seed})`);
  }
  return result;
}
