/**
 * margin.mtm_1m: one price tick marked to market over 1,000,000 open
 * positions (one per account), p50 and p99 over many ticks with no
 * liquidation. margin.crash_tick: a 20% move in one tick that puts 10% of
 * 1,000,000 accounts under maintenance, through liquidation (backstop on the
 * vAMM in the same tick: liquidator window 0).
 */
import type { Command } from '../core/commands.ts';
import { Engine } from '../core/engine.ts';
import { belowMaintenance, crossHealth } from '../core/margin/health.ts';
import { type BenchOptions, elapsedMs, note, nowNs, percentile, type Report, round, wants } from './harness.ts';

const ACCOUNTS = 1_000_000;
const PRICE = 60_000_000_000;
const TICKS = 60;

function build(accounts: number, riskyShare: number): { e: Engine; ts: number } {
  const e = new Engine();
  let ts = 1_700_000_000_000;
  const must = (c: Command) => {
    const r = e.apply(c, ts);
    if (!r.ok) throw new Error(`setup ${c.type}: ${r.code} ${r.message}`);
    return r;
  };
  must({
    type: 'createMarket',
    symbol: 'BTC-PERP',
    initialPrice: PRICE,
    // Deep curve, wide band and fill fraction: the bench measures the margin engine, not slippage guards.
    baseReserve: 4_000_000_000_000_000,
    params: {
      liquidatorWindowTicks: 0,
      maxFillFractionE6: 500_000,
      priceBandE6: 1_000_000,
      oracleMaxJumpE6: 10_000_000,
    },
  });
  must({ type: 'insuranceDeposit', amount: 1_000_000_000_000 });
  must({ type: 'oracle', market: 0, source: 0, price: PRICE, confidence: 1_000_000, publishTs: ts });
  e.reserveAccounts(accounts);
  const risky = Math.floor(accounts * riskyShare);
  for (let a = 0; a < accounts; a++) {
    must({ type: 'createAccount' });
    // 0.01 BTC ≈ 600 USD notional each. Risky accounts: 5× long; the rest 2×, long and short alternately.
    const isRisky = a < risky;
    must({ type: 'deposit', account: a, amount: isRisky ? 122_000_000 : 300_000_000 });
    must({
      type: 'marketOrder',
      account: a,
      market: 0,
      side: isRisky || a % 2 === 0 ? 'buy' : 'sell',
      size: 10_000_000,
    });
  }
  ts += 1;
  must({ type: 'oracle', market: 0, source: 0, price: PRICE, confidence: 1_000_000, publishTs: ts });
  must({ type: 'tick' });
  return { e, ts };
}

export async function run(report: Report, options: BenchOptions): Promise<void> {
  if (wants(options, 'margin.mtm_1m')) mtm(report);
  if (wants(options, 'margin.crash_tick')) crash(report);
}

function mtm(report: Report): void {
  const t0 = nowNs();
  const { e, ts } = build(ACCOUNTS, 0);
  note(`margin.mtm_1m: built ${ACCOUNTS} positions in ${round(elapsedMs(t0) / 1000, 1)} s`);
  let t = ts;
  const times = new Float64Array(TICKS);
  let events = 0;
  for (let i = 0; i < TICKS + 10; i++) {
    t += 1000;
    // ±0.1% moves: every position is marked, nobody nears maintenance.
    const price = PRICE + (i % 2 === 0 ? 60_000_000 : -60_000_000);
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

function crash(report: Report): void {
  const { e, ts } = build(ACCOUNTS, 0.1);
  const t = ts + 1000;
  e.apply({ type: 'oracle', market: 0, source: 0, price: PRICE * 0.8, confidence: 1_000_000, publishTs: t }, t);
  let flaggedNaive = 0;
  for (let a = 0; a < ACCOUNTS; a++) if (belowMaintenance(crossHealth(e, a))) flaggedNaive++;
  const start = nowNs();
  const r = e.apply({ type: 'tick' }, t);
  const ms = elapsedMs(start);
  if (!r.ok) throw new Error(`tick rejected: ${r.code}`);
  let liquidations = 0;
  let bankruptcies = 0;
  for (const ev of r.events) {
    if (ev.type === 'liquidation') liquidations++;
    if (ev.type === 'bankruptcy') bankruptcies++;
  }
  let stillBelow = 0;
  for (let a = 0; a < ACCOUNTS; a++) if (belowMaintenance(crossHealth(e, a))) stillBelow++;
  note(
    `margin.crash_tick: ${flaggedNaive} accounts under maintenance after a 20% drop; tick ${round(ms, 1)} ms, ` +
      `${liquidations} liquidations, ${bankruptcies} bankruptcies, ${stillBelow} still below`,
  );
  report({
    bench: 'margin.crash_tick',
    value: round(ms, 1),
    unit: 'ms',
    accounts: ACCOUNTS,
    under_maintenance: flaggedNaive,
    liquidations,
    bankruptcies,
    still_below: stillBelow,
  });
}
