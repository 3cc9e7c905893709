/**
 * Warm-up of the liquidation path. A crash runs code that a quiet market
 * never does (the fair order, the backstop, the liquidation rows), and V8
 * compiles a function for speed only after it has run for a while: the first
 * crash of a process ran its 100,000 liquidations largely in unoptimised code
 * and took 156–176 ms on the benchmark VM, against ~60 ms once compiled
 * (margin.crash_tick in BENCHMARKS.md). The server therefore crashes a few
 * synthetic populations on throwaway engines before it takes traffic, as
 * trading systems warm their code before the market opens. Nothing of the
 * exchange's own engine is touched; the work is deterministic.
 *
 * The population is the benchmark's: one 0.01 BTC position per account at
 * $60,000, the first `riskyShare` of them 5× long, the rest 2× long and
 * short alternately, with a deep curve and the backstop acting in the tick
 * (liquidator window 0).
 */
import type { Command } from './commands.ts';
import { Engine } from './engine.ts';
import { batchRows, ROW_LIQUIDATION } from './liquidation-rows.ts';

export const CRASH_PRICE = 60_000_000_000;

/** A fresh engine holding the crash population, ticked once at CRASH_PRICE; `ts` is its time. */
export function crashPopulation(accounts: number, riskyShare: number): { e: Engine; ts: number } {
  const e = new Engine();
  let ts = 1_700_000_000_000;
  const must = (c: Command) => {
    const r = e.apply(c, ts);
    if (!r.ok) throw new Error(`crash population: ${c.type}: ${r.code} ${r.message}`);
  };
  must({
    type: 'createMarket',
    symbol: 'BTC-PERP',
    initialPrice: CRASH_PRICE,
    // Deep curve, wide band and fill fraction: the crash exercises the margin engine, not slippage guards.
    baseReserve: 4_000_000_000_000_000,
    params: {
      liquidatorWindowTicks: 0,
      maxFillFractionE6: 500_000,
      priceBandE6: 1_000_000,
      oracleMaxJumpE6: 10_000_000,
    },
  });
  must({ type: 'insuranceDeposit', amount: 1_000_000_000_000 });
  must({ type: 'oracle', market: 0, source: 0, price: CRASH_PRICE, confidence: 1_000_000, publishTs: ts });
  e.reserveCrashBuffers(); // as the server's engine
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
  must({ type: 'oracle', market: 0, source: 0, price: CRASH_PRICE, confidence: 1_000_000, publishTs: ts });
  must({ type: 'tick' });
  return { e, ts };
}

/** The crash's oracle update: 20% down, one second later. Apply it, then a tick. */
export function crashOracle(ts: number): Command {
  return { type: 'oracle', market: 0, source: 0, price: CRASH_PRICE * 0.8, confidence: 1_000_000, publishTs: ts };
}

/**
 * Crash `crashes` populations of `accounts` (10% of them under maintenance
 * after the drop) on throwaway engines. Returns the liquidations run (one
 * per distressed account).
 */
export function warmLiquidationPath(crashes = 3, accounts = 50_000): number {
  let liquidations = 0;
  for (let i = 0; i < crashes; i++) {
    const { e, ts } = crashPopulation(accounts, 0.1);
    const t = ts + 1_000;
    const drop = e.apply(crashOracle(t), t);
    const tick = e.apply({ type: 'tick' }, t);
    if (!drop.ok || !tick.ok) throw new Error('warm-up crash rejected');
    for (const ev of tick.events) {
      if (ev.type !== 'liquidationBatch') continue;
      const rows = batchRows(ev);
      for (let r = 0; r < rows.count; r++) if (rows.kind[r] === ROW_LIQUIDATION) liquidations++;
    }
  }
  return liquidations;
}
