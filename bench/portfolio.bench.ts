/**
 * portfolio.full_recompute: charges of 100,000 accounts × 8 markets (every
 * market held: the worst case) over 1,000 scenarios (32 grid + 968
 * historical), on the risk pool with the server's configured thread count
 * (bin/config.ts DEFAULT_PORTFOLIO_CONFIG.threads); median wall time of the
 * recompute, from the call to the resolved result. The same job on the other
 * pool size (1 worker if the server runs 2, else 2) is printed beside it.
 * Peer: the same job in process on one thread.
 *
 * portfolio.hotloop_p99_ratio: the hot loop — engine.apply market orders,
 * each followed by the portfolio check a portfolio account would get (its
 * charge over a 1,000-scenario set) — in turns of 1,000 commands that yield
 * to the event loop between them, as the real loop does. p99 per command
 * while full recomputes run back to back on the pool, over p99 with the pool
 * idle in the phase just before; phases alternate in the same run and the
 * median of the paired ratios is reported. The value is measured with the
 * server's configured pool; the same with the other pool size is printed
 * beside it.
 */
import { setImmediate as yieldTurn } from 'node:timers/promises';
import { DEFAULT_PORTFOLIO_CONFIG } from '../bin/config.ts';
import type { Command } from '../core/commands.ts';
import type { Engine } from '../core/engine.ts';
import { DEFAULT_SCENARIO_CONFIG } from '../core/risk/config.ts';
import type { PriceHistory } from '../core/risk/history.ts';
import { type PoolClock, RiskPool } from '../core/risk/pool.ts';
import { chargeBatch, portfolioLoss, scratchFor } from '../core/risk/portfolio.ts';
import { buildScenarioSet, type ScenarioSet } from '../core/risk/scenarios.ts';
import {
  markPrices,
  type PositionSnapshot,
  positionRowInto,
  sharedFloat64,
  sharedInt32,
  snapshotOf,
} from '../core/risk/snapshot.ts';
import { orderStream, setupEngine } from './engine.bench.ts';
import { type BenchOptions, elapsedMs, note, nowNs, percentile, type Report, round, wants } from './harness.ts';

const ACCOUNTS = 100_000;
const MARKETS = 8;
const SCENARIOS = 1_000;
/** The pool size the server runs with (the headline), and the other size printed beside it. */
const WORKERS = DEFAULT_PORTFOLIO_CONFIG.threads;
const ALT = WORKERS === 1 ? 2 : 1;
const RUNS = 5;
const TURN = 1_000;
const PHASE_COMMANDS = 40_000;
const ROUNDS = 8;

const clock: PoolClock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

function xorshift(seed: number): () => number {
  let x = seed | 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

/** One-factor random walk: `observations` + 1 prices per market, correlation ≈ 0.64. */
function history(markets: number, observations: number, seed: number): PriceHistory {
  const rnd = xorshift(seed);
  const gauss = () => {
    let s = 0;
    for (let i = 0; i < 12; i++) s += rnd();
    return s - 6;
  };
  const prices = new Float64Array((observations + 1) * markets);
  for (let m = 0; m < markets; m++) prices[m] = 1_000_000_000 * (m + 1);
  for (let t = 1; t <= observations; t++) {
    const f = gauss();
    for (let m = 0; m < markets; m++) {
      prices[t * markets + m] = prices[(t - 1) * markets + m] * (1 + 0.01 * (0.8 * f + 0.6 * gauss()));
    }
  }
  return { markets, prices };
}

/** A set of exactly `SCENARIOS` scenarios for `markets` markets (pruned grid + history). */
function scenarioSet(markets: number): ScenarioSet {
  const grid = 2 * 2 * markets; // 2M directions × 2 signs, pruned
  const config = { ...DEFAULT_SCENARIO_CONFIG, historicalObservations: SCENARIOS - grid };
  const set = buildScenarioSet(history(markets, 1_200, 3 + markets), config, 1);
  if (set.gridCount + set.historicalCount !== SCENARIOS) throw new Error('bench scenario set has the wrong size');
  return set;
}

function snapshot(): PositionSnapshot {
  const rnd = xorshift(17);
  const accounts = sharedInt32(ACCOUNTS);
  const positions = sharedFloat64(ACCOUNTS * MARKETS);
  for (let a = 0; a < ACCOUNTS; a++) accounts[a] = a;
  // Every market held, long or short, 0.001–100 units: no row is skipped.
  for (let i = 0; i < positions.length; i++) positions[i] = (rnd() < 0.5 ? -1 : 1) * Math.round(1e6 + rnd() * 1e11);
  const prices = new Float64Array(MARKETS).map((_, m) => 1_000_000_000 * (m + 1));
  return { seq: 1, ts: 0, markets: MARKETS, accounts, positions, prices, cross: null, floorE6: 0 };
}

async function recompute(pool: RiskPool, snap: PositionSnapshot, set: ScenarioSet) {
  const out = await pool.recomputeAll(snap, set);
  if (!out.ok) throw new Error(`recompute failed: ${out.code} ${out.message}`);
  return out;
}

export async function run(report: Report, options: BenchOptions): Promise<void> {
  const full = wants(options, 'portfolio.full_recompute');
  const hot = wants(options, 'portfolio.hotloop_p99_ratio');
  if (!full && !hot) return;
  const set = scenarioSet(MARKETS);
  const snap = snapshot();
  if (full) await fullRecompute(report, set, snap);
  if (hot) await hotLoop(report, set, snap);
}

async function fullRecompute(report: Report, set: ScenarioSet, snap: PositionSnapshot): Promise<void> {
  const alt = await timeRecompute(ALT, set, snap);
  const r = await timeRecompute(WORKERS, set, snap);
  // Peer: the same job on this thread, in process.
  const local = new Float64Array(ACCOUNTS);
  const t0 = nowNs();
  chargeBatch(set, snap.positions, snap.prices, 0, ACCOUNTS, local);
  const localMs = elapsedMs(t0);
  const dispatchShare = (r.tasks * r.tripMs) / WORKERS / r.median;
  note(
    `portfolio.full_recompute: ${ACCOUNTS} × ${MARKETS} × ${SCENARIOS} on ${WORKERS} worker(s), ${r.tasks} tasks: ` +
      `median ${round(r.median, 1)} ms (min ${round(r.min, 1)}, max ${round(r.max, 1)}); ` +
      `on ${ALT} worker(s) ${round(alt.median, 1)} ms; ` +
      `in process on 1 thread ${round(localMs, 1)} ms; round trip ${round(r.tripMs, 2)} ms/task ` +
      `(dispatch ≈ ${round(100 * dispatchShare, 2)}% of the job); call returns in ${round(r.syncMs, 2)} ms; ` +
      `scenario rebuild ${round(r.rebuildMs, 1)} ms`,
  );
  report({
    bench: 'portfolio.full_recompute',
    value: round(r.median, 1),
    unit: 'ms',
    min_ms: round(r.min, 1),
    max_ms: round(r.max, 1),
    runs: RUNS,
    accounts: ACCOUNTS,
    markets: MARKETS,
    scenarios: SCENARIOS,
    grid_scenarios: set.gridCount,
    workers: WORKERS,
    [`ms_${ALT}_workers`]: round(alt.median, 1),
    tasks: r.tasks,
    task_round_trip_ms: round(r.tripMs, 3),
    dispatch_share: round(dispatchShare, 4),
    call_sync_ms: round(r.syncMs, 3),
    rebuild_ms: round(r.rebuildMs, 1),
    peer: 'in-process, 1 thread',
    peer_value: round(localMs, 1),
    ratio: round(r.median / localMs, 3),
    goal_ms: 1_000,
  });
}

/** Median recompute time on a pool of `workers`, its dispatch round trip and a scenario rebuild. */
async function timeRecompute(workers: number, set: ScenarioSet, snap: PositionSnapshot) {
  const pool = new RiskPool({ threads: workers, timeoutMs: 120_000, clock });
  try {
    await recompute(pool, snap, set); // start the workers, warm the JIT
    const times: number[] = [];
    let syncMs = 0;
    let tasks = 0;
    for (let i = 0; i < RUNS; i++) {
      const t0 = nowNs();
      const pending = pool.recomputeAll(snap, set);
      syncMs = Math.max(syncMs, elapsedMs(t0));
      const out = await pending;
      if (!out.ok) throw new Error(`recompute failed: ${out.code}`);
      times.push(elapsedMs(t0));
      tasks = out.tasks;
    }
    // Dispatch cost: a one-task job of two rows is almost nothing but the round trip.
    const tiny = {
      ...snap,
      accounts: snap.accounts.subarray(0, 2),
      positions: snap.positions.subarray(0, 2 * MARKETS),
    };
    const trips: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t0 = nowNs();
      await recompute(pool, tiny, set);
      trips.push(elapsedMs(t0));
    }
    trips.sort((a, b) => a - b);
    // Scenario rebuild on the pool: 8 markets × 1,201 oracle prices.
    const rebuildStart = nowNs();
    const rebuilt = await pool.rebuildScenarios(history(MARKETS, 1_200, 11), DEFAULT_SCENARIO_CONFIG, 2);
    const rebuildMs = elapsedMs(rebuildStart);
    if (!rebuilt.ok) throw new Error(`rebuild failed: ${rebuilt.code}`);
    times.sort((a, b) => a - b);
    return {
      median: times[Math.floor(times.length / 2)],
      min: times[0],
      max: times[times.length - 1],
      tripMs: trips[Math.floor(trips.length / 2)],
      syncMs,
      tasks,
      rebuildMs,
    };
  } finally {
    await pool.close();
  }
}

interface HotLoop {
  engine: Engine;
  ts: number;
  stream: Command[];
  at: number;
  set: ScenarioSet;
  row: Float64Array;
  prices: Float64Array;
  scratch: ReturnType<typeof scratchFor>;
  sink: number;
}

/** One turn of `TURN` commands, each timed: apply + the portfolio check of its account. */
function turn(h: HotLoop, lat: Float64Array, from: number): void {
  for (let i = 0; i < TURN; i++) {
    const cmd = h.stream[h.at++ % h.stream.length] as Extract<Command, { type: 'marketOrder' }>;
    const t0 = process.hrtime.bigint();
    const out = h.engine.apply(cmd, h.ts);
    if (out.ok) {
      positionRowInto(h.engine, cmd.account, h.row, 0);
      h.sink += portfolioLoss(h.row, markPrices(h.engine, h.prices), h.set, h.scratch);
    }
    lat[from + i] = Number(process.hrtime.bigint() - t0);
  }
}

/** Mean cost of the hot-loop check alone (row, prices, charge), and of a snapshot of every account. */
function checkCost(h: HotLoop): { checkNs: number; snapshotMs: number } {
  const n = 200_000;
  const accounts = h.engine.accounts.count;
  const t0 = nowNs();
  for (let i = 0; i < n; i++) {
    positionRowInto(h.engine, i % accounts, h.row, 0);
    h.sink += portfolioLoss(h.row, markPrices(h.engine, h.prices), h.set, h.scratch);
  }
  const checkNs = (elapsedMs(t0) * 1e6) / n;
  const ids = Int32Array.from({ length: accounts }, (_, i) => i);
  const t1 = nowNs();
  snapshotOf(h.engine, ids);
  return { checkNs, snapshotMs: elapsedMs(t1) };
}

/** p99 (ns) over `PHASE_COMMANDS` commands, with the pool busy (back-to-back recomputes) or idle. */
async function phase(h: HotLoop, pool: RiskPool | null, snap: PositionSnapshot, set: ScenarioSet) {
  const lat = new Float64Array(PHASE_COMMANDS);
  let busy = pool !== null;
  let jobs = 0;
  const loop = async () => {
    while (busy && pool !== null) {
      await recompute(pool, snap, set);
      jobs++;
    }
  };
  const background = loop();
  for (let done = 0; done < PHASE_COMMANDS; done += TURN) {
    turn(h, lat, done);
    await yieldTurn();
  }
  busy = false;
  await background;
  lat.sort();
  return { p99: percentile(lat, 99), p50: percentile(lat, 50), jobs };
}

async function hotLoop(report: Report, set: ScenarioSet, snap: PositionSnapshot): Promise<void> {
  const { engine, ts } = setupEngine();
  const hotSet = scenarioSet(engine.markets.length);
  const h: HotLoop = {
    engine,
    ts,
    stream: orderStream(400_000, 5),
    at: 0,
    set: hotSet,
    row: new Float64Array(engine.markets.length),
    prices: new Float64Array(engine.markets.length),
    scratch: scratchFor(hotSet),
    sink: 0,
  };
  for (let i = 0; i < 50; i++) turn(h, new Float64Array(TURN), 0); // warm
  const { checkNs, snapshotMs } = checkCost(h);
  const results: Record<
    number,
    { idle: number[]; busy: number[]; p50Idle: number[]; p50Busy: number[]; jobs: number }
  > = {};
  for (const workers of [WORKERS, ALT]) {
    const pool = new RiskPool({ threads: workers, timeoutMs: 120_000, clock });
    const r = { idle: [] as number[], busy: [] as number[], p50Idle: [] as number[], p50Busy: [] as number[], jobs: 0 };
    try {
      await recompute(pool, snap, set); // workers up and warm
      for (let round = 0; round < ROUNDS; round++) {
        const idle = await phase(h, null, snap, set);
        const busy = await phase(h, pool, snap, set);
        r.idle.push(idle.p99);
        r.busy.push(busy.p99);
        r.p50Idle.push(idle.p50);
        r.p50Busy.push(busy.p50);
        r.jobs += busy.jobs;
      }
    } finally {
      await pool.close();
    }
    results[workers] = r;
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  // Each busy phase is compared with the idle phase just before it (slow drift in the machine's load
  // cancels), and the median of those paired ratios is the figure.
  const ratio = (w: number) => med(results[w].busy.map((b, i) => b / results[w].idle[i]));
  const invariants = engine.validateInvariants();
  if (invariants.length > 0) throw new Error(`invariants broken after bench: ${invariants.join('; ')}`);
  for (const w of [WORKERS, ALT]) {
    const r = results[w];
    note(
      `portfolio.hotloop_p99_ratio (${w} worker${w > 1 ? 's' : ''}): p99 idle ${r.idle.join('/')} ns, ` +
        `busy ${r.busy.join('/')} ns (p50 ${med(r.p50Idle)} → ${med(r.p50Busy)} ns), ` +
        `${r.jobs} recomputes overlapped, ratio ${round(ratio(w))}`,
    );
  }
  note(
    `portfolio.hotloop_p99_ratio: the portfolio check alone costs ${Math.round(checkNs)} ns per order ` +
      `(${engine.markets.length} markets × ${hotSet.gridCount + hotSet.historicalCount} scenarios); ` +
      `a snapshot of ${engine.accounts.count} accounts takes ${round(snapshotMs, 2)} ms on the loop's thread`,
  );
  report({
    bench: 'portfolio.hotloop_p99_ratio',
    value: round(ratio(WORKERS)),
    unit: 'ratio',
    workers: WORKERS,
    p99_idle_ns: med(results[WORKERS].idle),
    p99_busy_ns: med(results[WORKERS].busy),
    p50_idle_ns: med(results[WORKERS].p50Idle),
    p50_busy_ns: med(results[WORKERS].p50Busy),
    recomputes_overlapped: results[WORKERS].jobs,
    [`ratio_${ALT}_workers`]: round(ratio(ALT)),
    [`p99_idle_ns_${ALT}_workers`]: med(results[ALT].idle),
    [`p99_busy_ns_${ALT}_workers`]: med(results[ALT].busy),
    commands_per_phase: PHASE_COMMANDS,
    rounds: ROUNDS,
    hot_loop_scenarios: hotSet.gridCount + hotSet.historicalCount,
    check_ns: Math.round(checkNs),
    snapshot_ms: round(snapshotMs, 2),
    snapshot_accounts: engine.accounts.count,
    goal: 1.1,
  });
}
