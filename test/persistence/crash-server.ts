/** The crash loop's server side: seeded randomness and the real server process (test/persistence/crash-helpers.ts). */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const LOOPBACK = '127.0.0.1';

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

export const between = (rng: Rng, lo: number, hi: number): number => lo + (hi - lo) * rng();
export const intBetween = (rng: Rng, lo: number, hi: number): number => Math.floor(between(rng, lo, hi + 1));
export const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)];
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

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
    // No start-up warm-up (~0.5 s a start, 50 starts): server-main.test.ts covers it.
    loop: { ...section('loop'), hashEveryTurns: o.hashEveryTurns, warmupCrashes: 0 },
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
