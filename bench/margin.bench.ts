/**
 * margin.mtm_1m: one price tick marked to market over 1,000,000 open
 * positions (one per account), p50 and p99 over many ticks with no
 * liquidation. margin.crash_tick: a 20% move in one tick that puts 10% of
 * 1,000,000 accounts under maintenance, through liquidation (backstop on the
 * vAMM in the same tick: liquidator window 0), after three smaller crashes
 * in other engines have compiled the liquidation path (MARGIN_CRASH_COLD=1
 * skips them).
 */
import { batchRows, ROW_LIQUIDATION } from '../core/liquidation-rows.ts';
import { belowMaintenance, crossHealth } from '../core/margin/health.ts';
import { CRASH_PRICE, crashOracle, crashPopulation, warmLiquidationPath } from '../core/warmup.ts';
import {
  type BenchOptions,
  elapsedMs,
  GcWatch,
  note,
  nowNs,
  percentile,
  type Report,
  round,
  wants,
} from './harness.ts';

const ACCOUNTS = 1_000_000;
const TICKS = 60;

export async function run(report: Report, options: BenchOptions): Promise<void> {
  if (wants(options, 'margin.mtm_1m')) mtm(report);
  if (wants(options, 'margin.crash_tick')) await crash(report);
}

function mtm(report: Report): void {
  const t0 = nowNs();
  const { e, ts } = crashPopulation(ACCOUNTS, 0);
  note(`margin.mtm_1m: built ${ACCOUNTS} positions in ${round(elapsedMs(t0) / 1000, 1)} s`);
  let t = ts;
  const times = new Float64Array(TICKS);
  let events = 0;
  for (let i = 0; i < TICKS + 10; i++) {
    t += 1000;
    // ±0.1% moves: every position is marked, nobody nears maintenance.
    const price = CRASH_PRICE + (i % 2 === 0 ? 60_000_000 : -60_000_000);
    e.apply({ type: 'oracle', market: 0, source: 0, price, confidence: 1_000_000, publishTs: t }, t);
    const start = nowNs();
    const r = e.apply({ type: 'tick' }, t);
    const ms = elapsedMs(start);
    if (!r.ok) throw new Error(`tick rejected: ${r.code}`);
    if (i >= 10) times[i - 10] = ms;
    events += r.events.length;
  }
  times.sort();
  note(
    `margin.mtm_1m: p50 ${round(percentile(times, 50))} ms, p99 ${round(percentile(times, 99))} ms, ${events} events`,
  );
  report({
    bench: 'margin.mtm_1m',
    value: round(percentile(times, 50)),
    unit: 'ms',
    p50_ms: round(percentile(times, 50)),
    p99_ms: round(percentile(times, 99)),
    positions: ACCOUNTS,
    ticks: TICKS,
  });
}

/** Timed crashes, each on a freshly built 1,000,000-account engine: the figure is their median. */
const CRASH_ROUNDS = 5;

/**
 * The crash: a 20% drop, then one timed tick, on CRASH_ROUNDS freshly built
 * engines; the figure is the median tick. Before them, unless
 * MARGIN_CRASH_COLD=1, the server's own start-up warm-up runs
 * (core/warmup.ts: three crashes of 50,000 accounts on throwaway engines),
 * so the figure is that of a server as it takes traffic. With a smaller
 * warm-up (two crashes of 20,000), functions still reached the optimising
 * compiler inside the timed tick and it took 70 or 100–115 ms by when they
 * did. MARGIN_CRASH_COLD=1 times one crash, the first in the process, which
 * pays that compilation. Minor page faults and GC pauses inside the ticks
 * are reported beside them.
 */
async function crash(report: Report): Promise<void> {
  const cold = process.env.MARGIN_CRASH_COLD === '1';
  const warm0 = nowNs();
  const warmLiquidations = cold ? 0 : warmLiquidationPath();
  const warmMs = cold ? 0 : elapsedMs(warm0);
  const rounds: CrashResult[] = [];
  for (let i = 0; i < (cold ? 1 : CRASH_ROUNDS); i++) {
    const r = await crashTick(ACCOUNTS);
    if (r.liquidations < r.flaggedNaive || r.stillBelow > 0) {
      throw new Error(
        `crash round ${i}: ${r.liquidations} liquidations of ${r.flaggedNaive}, ${r.stillBelow} still below`,
      );
    }
    rounds.push(r);
  }
  const times = Float64Array.from(rounds, (r) => r.ms).sort();
  const median = percentile(times, 50);
  const r = rounds[0];
  const faults = Math.max(...rounds.map((x) => x.faults));
  const gcMs = Math.max(...rounds.map((x) => x.gcMs));
  note(
    `margin.crash_tick: ${r.flaggedNaive} accounts under maintenance after a 20% drop; tick median ${round(median, 1)} ms ` +
      `of ${rounds.map((x) => round(x.ms, 1)).join(', ')}` +
      `${cold ? ' (cold: no warm-up)' : ` (after the start-up warm-up: ${warmLiquidations} liquidations in ${Math.round(warmMs)} ms)`}; ` +
      `each: ${r.liquidations} liquidations, ${r.bankruptcies} bankruptcies, ${r.stillBelow} still below; ` +
      `at most ${faults} minor page faults and ${round(gcMs, 1)} ms of GC inside a tick ` +
      `(${rounds.map((x) => x.gcPauses).join(' | ')})`,
  );
  report({
    bench: 'margin.crash_tick',
    value: round(median, 1),
    unit: 'ms',
    rounds_ms: rounds.map((x) => round(x.ms, 1)),
    max_ms: round(times[times.length - 1], 1),
    accounts: ACCOUNTS,
    under_maintenance: r.flaggedNaive,
    liquidations: r.liquidations,
    bankruptcies: r.bankruptcies,
    still_below: r.stillBelow,
    max_minor_page_faults: faults,
    max_gc_ms: round(gcMs, 1),
    warmed: !cold,
    warmup_ms: Math.round(warmMs),
  });
}

interface CrashResult {
  ms: number;
  flaggedNaive: number;
  liquidations: number;
  bankruptcies: number;
  stillBelow: number;
  faults: number;
  /** GC pauses inside the timed tick: their total, and each as kind:ms. */
  gcMs: number;
  gcPauses: string;
}

async function crashTick(accounts: number): Promise<CrashResult> {
  const { e, ts } = crashPopulation(accounts, 0.1);
  const t = ts + 1000;
  e.apply(crashOracle(t), t);
  let flaggedNaive = 0;
  for (let a = 0; a < accounts; a++) if (belowMaintenance(crossHealth(e, a))) flaggedNaive++;
  const gc = new GcWatch();
  const faults0 = process.resourceUsage().minorPageFault;
  const from = performance.now();
  const start = nowNs();
  const r = e.apply({ type: 'tick' }, t);
  const ms = elapsedMs(start);
  const to = performance.now();
  const faults = process.resourceUsage().minorPageFault - faults0;
  await new Promise((resolve) => setImmediate(resolve)); // the observer's entries arrive after the turn
  gc.stop();
  const pauses = gc.pausesWithin(from, to);
  if (!r.ok) throw new Error(`tick rejected: ${r.code}`);
  let liquidations = 0;
  let bankruptcies = 0;
  for (const ev of r.events) {
    if (ev.type === 'bankruptcy') bankruptcies++;
    if (ev.type !== 'liquidationBatch') continue;
    const rows = batchRows(ev);
    for (let i = 0; i < rows.count; i++) if (rows.kind[i] === ROW_LIQUIDATION) liquidations++;
  }
  let stillBelow = 0;
  for (let a = 0; a < accounts; a++) if (belowMaintenance(crossHealth(e, a))) stillBelow++;
  return {
    ms,
    flaggedNaive,
    liquidations,
    bankruptcies,
    stillBelow,
    faults,
    gcMs: gc.pausedWithin(from, to),
    gcPauses: pauses.map((p) => `${p.kind}:${round(p.ms, 1)}`).join(' ') || 'none',
  };
}
