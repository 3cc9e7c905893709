/**
 * The random command streams of the margin property suite: three markets
 * (BTC, ETH, SOL) with BTC and ETH also collateral assets priced by their
 * markets, traders at 1×–20× in cross and isolated mode on USDC and on
 * BTC/ETH, a market maker that arbitrages the curve toward the oracle,
 * violent oracle paths (jumps of ±5–30% and recoveries) each followed by a
 * tick, takeovers by other accounts, reductions, withdrawals, transfers,
 * margin-mode changes, funding and insurance deposits.
 *
 * After every command the World checks, by category:
 *   ledger      validateInvariants() is empty; no INTERNAL_ERROR; a rejection
 *               leaves stateHash() unchanged;
 *   insurance   the insurance fund moves exactly by the events (insuranceViolations);
 *   restore     every liquidated unit ends the command at maintenance + buffer,
 *               or with its position in that market closed (or the takeover
 *               asked for less, or the backstop hit the max fill fraction, the
 *               price band or a stale oracle);
 *   maintenance after every tick, no account is below maintenance unless it is
 *               in liquidation inside its liquidator window, or its backstop was
 *               limited by the max fill fraction, a stale oracle or the price
 *               band — and, in a strict stream (window 0, max fill 50%, band
 *               100%), none at all.
 * A property enables one category (so each test fails for one reason); the
 * others are counted, not thrown. The restore and maintenance checks live in
 * stream-checks.ts; this file builds the world and drives its steps.
 */

import { classicEvents } from '../../core/classic-events.ts';
import type { Command } from '../../core/commands.ts';
import { Engine, type Outcome } from '../../core/engine.ts';
import { crossHealth } from '../../core/margin/health.ts';
import type { MarketParams } from '../../core/params.ts';
import { baseToReachPrice } from '../../vamm/curve.ts';
import { maxFillBase } from '../../vamm/guards.ts';
import { START_PRICES_USD, type Step, type StepKind, type StreamSetup, SYMBOLS } from './arbs.ts';
import {
  eventsOf,
  insuranceViolations,
  type NaiveUnit,
  naiveDistressed,
  PRICE,
  Rng,
  show,
  UNIT,
  USD,
  unitMarkets,
} from './helpers.ts';
import { maintenanceFailures, restoreFailures } from './stream-checks.ts';

export * from './arbs.ts';

export type Category = 'ledger' | 'insurance' | 'restore' | 'maintenance';
export const CATEGORIES: readonly Category[] = ['ledger', 'insurance', 'restore', 'maintenance'];

export interface StreamStats {
  commands: number;
  accepted: number;
  ticks: number;
  fills: number;
  takeovers: number;
  backstops: number;
  bankruptcies: number;
  socialised: number;
  insuranceCovered: number;
  codes: Record<string, number>;
  /** Violations of the categories not under test, by category (counted, not thrown). */
  seen: Record<string, number>;
}

export function emptyStats(): StreamStats {
  return {
    commands: 0,
    accepted: 0,
    ticks: 0,
    fills: 0,
    takeovers: 0,
    backstops: 0,
    bankruptcies: 0,
    socialised: 0,
    insuranceCovered: 0,
    codes: {},
    seen: {},
  };
}

export function addStats(into: StreamStats, from: StreamStats): void {
  for (const k of [
    'commands',
    'accepted',
    'ticks',
    'fills',
    'takeovers',
    'backstops',
    'bankruptcies',
    'socialised',
    'insuranceCovered',
  ] as const) {
    into[k] += from[k];
  }
  for (const [k, v] of Object.entries(from.codes)) into.codes[k] = (into.codes[k] ?? 0) + v;
  for (const [k, v] of Object.entries(from.seen)) into.seen[k] = (into.seen[k] ?? 0) + v;
}

export class World {
  readonly e = new Engine();
  readonly stats = emptyStats();
  private ts = 1_000;
  private readonly prices: number[];
  private readonly start: number[];
  private readonly traders: number[] = [];
  private readonly mm: number;
  private step = -1;
  /** Marks before the command in flight (a tick's backstops move them). */
  private marksBefore: number[] = [];

  constructor(
    readonly setup: StreamSetup,
    private readonly check: Category,
  ) {
    // A wide price band: after a 30% oracle jump the curve can still be traded (and arbitraged) back.
    const params: Partial<MarketParams> = {
      fundingIntervalMs: 60_000,
      priceBandE6: 500_000,
      liquidatorWindowTicks: setup.windowTicks,
    };
    if (setup.lowMargin)
      Object.assign(params, { initialMarginE6: 50_000, maintenanceMarginE6: 30_000, liquidationPenaltyE6: 10_000 });
    if (setup.staticRatios) params.volConfidenceE6 = 500_000;
    if (setup.wideJumpGuard) params.oracleMaxJumpE6 = 500_000;
    if (setup.fastBasis) params.basisEmaWindowMs = 1_000;
    // Strict streams: no liquidator window, a 50% max fill and a 100% band, so nothing may hold a backstop back.
    if (setup.strict)
      // A band so wide it never binds (1000%): a 100% band can bind when the curve lags a crash by 2×.
      Object.assign(params, { liquidatorWindowTicks: 0, maxFillFractionE6: 500_000, priceBandE6: 10_000_000 });
    this.start = START_PRICES_USD.map((p) => p * PRICE);
    this.prices = [...this.start];
    SYMBOLS.forEach((symbol, i) => {
      const extra = i === 2 && setup.imfOnSol ? { imfFactorE6: 300 } : {};
      this.must({
        type: 'createMarket',
        symbol,
        initialPrice: this.start[i],
        baseReserve: Math.round((setup.depthUsd[i] / START_PRICES_USD[i]) * UNIT),
        params: { ...params, ...extra },
      });
    });
    this.must({
      type: 'createAsset',
      symbol: 'BTC',
      priceMarket: 0,
      initialWeightE6: 800_000,
      maintenanceWeightE6: 900_000,
    });
    this.must({
      type: 'createAsset',
      symbol: 'ETH',
      priceMarket: 1,
      initialWeightE6: 750_000,
      maintenanceWeightE6: 850_000,
    });
    for (let i = 0; i < 3; i++)
      this.must({ type: 'oracle', market: i, source: 0, price: this.start[i], confidence: 0, publishTs: this.ts });
    if (setup.insuranceUsd > 0) this.must({ type: 'insuranceDeposit', amount: setup.insuranceUsd * USD });
    for (const spec of setup.accounts) {
      const a = this.e.accounts.count;
      this.must({ type: 'createAccount' });
      this.must({ type: 'deposit', account: a, amount: spec.usdc * USD });
      if (spec.asset > 0) {
        const units = Math.floor((spec.assetUsd / START_PRICES_USD[spec.asset - 1]) * UNIT);
        this.must({ type: 'deposit', account: a, asset: spec.asset, amount: units });
      }
      spec.isolated.forEach((iso, m) => {
        if (!iso) return;
        this.must({ type: 'setMarginMode', account: a, market: m, isolated: true });
        this.must({ type: 'transferIsolated', account: a, market: m, amount: Math.floor((spec.usdc / 4) * USD) });
      });
      this.traders.push(a);
    }
    this.mm = this.e.accounts.count;
    this.must({ type: 'createAccount' });
    this.must({ type: 'deposit', account: this.mm, amount: 500_000_000 * USD });
  }

  /** Setup commands: must be accepted. */
  private must(cmd: unknown): void {
    const out = this.e.apply(cmd as Command, this.ts);
    if (!out.ok) throw new Error(`setup ${show(cmd)}: ${out.code} ${out.message}`);
  }

  run(steps: readonly Step[]): void {
    steps.forEach((s, i) => {
      this.step = i;
      this.perform(s.kind, new Rng(s.seed));
    });
  }

  private fail(category: Category, cmd: unknown, message: string): void {
    if (category === this.check) throw new Error(`[${category}] step ${this.step}: ${show(cmd)}\n${message}`);
    this.stats.seen[category] = (this.stats.seen[category] ?? 0) + 1;
  }

  // ─── One command, every check ─────────────────────────────────────────────
  exec(cmd: Command): Outcome {
    const e = this.e;
    const hash = e.stateHash();
    const fund = e.insuranceFund;
    this.marksBefore = e.markets.map((m) => m.markPrice);
    const out = e.apply(cmd, this.ts);
    const st = this.stats;
    st.commands++;
    if (!out.ok) {
      st.codes[out.code] = (st.codes[out.code] ?? 0) + 1;
      if (out.code === 'INTERNAL_ERROR') this.fail('ledger', cmd, `apply threw: ${out.message}`);
      if (e.stateHash() !== hash) this.fail('ledger', cmd, `rejected with ${out.code} but the state hash moved`);
      return out;
    }
    st.accepted++;
    const broken = e.validateInvariants();
    if (broken.length > 0) this.fail('ledger', cmd, `invariants: ${broken.join('; ')}`);
    const events = classicEvents(out.events);
    for (const ev of events) {
      if (ev.type === 'fill') st.fills++;
      else if (ev.type === 'liquidation') ev.liquidator < 0 ? st.backstops++ : st.takeovers++;
      else if (ev.type === 'bankruptcy') {
        st.bankruptcies++;
        st.socialised += ev.socialised;
        st.insuranceCovered += ev.insuranceCovered;
      }
    }
    const money = insuranceViolations(events, fund, e.insuranceFund, (m) => e.markets[m].params.liquidatorShareE6);
    if (money.length > 0) this.fail('insurance', cmd, money.join('\n'));
    if (eventsOf(events, 'liquidation').length > 0)
      for (const m of restoreFailures(e, cmd, events, this.ts, this.marksBefore)) this.fail('restore', cmd, m);
    if (cmd.type === 'tick') {
      st.ticks++;
      for (const m of maintenanceFailures(e, events, this.ts, this.setup.strict, this.marksBefore))
        this.fail('maintenance', cmd, m);
    }
    return out;
  }

  // ─── Steps ────────────────────────────────────────────────────────────────
  private trader(r: Rng): number {
    return r.pick(this.traders);
  }

  private perform(kind: StepKind, r: Rng): void {
    const e = this.e;
    this.ts += kind === 'stall' ? 0 : 100 + r.int(1_400);
    switch (kind) {
      case 'price':
        this.priceStep(r);
        return;
      case 'stall':
        // Oracles go quiet past the margin staleness (60 s); strict streams never stall.
        if (this.setup.strict) return;
        this.ts += 61_000 + r.int(120_000);
        this.exec({ type: 'tick' });
        return;
      case 'open': {
        const a = this.trader(r);
        const m = r.int(3);
        const market = e.markets[m];
        const pos = market.positions;
        const equity = pos.isolated[a] === 1 ? pos.isolatedCollateral[a] : crossHealth(e, a).equityInitial;
        // Leverage 1×–20×; four orders in five stay under the initial ratio in force (so most fill).
        const most = r.chance(0.8) ? Math.min(20, (0.95 * 1_000_000) / market.initialRatioE6) : 20;
        const leverage = 1 + r.next() * Math.max(0, most - 1);
        const cap = maxFillBase(market.baseReserve, 50_000);
        const size = Math.min(cap, Math.floor(((equity * leverage) / market.markPrice) * UNIT));
        if (size < 1) return;
        this.exec({
          type: 'marketOrder',
          account: a,
          market: m,
          side: r.chance(this.setup.longShare) ? 'buy' : 'sell',
          size,
        });
        return;
      }
      case 'arb': {
        const m = r.int(3);
        const market = e.markets[m];
        const curve = (market.quoteReserve * market.pegE6) / market.baseReserve;
        const buy = curve < market.oraclePrice;
        const size = Math.min(
          maxFillBase(market.baseReserve, 50_000),
          baseToReachPrice(market, buy ? 'long' : 'short', market.oraclePrice),
        );
        if (size < 1) return;
        this.exec({ type: 'marketOrder', account: this.mm, market: m, side: buy ? 'buy' : 'sell', size });
        return;
      }
      case 'reduce': {
        // Half the time a trader under water cuts its own risk (a reduce-only order is never refused).
        const under = this.traders.filter((x) => naiveDistressed(e, x).length > 0);
        const a = under.length > 0 && r.chance(0.5) ? r.pick(under) : this.trader(r);
        let m = r.int(3);
        for (let k = 0; k < 3 && e.markets[m].positions.base[a] === 0; k++) m = (m + 1) % 3;
        const b = e.markets[m].positions.base[a];
        if (b === 0) return;
        const size = Math.max(1, Math.floor(Math.abs(b) * (0.2 + 0.8 * r.next())));
        this.exec({ type: 'marketOrder', account: a, market: m, side: b > 0 ? 'sell' : 'buy', size, reduceOnly: true });
        return;
      }
      case 'takeover':
        this.takeoverStep(r);
        return;
      case 'withdraw': {
        const a = this.trader(r);
        const asset = r.chance(0.7) ? 0 : 1 + r.int(2);
        const balance = e.accounts.balances[asset][a];
        const amount = Math.max(1, Math.floor(balance * (0.05 + 1.05 * r.next())));
        this.exec({ type: 'withdraw', account: a, asset, amount });
        return;
      }
      case 'deposit': {
        const a = this.trader(r);
        if (r.chance(0.7)) this.exec({ type: 'deposit', account: a, amount: (100 + r.int(20_000)) * USD });
        else {
          const asset = 1 + r.int(2);
          this.exec({
            type: 'deposit',
            account: a,
            asset,
            amount: Math.floor(((100 + r.int(20_000)) / START_PRICES_USD[asset - 1]) * UNIT),
          });
        }
        return;
      }
      case 'transfer': {
        const a = this.trader(r);
        const m = r.int(3);
        const pos = e.markets[m].positions;
        const amount = r.chance(0.6)
          ? Math.max(1, Math.floor(e.accounts.collateral[a] * r.next() * 0.5))
          : -Math.max(1, Math.floor(pos.isolatedCollateral[a] * r.next()));
        this.exec({ type: 'transferIsolated', account: a, market: m, amount });
        return;
      }
      case 'mode': {
        const a = this.trader(r);
        const m = r.int(3);
        this.exec({ type: 'setMarginMode', account: a, market: m, isolated: e.markets[m].positions.isolated[a] !== 1 });
        return;
      }
      case 'funding':
        this.exec({ type: 'fundingTick', market: r.int(3) });
        return;
      case 'settle':
        this.exec({ type: 'settlePnl', account: this.trader(r), market: r.int(3) });
        return;
      case 'insurance':
        this.exec({ type: 'insuranceDeposit', amount: (1_000 + r.int(50_000)) * USD });
        return;
    }
  }

  /** One market jumps (±5–30%), recovers toward its start, or drifts; the others drift; then a tick. */
  private priceStep(r: Rng): void {
    const j = r.int(3);
    for (let m = 0; m < 3; m++) {
      let p = this.prices[m];
      if (m === j) {
        const roll = r.next();
        if (roll < 0.5) p *= 1 + (r.chance(0.5) ? 1 : -1) * (0.05 + 0.25 * r.next());
        else if (roll < 0.8) p += (this.start[m] - p) * (0.3 + 0.7 * r.next());
        else p *= 1 + (r.next() - 0.5) * 0.02;
      } else {
        // A market may miss an update in a loose stream (and go stale if quiet long enough).
        if (!this.setup.strict && r.chance(0.1)) continue;
        p *= 1 + (r.next() - 0.5) * 0.01;
      }
      this.prices[m] = Math.max(Math.round(this.start[m] * 0.2), Math.round(p));
      this.exec({ type: 'oracle', market: m, source: 0, price: this.prices[m], confidence: 0, publishTs: this.ts });
    }
    this.exec({ type: 'tick' });
  }

  private takeoverStep(r: Rng): void {
    const e = this.e;
    const distressed: NaiveUnit[] = [];
    for (const a of this.traders) distressed.push(...naiveDistressed(e, a));
    let account: number;
    let market: number;
    if (distressed.length > 0 && r.chance(0.85)) {
      const u = r.pick(distressed);
      account = u.account;
      const ms = unitMarkets(e, u);
      market = ms.length > 0 ? r.pick(ms).id : r.int(3);
    } else {
      // No one is under water (or 15% of the time): a healthy account, usually one with a position.
      account = this.trader(r);
      market = r.int(3);
      for (let k = 0; k < 3 && e.markets[market].positions.base[account] === 0; k++) market = (market + 1) % 3;
    }
    const roll = r.next();
    const liquidator = roll < 0.05 ? account : roll < 0.45 ? this.mm : this.trader(r);
    const b = Math.abs(e.markets[market].positions.base[account]);
    const size = r.chance(0.5) ? Math.max(1, 10 * b) : Math.max(1, Math.floor(b * r.next()));
    this.exec({ type: 'liquidate', liquidator, account, market, size });
  }
}
