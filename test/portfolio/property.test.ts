/**
 * Random command streams with portfolio accounts mixed in: orders (market,
 * limit, reduce-only), oracle moves on a common factor, ticks, time jumps
 * that age charges, mode switches, pool results computed in-process (fresh,
 * late or over the wrong set), new scenario sets (and bad ones), parameter
 * changes, withdrawals, liquidations and, rarely, a new market (which takes
 * the set out of force). After every command the engine's invariants and the
 * portfolio columns' hold, and a rejection has a known code and changed
 * nothing; at the end, replay and a snapshot restore reproduce the hash.
 * Reproduce a failure with FC_SEED=<seed>.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classicEvents } from '../../core/classic-events.ts';
import type { Command } from '../../core/commands.ts';
import { Engine } from '../../core/engine.ts';
import { ErrorCodes } from '../../core/errors.ts';
import { scenarioSetCommand } from '../../core/portfolio/scenario-command.ts';
import { portfolioAccounts, setInForce } from '../../core/portfolio/state.ts';
import { DEFAULT_SCENARIO_CONFIG } from '../../core/risk/config.ts';
import { chargeBatch } from '../../core/risk/portfolio.ts';
import { buildScenarioSet } from '../../core/risk/scenarios.ts';
import { type PositionSnapshot, snapshotOf } from '../../core/risk/snapshot.ts';
import { restoreEngine, takeSnapshot } from '../../core/snapshot.ts';
import { Rng } from '../core/harness.ts';
import { syntheticHistory } from '../risk/fixtures.ts';
import { portfolioViolations, UNIT, USD } from './helpers.ts';

const seed = Number(process.env.FC_SEED ?? Date.now() % 2 ** 31);
console.log('fast-check seed', seed);

const NUM_RUNS = 20;
const COMMANDS_PER_RUN = 400;
const PRICES = [100_000_000, 2_500_000_000, 30_000_000_000];

type Kind =
  | 'order'
  | 'limit'
  | 'cancel'
  | 'oracle'
  | 'tick'
  | 'time'
  | 'mode'
  | 'charges'
  | 'set'
  | 'params'
  | 'withdraw'
  | 'deposit'
  | 'liquidate'
  | 'market';
const WEIGHTS: [Kind, number][] = [
  ['order', 30],
  ['limit', 8],
  ['cancel', 3],
  ['oracle', 20],
  ['tick', 12],
  ['time', 3],
  ['mode', 5],
  ['charges', 8],
  ['set', 2],
  ['params', 2],
  ['withdraw', 5],
  ['deposit', 2],
  ['liquidate', 3],
  ['market', 1],
];
const stepArb = fc.record({
  kind: fc.oneof(...WEIGHTS.map(([k, weight]) => ({ arbitrary: fc.constant(k), weight }))),
  seed: fc.nat(),
});
const setupArb = fc.record({
  markets: fc.integer({ min: 2, max: 3 }),
  deposits: fc.array(fc.integer({ min: 1_000, max: 100_000 }), { minLength: 4, maxLength: 8 }),
  portfolio: fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
  loading: fc.constantFrom(0.5, 0.9, 0.99),
  seed: fc.nat(),
});

class Run {
  readonly e = new Engine();
  readonly log: { cmd: Command; ts: number }[] = [];
  now = 1_000_000;
  version = 0;
  /** A snapshot taken earlier, to send late pool results. */
  old: PositionSnapshot | null = null;
  factor = 0;

  constructor(
    readonly loading: number,
    /** Events and rejection codes seen, over every run. */
    readonly stats: Record<string, number>,
  ) {}

  apply(cmd: Command): void {
    const before = this.e.stateHash();
    const out = this.e.apply(cmd, this.now);
    this.log.push({ cmd, ts: this.now });
    const where = `after ${JSON.stringify(cmd).slice(0, 200)} (seq ${out.seq})`;
    const broken = [...this.e.validateInvariants(), ...portfolioViolations(this.e)];
    if (broken.length > 0) throw new Error(`${where}: ${broken.join('; ')}`);
    const count = (k: string) => {
      this.stats[k] = (this.stats[k] ?? 0) + 1;
    };
    if (out.ok) {
      for (const ev of classicEvents(out.events)) {
        count(ev.type);
        if (ev.type === 'fill' && this.e.accounts.portfolio[ev.account] === 1) count('portfolioFill');
        if (ev.type === 'liquidationStarted' && this.e.accounts.portfolio[ev.account] === 1)
          count('portfolioLiquidation');
        if (ev.type === 'portfolioCharges') this.stats.chargesApplied = (this.stats.chargesApplied ?? 0) + ev.applied;
      }
    } else count(`${cmd.type}:${out.code}`);
    if (!out.ok) {
      if (!(out.code in ErrorCodes)) throw new Error(`${where}: unknown code ${out.code}`);
      if (out.code === 'INTERNAL_ERROR') throw new Error(`${where}: ${out.message}`);
      if (this.e.stateHash() !== before) throw new Error(`${where}: rejected ${out.code} but the hash moved`);
    }
  }

  newSet(r: Rng, version: number): Command {
    const m = this.e.markets.length;
    const history = syntheticHistory(m, 40 + r.int(200), r.int(1_000_000), this.loading);
    const config = {
      ...DEFAULT_SCENARIO_CONFIG,
      historicalObservations: 30 + r.int(200),
      measure: r.pick(['es', 'var'] as const),
    };
    return scenarioSetCommand(buildScenarioSet(history, config, version));
  }

  account(r: Rng): number {
    return r.int(this.e.accounts.count);
  }

  step(kind: Kind, r: Rng): void {
    const e = this.e;
    const markets = e.markets.length;
    switch (kind) {
      case 'order':
      case 'limit': {
        const a = this.account(r);
        const market = r.int(markets);
        const m = e.markets[market];
        const notional = (e.accounts.collateral[a] + USD) * (0.2 + r.next() * (r.pct() < 80 ? 3 : 12));
        const size = Math.max(m.params.minOrderSize, Math.round((notional / m.markPrice) * UNIT));
        const side = r.pct() < 50 ? 'buy' : 'sell';
        const base = m.positions.base[a];
        const reduceOnly = base !== 0 && r.pct() < 20;
        const s = reduceOnly ? (base > 0 ? 'sell' : 'buy') : side;
        if (kind === 'order') {
          this.apply({ type: 'marketOrder', account: a, market, side: s, size, reduceOnly });
        } else {
          const off = 1 + (r.next() - 0.5) * 0.04;
          const price = Math.max(
            m.params.tickSize,
            Math.round((m.markPrice * off) / m.params.tickSize) * m.params.tickSize,
          );
          this.apply({
            type: 'placeOrder',
            account: a,
            market,
            side: s,
            size,
            price,
            reduceOnly,
            timeInForce: r.pick(['GTC', 'IOC'] as const),
          });
        }
        return;
      }
      case 'cancel':
        this.apply({ type: 'cancelAll', account: this.account(r) });
        return;
      case 'oracle': {
        this.now += 1 + r.int(2_000);
        this.factor = (r.next() - 0.5) * (r.pct() < 80 ? 0.03 : 0.24);
        for (const m of e.markets) {
          const own = (r.next() - 0.5) * 0.03 * Math.sqrt(1 - this.loading * this.loading);
          const price = Math.max(1_000, Math.round(m.oraclePrice * (1 + this.loading * this.factor + own)));
          this.apply({ type: 'oracle', market: m.id, source: 0, price, confidence: 0, publishTs: this.now });
        }
        return;
      }
      case 'tick':
        this.now += r.int(1_000);
        this.apply({ type: 'tick' });
        return;
      case 'time':
        this.now += 5_000 + r.int(30_000);
        this.apply({ type: 'tick' });
        return;
      case 'mode':
        this.apply({
          type: 'setAccountMarginMode',
          account: this.account(r),
          mode: r.pct() < 70 ? 'portfolio' : 'cross',
        });
        return;
      case 'charges': {
        const set = setInForce(e);
        const fresh = snapshotOf(e, portfolioAccounts(e));
        const snap = this.old !== null && r.pct() < 30 ? this.old : fresh;
        this.old = fresh;
        if (set === null || snap.markets !== set.markets) {
          this.apply({
            type: 'portfolioMargin',
            version: this.version,
            seqUsed: 0,
            tsUsed: 0,
            accounts: [],
            charges: [],
          });
          return;
        }
        const charges = new Float64Array(snap.accounts.length);
        chargeBatch(set, snap.positions, snap.prices, 0, snap.accounts.length, charges);
        this.apply({
          type: 'portfolioMargin',
          version: r.pct() < 10 ? set.version + 1 : set.version,
          seqUsed: snap.seq,
          tsUsed: snap.ts,
          accounts: Array.from(snap.accounts),
          charges: Array.from(charges),
        });
        return;
      }
      case 'set': {
        const bad = r.pct() < 20;
        if (!bad) this.version++;
        this.apply(this.newSet(r, bad ? Math.max(0, this.version - 1) : this.version));
        return;
      }
      case 'params': {
        const pick = r.int(4);
        const cmd =
          pick === 0
            ? { type: 'setPortfolioParams', floorE6: r.int(1_100_000) }
            : pick === 1
              ? { type: 'setPortfolioParams', maxChargeAgeMs: r.int(60_000) }
              : pick === 2
                ? { type: 'setPortfolioParams', initialMultiplierE6: 900_000 + r.int(2_000_000) }
                : {
                    type: 'setPortfolioParams',
                    floorE6: 100_000,
                    maxChargeAgeMs: 15_000,
                    initialMultiplierE6: 1_250_000,
                  };
        this.apply(cmd as Command);
        return;
      }
      case 'withdraw': {
        const a = this.account(r);
        const amount = 1 + Math.floor(e.accounts.collateral[a] * r.next());
        this.apply({ type: 'withdraw', account: a, amount });
        return;
      }
      case 'deposit':
        this.apply({ type: 'deposit', account: this.account(r), amount: 1 + r.int(20_000 * USD) });
        return;
      case 'liquidate': {
        const a = this.account(r);
        const m = e.markets[r.int(markets)];
        const l = this.account(r);
        this.apply({
          type: 'liquidate',
          liquidator: l,
          account: a,
          market: m.id,
          size: 1 + Math.abs(m.positions.base[a]),
        });
        return;
      }
      case 'market': {
        if (markets >= 4) return;
        const price = PRICES[r.int(PRICES.length)];
        this.apply({
          type: 'createMarket',
          symbol: `M${markets}`,
          initialPrice: price,
          baseReserve: Math.round((1e14 / price) * UNIT),
        });
        this.now += 1;
        this.apply({ type: 'oracle', market: markets, source: 0, price, confidence: 0, publishTs: this.now });
        return;
      }
    }
  }
}

describe('engine with portfolio accounts under random command streams', () => {
  it('keeps every invariant after every command, rejects without side effects, and replays and restores exactly', () => {
    const stats: Record<string, number> = {};
    fc.assert(
      fc.property(
        setupArb,
        fc.array(stepArb, { minLength: COMMANDS_PER_RUN, maxLength: COMMANDS_PER_RUN }),
        (setup, steps) => {
          const run = new Run(setup.loading, stats);
          const r0 = new Rng(setup.seed);
          for (let i = 0; i < setup.markets; i++) {
            const price = PRICES[i];
            run.apply({
              type: 'createMarket',
              symbol: `M${i}`,
              initialPrice: price,
              baseReserve: Math.round((1e14 / price) * UNIT),
            });
            run.apply({ type: 'oracle', market: i, source: 0, price, confidence: 0, publishTs: run.now });
          }
          setup.deposits.forEach((usd, a) => {
            run.apply({ type: 'createAccount' });
            run.apply({ type: 'deposit', account: a, amount: usd * USD });
            if (setup.portfolio[a]) run.apply({ type: 'setAccountMarginMode', account: a, mode: 'portfolio' });
          });
          run.apply(run.newSet(r0, ++run.version));
          for (const s of steps) run.step(s.kind, new Rng(s.seed));
          // Replay and restore.
          const replayed = new Engine();
          for (const { cmd, ts } of run.log) replayed.apply(cmd, ts);
          expect(replayed.stateHash()).toBe(run.e.stateHash());
          expect(restoreEngine(takeSnapshot(run.e)).stateHash()).toBe(run.e.stateHash());
        },
      ),
      { seed, numRuns: NUM_RUNS },
    );
    console.log('portfolio property totals', JSON.stringify(stats));
    // The streams must exercise portfolio margin, not just its rejections.
    expect(stats.portfolioFill).toBeGreaterThan(100);
    expect(stats.chargesApplied).toBeGreaterThan(100);
    expect(stats.portfolioFallback).toBeGreaterThan(10);
    expect(stats.scenarioSetInstalled).toBeGreaterThan(NUM_RUNS);
    expect(stats.portfolioLiquidation).toBeGreaterThan(0);
  }, 300_000);
});
