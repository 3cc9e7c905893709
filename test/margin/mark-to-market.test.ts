/**
 * Mark-to-market against a naive recomputation. A population of thousands of
 * accounts — cross in one market (the one-column threshold fast path), cross
 * in several markets, cross on BTC/ETH collateral, isolated positions — is
 * marked through a seeded price path with jumps and recoveries. After every
 * tick, the accounts the engine holds in liquidation must be exactly the
 * accounts whose cross pool or isolated position is below maintenance when
 * every account is recomputed from scratch (crossHealth / isolatedHealth), and
 * the accounts it has warned exactly those within the warning buffer. The
 * liquidator window is long, so nothing is closed and the flags are the
 * engine's whole answer.
 */
import { describe, expect, it } from 'vitest';
import type { Command } from '../../core/commands.ts';
import type { Engine } from '../../core/engine.ts';
import { crossHealth } from '../../core/margin/health.ts';
import { DEFAULT_MARKET_PARAMS } from '../../core/params.ts';
import {
  eventsOf,
  fcSeed,
  naiveDistressed,
  naiveDistressedSet,
  naiveNear,
  PRICE,
  Rng,
  Scenario,
  show,
  UNIT,
  USD,
} from './helpers.ts';

const seed = fcSeed();

const ACCOUNTS = 4_000;
const TICKS = 48;
const MARKETS = [
  { symbol: 'BTC', price: 30_000 },
  { symbol: 'ETH', price: 2_000 },
  { symbol: 'SOL', price: 50 },
] as const;
/** Curve depth per market in USD: deep enough that 4,000 accounts barely move it. */
const DEPTH_USD = 200_000_000;
const WARNING_BUFFER_E6 = DEFAULT_MARKET_PARAMS.warningBufferE6;

interface Population {
  s: Scenario;
  kinds: Record<string, number>;
  rejected: Record<string, number>;
}

function build(r: Rng): Population {
  const s = new Scenario();
  const e = s.e;
  for (const m of MARKETS) s.market(m.symbol, m.price, DEPTH_USD / m.price, { liquidatorWindowTicks: 1_000 });
  s.ok({ type: 'createAsset', symbol: 'BTC', priceMarket: 0, initialWeightE6: 800_000, maintenanceWeightE6: 900_000 });
  s.ok({ type: 'createAsset', symbol: 'ETH', priceMarket: 1, initialWeightE6: 750_000, maintenanceWeightE6: 850_000 });
  MARKETS.forEach((m, i) => {
    s.oracle(i, m.price * PRICE);
  });
  e.reserveAccounts(ACCOUNTS);
  const kinds: Record<string, number> = {};
  const rejected: Record<string, number> = {};
  const apply = (cmd: unknown): boolean => {
    const out = e.apply(cmd as Command, s.ts);
    if (!out.ok) {
      if (out.code === 'INTERNAL_ERROR') throw new Error(`${show(cmd)}: ${out.message}`);
      rejected[out.code] = (rejected[out.code] ?? 0) + 1;
    }
    return out.ok;
  };
  const open = (a: number, market: number, notionalUsd: number) => {
    const size = Math.max(1, Math.floor((notionalUsd / MARKETS[market].price) * UNIT));
    apply({ type: 'marketOrder', account: a, market, side: r.chance(0.5) ? 'buy' : 'sell', size });
  };
  for (let i = 0; i < ACCOUNTS; i++) {
    const a = i;
    apply({ type: 'createAccount' });
    const usd = Math.round(r.between(500, 50_000));
    const roll = r.next();
    const kind = roll < 0.4 ? 'cross-single' : roll < 0.6 ? 'cross-multi' : roll < 0.75 ? 'multi-asset' : 'isolated';
    kinds[kind] = (kinds[kind] ?? 0) + 1;
    // Leverage 1×–9.5× of initial equity (IM 10% caps it near 10×).
    const lev = () => r.between(1, 9.5);
    if (kind === 'cross-single') {
      apply({ type: 'deposit', account: a, amount: usd * USD });
      open(a, r.int(3), usd * lev());
    } else if (kind === 'cross-multi') {
      apply({ type: 'deposit', account: a, amount: usd * USD });
      const n = 2 + r.int(2);
      const total = usd * lev();
      for (let k = 0; k < n; k++) open(a, (i + k) % 3, total / n);
    } else if (kind === 'multi-asset') {
      const asset = 1 + r.int(2);
      const price = MARKETS[asset - 1].price;
      const weight = asset === 1 ? 0.8 : 0.75;
      apply({ type: 'deposit', account: a, asset, amount: Math.floor((usd / price) * UNIT) });
      // Fees are paid in USDC only, so every account keeps a little (2%–50% of its BTC/ETH value).
      const extraUsdc = Math.round(usd * (r.chance(0.5) ? 0.02 : r.between(0.02, 0.5)));
      apply({ type: 'deposit', account: a, amount: extraUsdc * USD });
      const equity = usd * weight + extraUsdc;
      const n = 1 + r.int(2);
      for (let k = 0; k < n; k++) open(a, (i + k) % 3, (equity * lev()) / n);
    } else {
      apply({ type: 'deposit', account: a, amount: usd * USD });
      const n = 1 + r.int(2);
      for (let k = 0; k < n; k++) {
        const m = (i + k) % 3;
        apply({ type: 'setMarginMode', account: a, market: m, isolated: true });
        const iso = Math.round((usd / (n + 1)) * r.between(0.5, 1));
        apply({ type: 'transferIsolated', account: a, market: m, amount: iso * USD });
        open(a, m, iso * lev());
      }
      // Some isolated accounts also hold a cross position in the third market.
      if (r.chance(0.5)) open(a, (i + 2) % 3, (usd / (n + 1)) * lev());
    }
  }
  const broken = e.validateInvariants();
  if (broken.length > 0) throw new Error(`invariants after the population: ${broken.join('; ')}`);
  return { s, kinds, rejected };
}

/** The next price of one market: noise, a jump of ±5–25%, or a recovery toward where it started. */
function nextPrice(r: Rng, current: number, start: number): number {
  const roll = r.next();
  let p: number;
  if (roll < 0.2) p = current * (1 + (r.chance(0.5) ? 1 : -1) * r.between(0.05, 0.25));
  else if (roll < 0.45) p = current + (start - current) * r.between(0.3, 1);
  else p = current * (1 + r.between(-0.02, 0.02));
  return Math.max(Math.round(start * 0.3), Math.round(p));
}

function flaggedSet(e: Engine): Set<number> {
  const out = new Set<number>();
  for (let a = 0; a < e.accounts.count; a++) if (e.accounts.liquidationSince[a] !== 0) out.add(a);
  return out;
}

function describeAccount(e: Engine, a: number): string {
  const positions = e.markets.map((m) => ({
    market: m.id,
    base: m.positions.base[a],
    isolated: m.positions.isolated[a],
    iso: m.positions.isolatedCollateral[a],
  }));
  return show({
    account: a,
    cross: crossHealth(e, a),
    distressed: naiveDistressed(e, a),
    positions,
    warned: e.accounts.warned[a],
  });
}

describe('mark-to-market against a naive recomputation', () => {
  it('flags exactly the accounts below maintenance, and warns exactly those within the warning buffer, after every tick', () => {
    const r = new Rng(seed);
    const { s, kinds, rejected } = build(r);
    const e = s.e;
    console.log(
      'population',
      JSON.stringify({ accounts: e.accounts.count, kinds, rejectedSetup: rejected, complex: e.complexAccounts.size }),
    );
    const start = MARKETS.map((m) => m.price * PRICE);
    const prices = [...start];
    let prevFlagged = flaggedSet(e);
    const totals = { started: 0, ended: 0, warnings: 0, maxFlagged: 0, maxWarned: 0 };
    for (let t = 0; t < TICKS; t++) {
      s.at(1_000);
      for (let m = 0; m < MARKETS.length; m++) {
        prices[m] = nextPrice(r, prices[m], start[m]);
        s.oracle(m, prices[m]);
      }
      const warnedBefore = e.accounts.warned.slice(0, e.accounts.count);
      const events = s.tick();
      const naive = naiveDistressedSet(e);
      const flagged = flaggedSet(e);
      const where = `tick ${t} (seed ${seed}), prices ${prices.join('/')}`;

      // 1. The flags are exactly the naive set — no exceptions.
      const missed = [...naive.keys()].filter((a) => !flagged.has(a));
      const extra = [...flagged].filter((a) => !naive.has(a));
      if (missed.length > 0 || extra.length > 0) {
        const sample = [...missed.slice(0, 2), ...extra.slice(0, 2)].map((a) => describeAccount(e, a)).join('\n');
        throw new Error(
          `${where}: ${missed.length} below maintenance but not flagged, ${extra.length} flagged but not below\n${sample}`,
        );
      }
      // 2. Events tell the same story: started = newly below, ended = recovered, nothing closed.
      const started = eventsOf(events, 'liquidationStarted');
      const ended = eventsOf(events, 'liquidationEnded');
      expect(
        started.map((x) => x.account).sort((x, y) => x - y),
        where,
      ).toEqual([...naive.keys()].filter((a) => !prevFlagged.has(a)).sort((x, y) => x - y));
      expect(
        ended.map((x) => x.account).sort((x, y) => x - y),
        where,
      ).toEqual([...prevFlagged].filter((a) => !naive.has(a)).sort((x, y) => x - y));
      expect(eventsOf(events, 'liquidation'), where).toEqual([]);
      for (const ev of started) {
        const units = naive.get(ev.account) ?? [];
        const match = units.some(
          (u) =>
            u.market === ev.market &&
            Math.floor(u.health.equityMaintenance) === ev.equity &&
            Math.ceil(u.health.maintenanceRequirement) === ev.maintenance,
        );
        if (!match) throw new Error(`${where}: liquidationStarted ${show(ev)} matches no naive unit ${show(units)}`);
      }
      // 3. Warnings: every healthy account within the buffer is warned, no other is; the event goes
      //    out once per episode (when the account's warned flag was clear before this tick).
      let warnedNow = 0;
      const expectedWarnings: number[] = [];
      for (let a = 0; a < e.accounts.count; a++) {
        if (naive.has(a)) continue;
        const near = naiveNear(e, a, WARNING_BUFFER_E6);
        const warned = e.accounts.warned[a] === 1;
        if (near !== warned)
          throw new Error(`${where}: account ${a} near=${near} warned=${warned}\n${describeAccount(e, a)}`);
        if (warned) warnedNow++;
        if (near && warnedBefore[a] === 0) expectedWarnings.push(a);
      }
      const warnings = eventsOf(events, 'marginWarning')
        .map((x) => x.account)
        .sort((x, y) => x - y);
      expect(warnings, where).toEqual(expectedWarnings);

      totals.started += started.length;
      totals.ended += ended.length;
      totals.warnings += warnings.length;
      totals.maxFlagged = Math.max(totals.maxFlagged, flagged.size);
      totals.maxWarned = Math.max(totals.maxWarned, warnedNow);
      prevFlagged = flagged;
    }
    console.log('mark-to-market totals', JSON.stringify(totals));
    // The path must exercise the comparison, not only agree on empty sets.
    expect(totals.started).toBeGreaterThan(50);
    expect(totals.ended).toBeGreaterThan(10);
    expect(totals.warnings).toBeGreaterThan(50);
  });
});
