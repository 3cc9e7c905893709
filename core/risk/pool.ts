/**
 * The risk pool: a thin wrapper over piscina for the population-wide
 * portfolio-margin work (full recomputes, scenario rebuilds).
 *
 *   caller ──recomputeAll(snapshot, set)──▶ split rows into tasks ──▶ piscina
 *     ▲                                        (shared memory: no copies)
 *     └── Promise<outcome>: resolves, never rejects ◀── all tasks done
 *                                               │ or one failed / the deadline passed
 *                                               └─▶ failure value; the caller keeps
 *                                                   its last good result or falls back
 *
 * Bounded: at most `maxPendingJobs` jobs of each kind in flight; a call beyond
 * that is refused at once as OVERLOADED (counted). A job past `timeoutMs` is
 * aborted — piscina terminates workers still running its tasks and starts
 * fresh ones — and resolves as TIMEOUT. A worker that throws or dies makes
 * the job WORKER_FAILED. Time comes from the injected clock (core/ reads no
 * clock of its own); the bin/ entry point passes the real one.
 */
import type { Worker } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { checkScenarioConfig, type ScenarioConfig } from './config.ts';
import { checkHistory, type PriceHistory, RiskInputError } from './history.ts';
import { checkScenarioSet, type ScenarioSet } from './scenarios.ts';
import { checkSnapshot, type PositionSnapshot, sharedFloat64 } from './snapshot.ts';
import type { ChargeTask, RiskReply, RiskTask, ScenarioReply } from './tasks.ts';

export interface PoolClock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  /**
   * Monotonic milliseconds with sub-ms resolution, for job durations (a
   * recompute of a few accounts takes well under a millisecond, which a
   * wall clock in whole ms reads as 0). Default: now().
   */
  elapsed?(): number;
}

export interface RiskPoolOptions {
  /** Worker threads (1–64); leave the engine's loop a core of its own. */
  threads: number;
  /** A job not done within this many ms is aborted and reported as TIMEOUT. */
  timeoutMs: number;
  clock: PoolClock;
  /** Jobs of each kind (recompute, rebuild) that may be in flight at once; default 1. */
  maxPendingJobs?: number;
  /** Smallest task, in rows, so that dispatch stays a small share of the work; default 2,048. */
  minRowsPerTask?: number;
  /** Tasks per thread and job, for balance when threads run at uneven speed; default 4. */
  tasksPerThread?: number;
  /** Worker module (file URL or path); default worker.ts beside this file, loaded through tsx. */
  workerFile?: string;
  /** Node flags for the workers; default ['--import', 'tsx'] for a .ts worker file. */
  execArgv?: string[];
  /** Passed to every worker (piscina workerData); fault-injection workers in tests read it. */
  workerData?: unknown;
}

export type RiskFailureCode = 'OVERLOADED' | 'TIMEOUT' | 'WORKER_FAILED' | 'BAD_INPUT' | 'CLOSED';

export interface RiskFailure {
  readonly ok: false;
  readonly code: RiskFailureCode;
  readonly message: string;
}

export interface RecomputeResult {
  readonly ok: true;
  /** The snapshot's seq: these charges price the positions as of that command. */
  readonly seqUsed: number;
  /** The snapshot's time (ms): the age of these charges counts from here. */
  readonly tsUsed: number;
  /** The scenario set's version. */
  readonly version: number;
  readonly accounts: Int32Array;
  /** ⌈scenario charge⌉ per row, integer quote units. */
  readonly charges: Float64Array;
  /** ⌈max(charge, floor × cross)⌉ per row when the snapshot carried cross requirements. */
  readonly requirements: Float64Array | null;
  readonly tasks: number;
  readonly durationMs: number;
}

export type RecomputeOutcome = RecomputeResult | RiskFailure;
export type RebuildOutcome =
  | { readonly ok: true; readonly set: ScenarioSet; readonly durationMs: number }
  | RiskFailure;

/** Counters since the pool started (calls include refused ones). */
export interface RiskPoolMetrics {
  recomputes: number;
  recomputesOk: number;
  rebuilds: number;
  rebuildsOk: number;
  /** Calls refused because the bounded queue was full. */
  overloads: number;
  timeouts: number;
  workerFailures: number;
  badInputs: number;
  /** Tasks handed to piscina. */
  tasks: number;
  /** Jobs running now. */
  inFlight: number;
  lastRecomputeMs: number;
  lastRebuildMs: number;
}

export const MAX_RISK_THREADS = 64;
const DEFAULTS = { maxPendingJobs: 1, minRowsPerTask: 2_048, tasksPerThread: 4 };

type JobKind = 'recompute' | 'rebuild';

function failure(code: RiskFailureCode, message: string): RiskFailure {
  return { ok: false, code, message };
}

function positiveInt(name: string, v: unknown, max: number): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1 || v > max) {
    throw new RangeError(`options.${name} must be an integer within [1, ${max}], got ${String(v)}`);
  }
  return v;
}

/** A copy of `a` in shared memory, unless it is there already. */
function shared(a: Float64Array): Float64Array {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  const out = sharedFloat64(a.length);
  out.set(a);
  return out;
}

export class RiskPool {
  readonly #piscina: Piscina<RiskTask, RiskReply>;
  readonly #clock: PoolClock;
  readonly #elapsed: () => number;
  readonly #threads: number;
  readonly #timeoutMs: number;
  readonly #maxPending: number;
  readonly #minRows: number;
  readonly #tasksPerThread: number;
  readonly #inFlight: Record<JobKind, number> = { recompute: 0, rebuild: 0 };
  /** Sets already checked and copied to shared memory, by identity. */
  readonly #sharedSets = new WeakMap<ScenarioSet, ScenarioSet>();
  readonly #m: RiskPoolMetrics = {
    recomputes: 0,
    recomputesOk: 0,
    rebuilds: 0,
    rebuildsOk: 0,
    overloads: 0,
    timeouts: 0,
    workerFailures: 0,
    badInputs: 0,
    tasks: 0,
    inFlight: 0,
    lastRecomputeMs: 0,
    lastRebuildMs: 0,
  };
  #closed = false;

  constructor(options: RiskPoolOptions) {
    this.#threads = positiveInt('threads', options.threads, MAX_RISK_THREADS);
    this.#timeoutMs = positiveInt('timeoutMs', options.timeoutMs, 86_400_000);
    this.#maxPending = positiveInt('maxPendingJobs', options.maxPendingJobs ?? DEFAULTS.maxPendingJobs, 16);
    this.#minRows = positiveInt('minRowsPerTask', options.minRowsPerTask ?? DEFAULTS.minRowsPerTask, 1 << 24);
    this.#tasksPerThread = positiveInt('tasksPerThread', options.tasksPerThread ?? DEFAULTS.tasksPerThread, 64);
    const clock = options.clock;
    if (typeof clock?.now !== 'function' || typeof clock.setTimeout !== 'function') {
      throw new TypeError('options.clock must provide now(), setTimeout() and clearTimeout()');
    }
    this.#clock = clock;
    this.#elapsed = typeof clock.elapsed === 'function' ? () => clock.elapsed!() : () => clock.now();
    // The worker beside this module: worker.ts from the sources (loaded through tsx), worker.js compiled.
    const own = import.meta.url.endsWith('.ts') ? './worker.ts' : './worker.js';
    const filename = options.workerFile ?? new URL(own, import.meta.url).href;
    this.#piscina = new Piscina<RiskTask, RiskReply>({
      filename,
      execArgv: options.execArgv ?? (filename.endsWith('.ts') ? ['--import', 'tsx'] : []),
      minThreads: this.#threads,
      maxThreads: this.#threads,
      idleTimeout: Number.POSITIVE_INFINITY,
      // Bounded: every task of the jobs admitted, never more.
      maxQueue: this.#threads * this.#tasksPerThread * this.#maxPending * 2,
      workerData: options.workerData,
    });
    // A worker that dies is replaced by piscina, and its task's rejection carries the failure to
    // the job; an 'error' without a listener would throw in the caller's thread instead.
    this.#piscina.on('error', () => {});
  }

  /**
   * Charges of every row of `snapshot` over `set`, on the pool. Never
   * rejects, never waits: the checks and task dispatch run now, the result
   * arrives later. Rows go to workers as shared memory (copied there first
   * when the snapshot's arrays are not shared).
   */
  recomputeAll(snapshot: PositionSnapshot, set: ScenarioSet): Promise<RecomputeOutcome> {
    const refused = this.#admit('recompute');
    if (refused !== null) return Promise.resolve(refused);
    let tasks: ChargeTask[];
    let charges: Float64Array;
    let requirements: Float64Array | null;
    try {
      const s = this.#sharedSet(set);
      checkSnapshot(snapshot, s);
      const rows = snapshot.accounts.length;
      charges = sharedFloat64(rows);
      requirements = snapshot.cross === null ? null : sharedFloat64(rows);
      const positions = shared(snapshot.positions);
      const cross = snapshot.cross === null ? null : shared(snapshot.cross);
      const base = {
        kind: 'charges' as const,
        set: s,
        positions,
        prices: snapshot.prices,
        charges,
        cross,
        requirements,
      };
      tasks = this.#split(rows).map(([from, to]) => ({ ...base, from, to, floorE6: snapshot.floorE6 }));
    } catch (err) {
      return Promise.resolve(this.#refuseInput('recompute', err));
    }
    const started = this.#elapsed();
    return this.#run('recompute', tasks, () => {
      const durationMs = this.#elapsed() - started;
      this.#m.recomputesOk++;
      this.#m.lastRecomputeMs = durationMs;
      return {
        ok: true as const,
        seqUsed: snapshot.seq,
        tsUsed: snapshot.ts,
        version: set.version,
        accounts: snapshot.accounts,
        charges,
        requirements,
        tasks: tasks.length,
        durationMs,
      };
    });
  }

  /** A new scenario set from the price history, built on the pool. Never rejects. */
  rebuildScenarios(history: PriceHistory, config: ScenarioConfig, version: number): Promise<RebuildOutcome> {
    const refused = this.#admit('rebuild');
    if (refused !== null) return Promise.resolve(refused);
    try {
      const bad = checkScenarioConfig(config);
      if (bad !== null) throw new RiskInputError('BAD_CONFIG', bad);
      checkHistory(history);
      if (!Number.isSafeInteger(version) || version < 0) throw new RiskInputError('BAD_CONFIG', 'version must be ≥ 0');
    } catch (err) {
      return Promise.resolve(this.#refuseInput('rebuild', err));
    }
    const started = this.#elapsed();
    return this.#run('rebuild', [{ kind: 'scenarios', history, config, version }], (replies) => {
      const durationMs = this.#elapsed() - started;
      this.#m.rebuildsOk++;
      this.#m.lastRebuildMs = durationMs;
      return { ok: true as const, set: (replies[0] as ScenarioReply).set, durationMs };
    });
  }

  metrics(): RiskPoolMetrics {
    return { ...this.#m, inFlight: this.#inFlight.recompute + this.#inFlight.rebuild };
  }

  /** The live worker threads (for operations and fault-injection tests). */
  get threads(): readonly Worker[] {
    return this.#piscina.threads;
  }

  /** Stop every worker; jobs in flight resolve as CLOSED, later calls too. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#piscina.destroy();
  }

  #admit(kind: JobKind): RiskFailure | null {
    if (kind === 'recompute') this.#m.recomputes++;
    else this.#m.rebuilds++;
    if (this.#closed) return failure('CLOSED', 'the risk pool is closed');
    if (this.#inFlight[kind] >= this.#maxPending) {
      this.#m.overloads++;
      return failure('OVERLOADED', `${this.#inFlight[kind]} ${kind} job(s) in flight, at most ${this.#maxPending}`);
    }
    return null;
  }

  #refuseInput(kind: JobKind, err: unknown): RiskFailure {
    this.#m.badInputs++;
    return failure('BAD_INPUT', `${kind}: ${err instanceof Error ? err.message : String(err)}`);
  }

  /** Row ranges: enough tasks to balance the threads, none below the minimum size (even, so pairs align). */
  #split(rows: number): [number, number][] {
    const maxTasks = this.#threads * this.#tasksPerThread;
    const count = Math.max(1, Math.min(maxTasks, Math.ceil(rows / this.#minRows)));
    const size = Math.ceil(rows / count / 2) * 2;
    const out: [number, number][] = [];
    for (let from = 0; from < rows; from += size) out.push([from, Math.min(rows, from + size)]);
    if (out.length === 0) out.push([0, 0]);
    return out;
  }

  #sharedSet(set: ScenarioSet): ScenarioSet {
    const known = this.#sharedSets.get(set);
    if (known !== undefined) return known;
    const bad = checkScenarioSet(set);
    if (bad !== null) throw new RiskInputError('BAD_SCENARIOS', bad);
    const s: ScenarioSet = {
      ...set,
      scenarios: shared(set.scenarios),
      byMarket: shared(set.byMarket),
      weights: shared(set.weights),
      volatilities: shared(set.volatilities),
      correlations: shared(set.correlations),
      ranges: shared(set.ranges),
    };
    this.#sharedSets.set(set, s);
    return s;
  }

  /** Run one job's tasks; settle once: done, first failure, or deadline. */
  #run<R>(kind: JobKind, tasks: RiskTask[], done: (replies: RiskReply[]) => R): Promise<R | RiskFailure> {
    this.#inFlight[kind]++;
    this.#m.tasks += tasks.length;
    const abort = new AbortController();
    return new Promise((resolve) => {
      let settled = false;
      const settle = (outcome: R | RiskFailure) => {
        if (settled) return;
        settled = true;
        this.#clock.clearTimeout(timer);
        this.#inFlight[kind]--;
        resolve(outcome);
      };
      const timer = this.#clock.setTimeout(() => {
        if (settled) return;
        this.#m.timeouts++;
        settle(failure('TIMEOUT', `${kind} took longer than ${this.#timeoutMs} ms`));
        abort.abort(new Error('risk job timed out'));
      }, this.#timeoutMs);
      const fail = (err: unknown) => {
        if (settled) return;
        const message = err instanceof Error ? err.message : String(err);
        if (this.#closed) {
          settle(failure('CLOSED', `the risk pool closed during the ${kind}`));
        } else {
          this.#m.workerFailures++;
          settle(failure('WORKER_FAILED', `${kind}: ${message}`));
        }
        abort.abort(new Error('a sibling task failed')); // free the other workers
      };
      try {
        Promise.all(tasks.map((t) => this.#piscina.run(t, { signal: abort.signal }))).then((replies) => {
          try {
            settle(done(replies));
          } catch (err) {
            fail(err);
          }
        }, fail);
      } catch (err) {
        fail(err); // piscina refused synchronously
      }
    });
  }
}
