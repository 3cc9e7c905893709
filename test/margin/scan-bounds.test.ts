/**
 * The scan's bounds (core/margin/thresholds.ts ScanBounds): a market's scan
 * returns at once when no threshold under its column's bounds could pass,
 * so the bounds must cover every threshold in the column, whatever wrote it
 * since the last full scan. A population of cross and isolated accounts
 * trades through a seeded path of moves, jumps and recoveries (thresholds
 * rise, fall, cross and clear; accounts join and the columns grow), with a
 * tick every step. After every command:
 *   cover   while a market's bounds describe its column, every long
 *           threshold is at most the long bound and every short one at
 *           most the short bound;
 *   scan    scanMarket returns exactly the accounts the plain column test
 *           passes, at the current mark and at marks moved up and down.
 * The path must both skip scans and find candidates, so both sides run.
 */
import { describe, expect, it } from 'vitest';
import type { Command } from '../../core/commands.ts';
import type { Engine } from '../../core/engine.ts';
import { scanBoundsOf, scanMarket, watchRatio } from '../../core/margin/thresholds.ts';
import type { Market } from '../../core/market.ts';
import { fcSeed, PRICE, Rng, Scenario, show, UNIT, USD } from './helpers.ts';

const seed = fcSeed();
const C = 2 ** 50;
const MARKETS = [
  { symbol: 'BTC', price: 30_000 },
  { symbol: 'ETH', price: 2_000 },
] as const;
const DEPTH_USD = 20_000_000;
const STEPS = 120;

/** The scan's test on every account, written out (what scanMarket returns without its bounds). */
function naiveScan(m: Market, count: number, mark: number): number[] {
  const rho = watchRatio(m);
  const p1 = mark * (1 - rho) - m.cumFundingLong + C;
  const np2 = -(mark * (1 + rho) - m.cumFundingShort + C);
  const out: number[] = [];
  for (let a = 0; a < count; a++) {
    const x = m.positions.threshold[a];
    if (x > np2 && (x > p1 || x < 0)) out.push(a);
  }
  return out;
}

/** scanMarket as the tick calls it, with the market's mark replaced by `mark` for the call. */
function fastScan(e: Engine, m: Market, mark: number): number[] {
  const view = new Proxy(m, { get: (t, k) => (k === 'markPrice' ? mark : Reflect.get(t, k, t)) });
  const buf = new Int32Array(e.accounts.count + 1);
  const n = scanMarket(view, e.accounts.count, buf, 0);
  return [...buf.subarray(0, n)];
}

describe('scan bounds', () => {
  it('cover every threshold of their column, and a skipped scan would have found nothing', () => {
    const r = new Rng(seed);
    const s = new Scenario();
    const e = s.e;
    for (const m of MARKETS) s.market(m.symbol, m.price, DEPTH_USD / m.price, { liquidatorWindowTicks: 3 });
    const start = MARKETS.map((m) => m.price * PRICE);
    const prices = [...start];
    MARKETS.forEach((_, i) => {
      s.oracle(i, prices[i]);
    });
    const totals = { commands: 0, boundedChecks: 0, emptyScans: 0, foundScans: 0 };
    let where = 'setup';

    const check = () => {
      for (const m of e.markets) {
        const b = scanBoundsOf(e, m.id);
        if (b !== null && b.column === m.positions.threshold) {
          totals.boundedChecks++;
          const t = m.positions.threshold;
          for (let a = 0; a < t.length; a++) {
            const x = t[a];
            if ((x > 0 && x > b.longMax) || (x < 0 && x > b.shortMax))
              throw new Error(`${where}: market ${m.id} account ${a} threshold ${x} above its bound ${show(b)}`);
          }
        }
        for (const f of [1, 0.97, 1.03, 0.8, 1.25]) {
          const mark = Math.round(m.markPrice * f);
          const want = naiveScan(m, e.accounts.count, mark);
          const got = fastScan(e, m, mark);
          if (show(got) !== show(want))
            throw new Error(`${where}: market ${m.id} at mark ${mark}: scan ${show(got)}, column test ${show(want)}`);
          if (want.length === 0) totals.emptyScans++;
          else totals.foundScans++;
        }
      }
    };
    const apply = (cmd: unknown): boolean => {
      const out = e.apply(cmd as Command, s.ts);
      if (!out.ok && out.code === 'INTERNAL_ERROR') throw new Error(`${show(cmd)}: ${out.message}`);
      totals.commands++;
      check();
      return out.ok;
    };
    const join = () => {
      apply({ type: 'createAccount' });
      const a = e.accounts.count - 1;
      const usd = Math.round(r.between(500, 20_000));
      apply({ type: 'deposit', account: a, amount: usd * USD });
      const m = r.int(MARKETS.length);
      if (r.chance(0.4)) {
        apply({ type: 'setMarginMode', account: a, market: m, isolated: true });
        apply({ type: 'transferIsolated', account: a, market: m, amount: Math.round(usd * 0.6) * USD });
      }
      const size = Math.max(1, Math.floor(((usd * r.between(1, 9)) / MARKETS[m].price) * UNIT));
      apply({ type: 'marketOrder', account: a, market: m, side: r.chance(0.5) ? 'buy' : 'sell', size });
    };
    for (let i = 0; i < 60; i++) join();
    for (let step = 0; step < STEPS; step++) {
      where = `seed ${seed} step ${step}`;
      s.at(1_000);
      for (let m = 0; m < MARKETS.length; m++) {
        const roll = r.next();
        let p = prices[m];
        if (roll < 0.1) p *= 1 + (r.chance(0.5) ? 1 : -1) * r.between(0.03, 0.12);
        else if (roll < 0.25) p += (start[m] - p) * r.between(0.2, 0.8);
        else p *= 1 + r.between(-0.008, 0.008);
        prices[m] = Math.max(Math.round(start[m] * 0.4), Math.round(p));
        apply({ type: 'oracle', market: m, source: 0, price: prices[m], confidence: 0, publishTs: s.ts });
      }
      // Accounts trade (thresholds move both ways), close, withdraw, and newcomers join.
      for (let k = 0; k < 4; k++) {
        const a = r.int(e.accounts.count);
        const m = r.int(MARKETS.length);
        const roll = r.next();
        if (roll < 0.2) apply({ type: 'withdraw', account: a, amount: Math.round(r.between(50, 2_000)) * USD });
        else if (roll < 0.35) {
          const base = e.markets[m].positions.base[a];
          if (base !== 0)
            apply({
              type: 'marketOrder',
              account: a,
              market: m,
              side: base > 0 ? 'sell' : 'buy',
              size: Math.abs(base),
            });
        } else {
          const size = Math.max(1, Math.floor((r.between(500, 40_000) / MARKETS[m].price) * UNIT));
          apply({ type: 'marketOrder', account: a, market: m, side: r.chance(0.5) ? 'buy' : 'sell', size });
        }
      }
      if (r.chance(0.1)) join();
      apply({ type: 'tick' });
    }
    console.log('scan bounds totals', JSON.stringify(totals));
    expect(totals.boundedChecks).toBeGreaterThan(totals.commands);
    expect(totals.emptyScans).toBeGreaterThan(100);
    expect(totals.foundScans).toBeGreaterThan(100);
  });
});
