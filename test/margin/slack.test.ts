/**
 * The tick skips the exact check of a complex account while its recorded
 * slack proves it is neither near its warning line nor below maintenance
 * (core/margin/slack.ts). Here a population of multi-market cross accounts
 * (the complex kind) is marked through a seeded path of small moves and
 * jumps, with funding paid every step and margin ratios following
 * volatility, a taker moving the curves, and members of the population
 * trading and withdrawing between ticks. Before and after every tick:
 *   soundness  every account the cache calls provably safe is, recomputed
 *              from scratch, neither within the warning buffer nor below
 *              maintenance;
 *   flags      the accounts in liquidation are exactly those below
 *              maintenance, the warned ones exactly those within the buffer.
 * The path must make the cache skip accounts and bring others near and
 * under, so both sides of the bound are exercised.
 */
import { describe, expect, it } from 'vitest';
import type { Command } from '../../core/commands.ts';
import { provablySafe } from '../../core/margin/slack.ts';
import { DEFAULT_MARKET_PARAMS } from '../../core/params.ts';
import { fcSeed, naiveDistressed, naiveNear, PRICE, Rng, Scenario, show, UNIT, USD } from './helpers.ts';

const seed = fcSeed();
const ACCOUNTS = 400;
const STEPS = 160;
const MARKETS = [
  { symbol: 'BTC', price: 30_000 },
  { symbol: 'ETH', price: 2_000 },
  { symbol: 'SOL', price: 50 },
] as const;
const DEPTH_USD = 50_000_000;
const BUFFER = DEFAULT_MARKET_PARAMS.warningBufferE6;

describe('slack of complex accounts', () => {
  it('skips only accounts that are neither near nor below, and the flags stay exact', () => {
    const r = new Rng(seed);
    const s = new Scenario();
    const e = s.e;
    for (const m of MARKETS) {
      s.market(m.symbol, m.price, DEPTH_USD / m.price, { liquidatorWindowTicks: 1_000, fundingIntervalMs: 1_000 });
    }
    MARKETS.forEach((m, i) => {
      s.oracle(i, m.price * PRICE);
    });
    const apply = (cmd: unknown): boolean => {
      const out = e.apply(cmd as Command, s.ts);
      if (!out.ok && out.code === 'INTERNAL_ERROR') throw new Error(`${show(cmd)}: ${out.message}`);
      return out.ok;
    };
    for (let a = 0; a < ACCOUNTS; a++) {
      apply({ type: 'createAccount' });
      const usd = Math.round(r.between(1_000, 20_000));
      apply({ type: 'deposit', account: a, amount: usd * USD });
      const n = 2 + r.int(2);
      const total = usd * r.between(2, 9.5);
      for (let k = 0; k < n; k++) {
        const m = (a + k) % 3;
        const size = Math.max(1, Math.floor((total / n / MARKETS[m].price) * UNIT));
        apply({ type: 'marketOrder', account: a, market: m, side: r.chance(0.5) ? 'buy' : 'sell', size });
      }
    }
    const taker = s.account(5_000_000);
    s.tick();
    expect(e.complexAccounts.size).toBeGreaterThan(ACCOUNTS / 2);

    const start = MARKETS.map((m) => m.price * PRICE);
    const prices = [...start];
    const totals = { safe: 0, warnedMax: 0, flaggedMax: 0 };
    const checkSound = (where: string) => {
      for (let a = 0; a < ACCOUNTS; a++) {
        if (!provablySafe(e, a)) continue;
        totals.safe++;
        if (naiveNear(e, a, BUFFER) || naiveDistressed(e, a).length > 0) {
          throw new Error(`${where}: account ${a} called safe but is near or below`);
        }
      }
    };
    for (let t = 0; t < STEPS; t++) {
      const where = `step ${t} (seed ${seed})`;
      s.at(1_000);
      for (let m = 0; m < MARKETS.length; m++) {
        const roll = r.next();
        let p = prices[m];
        if (roll < 0.08) p *= 1 + (r.chance(0.5) ? 1 : -1) * r.between(0.03, 0.12);
        else if (roll < 0.2) p += (start[m] - p) * r.between(0.2, 0.8);
        else p *= 1 + r.between(-0.006, 0.006);
        prices[m] = Math.max(Math.round(start[m] * 0.4), Math.round(p));
        s.oracle(m, prices[m]);
        // A taker pushes the curve off the oracle, so marks and funding move on their own too.
        if (r.chance(0.5)) {
          const size = Math.max(1, Math.floor((r.between(1_000, 200_000) / MARKETS[m].price) * UNIT));
          apply({ type: 'marketOrder', account: taker, market: m, side: r.chance(0.5) ? 'buy' : 'sell', size });
        }
        apply({ type: 'fundingTick', market: m });
      }
      // Some of the population trade or withdraw: an entry must not outlive its account's state.
      for (let k = 0; k < 6; k++) {
        const a = r.int(ACCOUNTS);
        if (r.chance(0.3)) {
          apply({ type: 'withdraw', account: a, amount: Math.round(r.between(100, 5_000)) * USD });
        } else {
          const m = r.int(3);
          const size = Math.max(1, Math.floor((r.between(1_000, 60_000) / MARKETS[m].price) * UNIT));
          apply({ type: 'marketOrder', account: a, market: m, side: r.chance(0.5) ? 'buy' : 'sell', size });
        }
      }
      checkSound(`${where}, before the tick`);
      s.tick();
      checkSound(`${where}, after the tick`);
      let warned = 0;
      let flagged = 0;
      for (let a = 0; a < ACCOUNTS; a++) {
        const below = naiveDistressed(e, a).length > 0;
        const inLiquidation = e.accounts.liquidationSince[a] !== 0;
        if (below !== inLiquidation) throw new Error(`${where}: account ${a} below=${below} flagged=${inLiquidation}`);
        if (below) {
          flagged++;
          continue;
        }
        const near = naiveNear(e, a, BUFFER);
        if (near !== (e.accounts.warned[a] === 1))
          throw new Error(`${where}: account ${a} near=${near} warned flag differs`);
        if (near) warned++;
      }
      totals.warnedMax = Math.max(totals.warnedMax, warned);
      totals.flaggedMax = Math.max(totals.flaggedMax, flagged);
    }
    console.log('slack totals', JSON.stringify(totals));
    expect(totals.safe).toBeGreaterThan(ACCOUNTS * STEPS);
    expect(totals.warnedMax).toBeGreaterThan(5);
    expect(totals.flaggedMax).toBeGreaterThan(5);
  });
});
