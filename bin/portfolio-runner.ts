/**
 * The portfolio-margin runner: the engine's loop on one side, the risk pool
 * (core/risk/pool.ts) on the other, joined only by journaled commands.
 *
 *   after a turn ──▶ sample oracle prices (every horizon) ──▶ bounded history
 *        │                                       └─ every rebuildEveryMs ─▶ pool.rebuildScenarios
 *        │                                                                      │ ok
 *        └─ snapshotOf(portfolio accounts) ──▶ pool.recomputeAll                ▼
 *                                                  │ ok          recompute over the new set, then
 *                                                  ▼             submit scenarioSet (+ portfolioMargin)
 *                                       loop.submit(portfolioMargin)
 *
 * The loop never waits for the pool: results arrive as promises and are
 * queued as ordinary commands for a later turn (replay applies them from the
 * journal, no pool). A failure — overload, timeout, a dead worker — is
 * counted and submits nothing: the engine keeps the charges it holds, and
 * once they age past maxChargeAgeMs it holds accounts to cross margin and
 * says so (portfolioFallback). Time comes from the injected clock.
 */
import type { Worker } from 'node:worker_threads';
import type { PortfolioMarginCommand } from '../core/commands.ts';
import type { Engine, Outcome } from '../core/engine.ts';
import type { Loop } from '../core/loop.ts';
import { scenarioSetCommand } from '../core/portfolio/scenario-command.ts';
import { portfolioAccounts, setInForce } from '../core/portfolio/state.ts';
import { resolveScenarioConfig, type ScenarioConfig } from '../core/risk/config.ts';
import {
  type PoolClock,
  type RecomputeResult,
  type RiskFailureCode,
  RiskPool,
  type RiskPoolMetrics,
  type RiskPoolOptions,
} from '../core/risk/pool.ts';
import type { ScenarioSet } from '../core/risk/scenarios.ts';
import { snapshotOf } from '../core/risk/snapshot.ts';
import { PriceSampler } from './portfolio-history.ts';

export interface PortfolioRunnerOptions {
  /** Pool threads (leave the loop a core) and the deadline of one pool job. */
  threads: number;
  timeoutMs: number;
  /** Least time between two recomputes (0: after every turn, one at a time). */
  recomputeEveryMs?: number;
  /** The margin horizon: oracle prices are sampled this often (ms). */
  horizonMs?: number;
  /** Observations kept (N + 1 prices give N returns); default the config's historicalObservations + 1. */
  historyObservations?: number;
  /** No scenario set is built from fewer observations than this. */
  minObservations?: number;
  /** Least time between two scenario rebuilds (ms). */
  rebuildEveryMs?: number;
  /** Scenario configuration overrides (core/risk/config.ts). */
  scenarios?: Partial<ScenarioConfig>;
  /** Passed to the pool (fault-injection tests use them). */
  workerFile?: RiskPoolOptions['workerFile'];
  execArgv?: RiskPoolOptions['execArgv'];
  workerData?: RiskPoolOptions['workerData'];
}

export interface PortfolioRunnerDeps {
  engine: Engine;
  /** Only submit() is used: results are queued, never applied here. */
  loop: Pick<Loop, 'submit'>;
  clock: PoolClock;
  options: PortfolioRunnerOptions;
}

export interface PortfolioRunnerMetrics {
  pool: RiskPoolMetrics;
  /** portfolioMargin and scenarioSet commands submitted, and what the engine said. */
  chargesSubmitted: number;
  chargesAccepted: number;
  chargesRejected: number;
  setsSubmitted: number;
  setsAccepted: number;
  setsRejected: number;
  /** Pool failures by code (the pool's metrics count them too). */
  failures: Partial<Record<RiskFailureCode, number>>;
  /** Turns whose recompute was skipped because one was still running. */
  busySkips: number;
  /** Oracle observations in the history. */
  observations: number;
  /** seqUsed of the last charges submitted (−1: none). */
  lastSeqUsed: number;
  /** tsUsed of the last charges the engine accepted (−1: none): the age of the result in force counts from it. */
  lastAcceptedTsUsed: number;
}

const DEFAULTS = { recomputeEveryMs: 0, horizonMs: 60_000, minObservations: 30, rebuildEveryMs: 600_000 };

function nonNegativeInt(name: string, v: number): number {
  if (!Number.isSafeInteger(v) || v < 0)
    throw new RangeError(`options.${name} must be a non-negative integer, got ${v}`);
  return v;
}

/** The pool's result as the command that applies it: accounts whose charge is out of range are left out. */
export function chargesCommand(r: RecomputeResult): PortfolioMarginCommand {
  const accounts: number[] = [];
  const charges: number[] = [];
  for (let i = 0; i < r.accounts.length; i++) {
    const c = r.charges[i];
    if (!Number.isSafeInteger(c) || c < 0) continue;
    accounts.push(r.accounts[i]);
    charges.push(c);
  }
  return { type: 'portfolioMargin', version: r.version, seqUsed: r.seqUsed, tsUsed: r.tsUsed, accounts, charges };
}

export class PortfolioRunner {
  readonly #engine: Engine;
  readonly #loop: Pick<Loop, 'submit'>;
  readonly #clock: PoolClock;
  readonly #pool: RiskPool;
  readonly #sampler: PriceSampler;
  readonly #config: ScenarioConfig;
  readonly #recomputeEveryMs: number;
  readonly #minObservations: number;
  readonly #rebuildEveryMs: number;
  #recomputing = false;
  #rebuilding = false;
  #lastRecomputeMs = Number.NEGATIVE_INFINITY;
  #lastRebuildMs = Number.NEGATIVE_INFINITY;
  #lastVersion = -1;
  readonly #m = {
    chargesSubmitted: 0,
    chargesAccepted: 0,
    chargesRejected: 0,
    setsSubmitted: 0,
    setsAccepted: 0,
    setsRejected: 0,
    failures: {} as Partial<Record<RiskFailureCode, number>>,
    busySkips: 0,
    lastSeqUsed: -1,
    lastAcceptedTsUsed: -1,
  };
  readonly #recomputeListeners: ((durationMs: number) => void)[] = [];

  constructor({ engine, loop, clock, options }: PortfolioRunnerDeps) {
    const config = resolveScenarioConfig(options.scenarios);
    if (typeof config === 'string') throw new RangeError(`options.scenarios: ${config}`);
    this.#config = config;
    this.#recomputeEveryMs = nonNegativeInt('recomputeEveryMs', options.recomputeEveryMs ?? DEFAULTS.recomputeEveryMs);
    this.#rebuildEveryMs = nonNegativeInt('rebuildEveryMs', options.rebuildEveryMs ?? DEFAULTS.rebuildEveryMs);
    this.#minObservations = nonNegativeInt('minObservations', options.minObservations ?? DEFAULTS.minObservations);
    const capacity = options.historyObservations ?? config.historicalObservations + 1;
    this.#sampler = new PriceSampler(capacity, options.horizonMs ?? DEFAULTS.horizonMs);
    this.#engine = engine;
    this.#loop = loop;
    this.#clock = clock;
    this.#pool = new RiskPool({
      threads: options.threads,
      timeoutMs: options.timeoutMs,
      clock,
      maxPendingJobs: 1,
      workerFile: options.workerFile,
      execArgv: options.execArgv,
      workerData: options.workerData,
    });
  }

  /** Call after every turn of the loop (on the loop's thread): samples, and starts pool work that is due. */
  afterTurn(): void {
    const now = this.#clock.now();
    this.#sampler.sample(this.#engine, now);
    if (!this.#rebuilding && now - this.#lastRebuildMs >= this.#rebuildEveryMs) this.#startRebuild(now);
    if (now - this.#lastRecomputeMs < this.#recomputeEveryMs) return;
    const set = setInForce(this.#engine);
    if (set === null || this.#engine.portfolio.accounts.size === 0) return;
    if (this.#recomputing) {
      this.#m.busySkips++;
      return;
    }
    this.#lastRecomputeMs = now;
    void this.#recompute(set).then((cmd) => {
      if (cmd !== null) this.#submitCharges(cmd);
    });
  }

  metrics(): PortfolioRunnerMetrics {
    return {
      ...this.#m,
      failures: { ...this.#m.failures },
      pool: this.#pool.metrics(),
      observations: this.#sampler.observations,
    };
  }

  /** Called with the duration of every full recompute that succeeded (metrics). */
  onRecompute(fn: (durationMs: number) => void): void {
    this.#recomputeListeners.push(fn);
  }

  /** The pool's live worker threads (operations, fault-injection tests). */
  get threads(): readonly Worker[] {
    return this.#pool.threads;
  }

  /** Stop the pool; results still in flight are dropped. */
  async close(): Promise<void> {
    await this.#pool.close();
  }

  /** Charges of every portfolio account over `set`, as a command; null on failure (counted). */
  async #recompute(set: ScenarioSet): Promise<PortfolioMarginCommand | null> {
    this.#recomputing = true;
    try {
      const snap = snapshotOf(this.#engine, portfolioAccounts(this.#engine));
      const out = await this.#pool.recomputeAll(snap, set);
      if (!out.ok) {
        this.#fail(out.code);
        return null;
      }
      for (const fn of this.#recomputeListeners) fn(out.durationMs);
      return chargesCommand(out);
    } catch {
      this.#fail('WORKER_FAILED'); // the pool resolves failures as values; this is a last guard
      return null;
    } finally {
      this.#recomputing = false;
    }
  }

  #startRebuild(now: number): void {
    if (this.#sampler.observations < Math.max(2, this.#minObservations)) return;
    if (this.#sampler.markets !== this.#engine.markets.length) return; // a market arrived since the last sample
    const history = this.#sampler.history();
    if (history === null) return;
    this.#rebuilding = true;
    this.#lastRebuildMs = now;
    const current = this.#engine.portfolio.set;
    const version = Math.max(this.#lastVersion, current === null ? -1 : current.version) + 1;
    void this.#pool
      .rebuildScenarios(history, this.#config, version)
      .then(async (out) => {
        if (!out.ok) {
          this.#fail(out.code);
          return;
        }
        if (out.set.markets !== this.#engine.markets.length) return; // a market arrived meanwhile
        this.#lastVersion = version;
        // Charges over the new set first, so the set and its charges land in one turn and no account falls back.
        const charges =
          this.#recomputing || this.#engine.portfolio.accounts.size === 0 ? null : await this.#recompute(out.set);
        this.#submitSet(out.set);
        if (charges !== null) this.#submitCharges(charges);
      })
      .catch(() => this.#fail('WORKER_FAILED'))
      .finally(() => {
        this.#rebuilding = false;
      });
  }

  #submitSet(set: ScenarioSet): void {
    this.#m.setsSubmitted++;
    this.#loop.submit(scenarioSetCommand(set), (o: Outcome) => {
      if (o.ok) this.#m.setsAccepted++;
      else this.#m.setsRejected++;
    });
  }

  #submitCharges(cmd: PortfolioMarginCommand): void {
    this.#m.chargesSubmitted++;
    this.#m.lastSeqUsed = cmd.seqUsed;
    this.#loop.submit(cmd, (o: Outcome) => {
      if (o.ok) {
        this.#m.chargesAccepted++;
        this.#m.lastAcceptedTsUsed = Math.max(this.#m.lastAcceptedTsUsed, cmd.tsUsed);
      } else this.#m.chargesRejected++;
    });
  }

  #fail(code: RiskFailureCode): void {
    this.#m.failures[code] = (this.#m.failures[code] ?? 0) + 1;
  }
}

/** Portfolio accounts held to cross margin right now (the tick announced a fallback for them). */
export function portfolioFallbackAccounts(engine: Engine): number {
  const flag = engine.accounts.portfolioFallback;
  let n = 0;
  for (const a of engine.portfolio.accounts) if (flag[a] === 1) n++;
  return n;
}
