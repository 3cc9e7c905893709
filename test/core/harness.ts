/**
 * Random command streams for the property and determinism suites, and the
 * Harness that applies them: after every command it checks the engine's
 * invariants, that a rejection changed nothing and carries a known code, and
 * that the engine agrees with a small reference model.
 */

import { classicEvents } from '../../core/classic-events.ts';
import type { Command } from '../../core/commands.ts';
import { Engine, type Outcome } from '../../core/engine.ts';
import { type ErrorCode, ErrorCodes } from '../../core/errors.ts';
import type { Event } from '../../core/events.ts';
import { MARKET_PAUSED } from '../../core/market.ts';
import type { MarketParams } from '../../core/params.ts';
import {
  curvePrice,
  E6,
  type EventOf,
  eventsOf,
  extraInvariants,
  HOUR_MS,
  ledgerTotal,
  oneEvent,
  PRICE_USD,
  show,
  T0,
  UNIT,
  USD,
} from './helpers.ts';
import { Rng, type Setup, type Step, type StepKind } from './streams.ts';

export * from './streams.ts';

interface ModelMarket {
  symbol: string;
  sources: number;
  paused: boolean;
  /** Publish time of the last accepted update per source (−1: none). */
  lastPublish: number[];
  lastOraclePrice: number;
}

interface Planned {
  cmd: unknown;
  ts: number;
  /** The code the model is certain of (null: must be accepted; undefined: the model does not know). */
  expect?: ErrorCode | null;
  /** Codes the command must not be rejected with. */
  forbid?: readonly ErrorCode[];
  /** Extra checks after an accepted command. */
  after?: (events: Event[]) => void;
}

export interface RunStats {
  commands: number;
  accepted: number;
  orders: number;
  fills: number;
  fundings: number;
  repegs: number;
  ticks: number;
  liquidations: number;
  bankruptcies: number;
  codes: Record<string, number>;
}

export function emptyStats(): RunStats {
  return {
    commands: 0,
    accepted: 0,
    orders: 0,
    fills: 0,
    fundings: 0,
    repegs: 0,
    ticks: 0,
    liquidations: 0,
    bankruptcies: 0,
    codes: {},
  };
}

export function addStats(into: RunStats, from: RunStats): void {
  for (const k of [
    'commands',
    'accepted',
    'orders',
    'fills',
    'fundings',
    'repegs',
    'ticks',
    'liquidations',
    'bankruptcies',
  ] as const) {
    into[k] += from[k];
  }
  for (const [k, v] of Object.entries(from.codes)) into.codes[k] = (into.codes[k] ?? 0) + v;
}

/** Codes a reducing order must never be refused with (users can always cut risk). */
const NEVER_FOR_REDUCING: readonly ErrorCode[] = [
  'PRICE_BAND',
  'INSUFFICIENT_MARGIN',
  'INSUFFICIENT_COLLATERAL',
  'ORACLE_CONFIDENCE',
  'ORACLE_JUMP',
  'REDUCE_ONLY',
];

const VALID_PARAM_TWEAKS: readonly ((r: Rng) => Partial<MarketParams>)[] = [
  (r) => ({ takerFeeE6: 100 + r.int(1_900) }),
  (r) => ({ priceBandE6: 20_000 + r.int(180_000) }),
  (r) => ({ fundingIntervalMs: r.pick([60_000, 600_000, HOUR_MS]) }),
  (r) => ({ maxFillFractionE6: 10_000 + r.int(90_000) }),
  (r) => ({ fundingCapE6: r.int(5_000) }),
  (r) => ({ oracleMaxStaleTradeMs: r.pick([5_000, 10_000, 30_000]) }),
  (r) => ({ maxRepegStepE6: r.int(20_000), repegThresholdE6: r.int(10_000) }),
  (r) => ({ baseSpreadE6: r.int(2_000) }),
];

const INVALID_PARAMS: readonly unknown[] = [
  { initialMarginE6: 0 },
  { maintenanceMarginE6: 200_000 },
  { oracleSources: 0 },
  { fundingIntervalMs: 10 },
  { takerFeeE6: 1.5 },
  { priceBandE6: '100000' },
  { noSuchParam: 1 },
  { baseSpreadE6: 30_000 },
];

/**
 * Drives an engine with generated steps and checks, after every command, the
 * engine's invariants, that a rejection changed nothing and carries a known
 * code, and that the engine agrees with a small reference model (accounts,
 * markets, pauses, positions, deposits − withdrawals, oracle ordering).
 */
export class Harness {
  readonly e = new Engine();
  /** Every command applied, with its ts and outcome, and the state hash after it. */
  readonly log: { cmd: unknown; ts: number; outcome: Outcome }[] = [];
  readonly hashes: string[] = [];
  readonly stats = emptyStats();
  private now = 0;
  private accounts = 0;
  private readonly markets: ModelMarket[] = [];
  /** Positions by market, then account, summed from fill events. */
  private readonly positions: number[][] = [];
  /** Deposits + insurance deposits − withdrawals accepted so far. */
  private net = 0;
  private symbolCounter = 0;
  /** Symbols of the collateral assets, by id (0: USDC). */
  private readonly assets: string[] = ['USDC'];
  private stepIndex = -1;

  private readonly violent: boolean;

  constructor(setup: Setup) {
    this.violent = setup.violent === true;
    for (const spec of setup.markets) this.createMarket(spec.symbol, spec.initialPrice, spec.baseReserve, spec.params);
    for (const amount of setup.deposits) {
      this.run({ cmd: { type: 'createAccount' }, ts: 0, expect: null });
      this.run({ cmd: { type: 'deposit', account: this.accounts - 1, amount }, ts: 0, expect: null });
    }
    // A first price from every source, so trading starts at once.
    this.markets.forEach((mm, m) => {
      for (let s = 0; s < mm.sources; s++) {
        const price = Math.round(curvePrice(this.e.markets[m]));
        this.run({
          cmd: { type: 'oracle', market: m, source: s, price, confidence: 0, publishTs: T0 },
          ts: T0,
          expect: null,
        });
      }
    });
  }

  private createMarket(symbol: string, initialPrice: number, baseReserve: number, params: Partial<MarketParams>) {
    this.run({ cmd: { type: 'createMarket', symbol, initialPrice, baseReserve, params }, ts: 0, expect: null });
  }

  step(s: Step, index: number): void {
    this.stepIndex = index;
    const ts = this.nextTs(s.time);
    const r = new Rng(s.seed);
    this.run(this.plan(s.kind, r, ts));
  }

  /** Time passing: mostly sub-second to seconds, sometimes minutes or hours, sometimes a ts behind the clock. */
  private nextTs(time: number): number {
    const u = time % 1_000;
    const v = Math.floor(time / 1_000);
    let dt: number;
    if (u < 850) dt = v % 600;
    else if (u < 965) dt = 600 + (v % 3_000);
    else if (u < 985) dt = 60_000 + (v % 540_000);
    else if (u < 992) dt = HOUR_MS + (v % (2 * HOUR_MS));
    else dt = -(v % 5_000);
    return Math.max(0, this.now + dt);
  }

  /** After-check: the account's collateral moved by exactly `delta` plus the PnL settled in the command. */
  private collateralMoves(account: number, delta: number): (events: Event[]) => void {
    const before = this.e.accounts.collateral[account];
    return (events) => {
      const cross = (x: EventOf<'pnlSettled'>) =>
        x.account === account && this.e.markets[x.market].positions.isolated[account] === 0;
      const settled = eventsOf(events, 'pnlSettled').reduce((s, x) => s + (cross(x) ? x.amount : 0), 0);
      const now = this.e.accounts.collateral[account];
      if (now !== before + delta + settled)
        throw new Error(`collateral ${before} → ${now}, expected ${delta} + settled ${settled}`);
    };
  }

  private stalestMarket(): number {
    let best = 0;
    for (let i = 1; i < this.markets.length; i++) {
      if (Math.max(...this.markets[i].lastPublish) < Math.max(...this.markets[best].lastPublish)) best = i;
    }
    return best;
  }

  /** Collateral asset of a deposit or withdrawal: mostly absent (USDC); sometimes explicit, other or unknown. */
  private assetId(r: Rng): number | undefined {
    const q = r.pct();
    if (q < 75) return undefined;
    if (q < 85) return 0;
    return r.int(this.assets.length + 1);
  }

  private marketId(r: Rng): number {
    return r.pct() < 3 ? this.markets.length + r.int(3) : r.int(this.markets.length);
  }

  private accountId(r: Rng): number {
    return r.pct() < 3 || this.accounts === 0 ? this.accounts + r.int(3) : r.int(this.accounts);
  }

  private plan(kind: StepKind, r: Rng, ts: number): Planned {
    const now = Math.max(this.now, ts);
    const e = this.e;
    switch (kind) {
      case 'order':
        return this.planOrder(r, ts);
      case 'oracle':
        return this.planOracle(r, ts, now);
      case 'deposit': {
        const account = this.accountId(r);
        const q = r.pct();
        const amount =
          q < 80
            ? 1 + r.int(50_000 * USD)
            : q < 98
              ? 1 + r.int(2_000_000 * USD)
              : Number.MAX_SAFE_INTEGER - r.int(1_000);
        const asset = this.assetId(r);
        const cmd: Record<string, unknown> = { type: 'deposit', account, amount };
        if (asset !== undefined) cmd.asset = asset;
        const id = asset ?? 0;
        if (account >= this.accounts) return { cmd, ts, expect: 'UNKNOWN_ACCOUNT' };
        if (id >= this.assets.length) return { cmd, ts, expect: 'UNKNOWN_ASSET' };
        const unsafe =
          !Number.isSafeInteger(e.accounts.balances[id][account] + amount) ||
          !Number.isSafeInteger((id === 0 ? e.totalDeposits : e.assets[id].deposits) + amount);
        return {
          cmd,
          ts,
          expect: unsafe ? 'OUT_OF_RANGE' : null,
          after: this.collateralMoves(account, id === 0 ? amount : 0),
        };
      }
      case 'withdraw': {
        const account = this.accountId(r);
        const col = account < this.accounts ? e.accounts.collateral[account] : 0;
        const q = r.pct();
        const amount =
          q < 45
            ? 1 + Math.floor(col * r.next() * 0.5)
            : q < 50
              ? Math.max(1, col)
              : q < 65
                ? col + 1
                : q < 92
                  ? 1 + r.int(USD)
                  : Number.MAX_SAFE_INTEGER;
        const asset = this.assetId(r);
        const cmd: Record<string, unknown> = { type: 'withdraw', account, amount };
        if (asset !== undefined) cmd.asset = asset;
        const id = asset ?? 0;
        if (account >= this.accounts) return { cmd, ts, expect: 'UNKNOWN_ACCOUNT' };
        if (id >= this.assets.length) return { cmd, ts, expect: 'UNKNOWN_ASSET' };
        return { cmd, ts, after: this.collateralMoves(account, id === 0 ? -amount : 0) };
      }
      case 'insurance': {
        const amount = r.pct() < 95 ? 1 + r.int(10_000 * USD) : Number.MAX_SAFE_INTEGER;
        const unsafe =
          !Number.isSafeInteger(e.insuranceFund + amount) || !Number.isSafeInteger(e.totalDeposits + amount);
        return { cmd: { type: 'insuranceDeposit', amount }, ts, expect: unsafe ? 'OUT_OF_RANGE' : null };
      }
      case 'funding': {
        const market = this.marketId(r);
        const cmd = { type: 'fundingTick', market };
        if (market >= this.markets.length) return { cmd, ts, expect: 'UNKNOWN_MARKET' };
        if (this.markets[market].paused) return { cmd, ts, expect: 'MARKET_PAUSED' };
        const m = e.markets[market];
        const early = now - m.fundingTs < m.params.fundingIntervalMs;
        return {
          cmd,
          ts,
          expect: early ? 'FUNDING_TOO_EARLY' : undefined,
          after: (events) => {
            const f = oneEvent(events, 'funding');
            const cap = m.params.fundingCapE6;
            if (!(Math.abs(f.rateE6) <= cap)) throw new Error(`funding rate ${f.rateE6} beyond the cap ${cap}`);
            if (f.markTwap > f.oracleTwap && f.rateE6 < 0) throw new Error(`mark above oracle but rate ${f.rateE6}`);
            if (f.markTwap < f.oracleTwap && f.rateE6 > 0) throw new Error(`mark below oracle but rate ${f.rateE6}`);
            for (const rp of eventsOf(events, 'repeg')) {
              const bound = (rp.oldPeg * m.params.maxRepegStepE6) / E6 + 1;
              if (Math.abs(rp.newPeg - rp.oldPeg) > bound) throw new Error(`repeg ${show(rp)} beyond its step`);
            }
          },
        };
      }
      case 'settle': {
        const account = this.accountId(r);
        const market = this.marketId(r);
        const expect: ErrorCode | null =
          account >= this.accounts ? 'UNKNOWN_ACCOUNT' : market >= this.markets.length ? 'UNKNOWN_MARKET' : null;
        return {
          cmd: { type: 'settlePnl', account, market },
          ts,
          expect,
          after: expect === null ? this.collateralMoves(account, 0) : undefined,
        };
      }
      case 'createAccount':
        return { cmd: { type: 'createAccount' }, ts, expect: null };
      case 'createMarket':
        return this.planCreateMarket(r, ts);
      case 'updateMarket': {
        const market = this.marketId(r);
        const bad = r.pct() < 25;
        const params = bad
          ? r.pick([...INVALID_PARAMS, { oracleSources: (this.markets[market]?.sources ?? 1) + 1 }])
          : Object.assign({}, r.pick(VALID_PARAM_TWEAKS)(r), r.pct() < 30 ? r.pick(VALID_PARAM_TWEAKS)(r) : {});
        const expect: ErrorCode | null =
          market >= this.markets.length ? 'UNKNOWN_MARKET' : bad ? 'INVALID_PARAMS' : null;
        return {
          cmd: { type: 'updateMarket', market, params },
          ts,
          expect,
          after: () => {
            for (const [k, v] of Object.entries(params as object)) {
              if ((e.markets[market].params as unknown as Record<string, unknown>)[k] !== v)
                throw new Error(`updateMarket did not set ${k}`);
            }
          },
        };
      }
      case 'pauseResume': {
        const market = this.marketId(r);
        const paused = this.markets[market]?.paused ?? false;
        // A paused market is usually resumed; an active one is sometimes paused, sometimes "resumed" (rejected).
        const pause = paused ? r.pct() < 15 : r.pct() < 20;
        const cmd = { type: pause ? 'pauseMarket' : 'resumeMarket', market };
        if (market >= this.markets.length) return { cmd, ts, expect: 'UNKNOWN_MARKET' };
        if (pause && paused) return { cmd, ts, expect: 'MARKET_PAUSED' };
        if (!pause && !paused) return { cmd, ts, expect: 'MARKET_ACTIVE' };
        return { cmd, ts, expect: null };
      }
      case 'tick':
        return { cmd: { type: 'tick' }, ts, expect: null };
      case 'marginMode': {
        const account = this.accountId(r);
        const market = this.marketId(r);
        const cmd = { type: 'setMarginMode', account, market, isolated: r.pct() < 60 };
        return { cmd, ts, expect: this.lookupCode(account, market) };
      }
      case 'transferIsolated': {
        const account = this.accountId(r);
        const market = this.marketId(r);
        const known = this.lookupCode(account, market) === undefined;
        const iso = known ? e.markets[market].positions.isolatedCollateral[account] : 0;
        const col = known ? e.accounts.collateral[account] : 0;
        const amount =
          r.pct() < 60 ? 1 + Math.floor(Math.min(col, 20_000 * USD) * r.next()) : -(1 + Math.floor(iso * r.next()));
        return {
          cmd: { type: 'transferIsolated', account, market, amount },
          ts,
          expect: this.lookupCode(account, market),
        };
      }
      case 'liquidate':
        return this.planLiquidate(r, ts);
      case 'createAsset': {
        const q = r.pct();
        const symbol = q < 15 && this.assets.length > 1 ? r.pick(this.assets) : `AS${this.symbolCounter++}`;
        const priceMarket = this.marketId(r);
        const valid = r.pct() < 80;
        const maintenanceWeightE6 = 500_000 + r.int(500_001);
        const initialWeightE6 = valid ? Math.floor(maintenanceWeightE6 * r.next()) : maintenanceWeightE6 + 1;
        const cmd = { type: 'createAsset', symbol, priceMarket, initialWeightE6, maintenanceWeightE6 };
        let expect: ErrorCode | null;
        if (this.assets.length >= 16) expect = 'TOO_MANY_ASSETS';
        else if (this.assets.includes(symbol)) expect = 'DUPLICATE_ASSET';
        else if (priceMarket >= this.markets.length) expect = 'UNKNOWN_MARKET';
        else if (!valid) expect = 'INVALID_PARAMS';
        else expect = null;
        return { cmd, ts, expect };
      }
      case 'malformed':
        return this.planMalformed(r, ts);
    }
  }

  /** The lookup failure the engine must report first for an (account, market) command, if any. */
  private lookupCode(account: number, market: number): ErrorCode | undefined {
    if (account >= this.accounts) return 'UNKNOWN_ACCOUNT';
    if (market >= this.markets.length) return 'UNKNOWN_MARKET';
    return undefined;
  }

  private planLiquidate(r: Rng, ts: number): Planned {
    const e = this.e;
    const distressed: number[] = [];
    for (let a = 0; a < this.accounts; a++) if (e.accounts.liquidationSince[a] !== 0) distressed.push(a);
    const account = distressed.length > 0 && r.pct() < 80 ? r.pick(distressed) : this.accountId(r);
    let liquidator = this.accountId(r);
    if (liquidator === account && r.pct() < 80) liquidator = (account + 1) % Math.max(1, this.accounts);
    let market = this.marketId(r);
    if (account < this.accounts && r.pct() < 80) {
      const open = e.markets.findIndex((m) => m.positions.base[account] !== 0);
      if (open >= 0) market = open;
    }
    const pos = account < this.accounts && market < this.markets.length ? e.markets[market].positions.base[account] : 0;
    const size = Math.max(1, Math.floor(Math.abs(pos) * (0.05 + r.next())) || 1 + r.int(UNIT));
    const cmd = { type: 'liquidate', liquidator, account, market, size };
    let expect: ErrorCode | undefined = this.lookupCode(account, market);
    if (expect === undefined && liquidator >= this.accounts) expect = 'UNKNOWN_ACCOUNT';
    else if (expect === undefined && liquidator === account) expect = 'SELF_LIQUIDATION';
    else if (expect === undefined && pos === 0) expect = 'NOTHING_TO_LIQUIDATE';
    return { cmd, ts, expect };
  }

  private planOrder(r: Rng, ts: number): Planned {
    const e = this.e;
    const account = this.accountId(r);
    const market = this.marketId(r);
    let side: 'buy' | 'sell' = r.pct() < 50 ? 'buy' : 'sell';
    const known = account < this.accounts && market < this.markets.length;
    const m = known ? e.markets[market] : undefined;
    const pos = m ? m.positions.base[account] : 0;
    const reserve = m ? m.baseReserve : 1_000 * UNIT;
    const q = r.pct();
    const curveNow = m ? curvePrice(m) : 100 * PRICE_USD;
    const collateral = known ? e.accounts.collateral[account] : 0;
    let size: number;
    if (q < 5) size = 1 + r.int(1_000);
    else if (q < (this.violent ? 25 : 15))
      size = Math.min(reserve * 0.05, (collateral * (2 + r.next() * 7.5) * UNIT) / curveNow); // 2–9.5× leverage
    else if (q < 55) size = reserve * (0.0001 + r.next() * 0.005);
    else if (q < 78) size = reserve * (0.005 + r.next() * 0.045);
    else if (q < 83) size = reserve * (0.05 + r.next() * 0.3);
    else if (q < 85) size = r.pick([2 ** 52, Number.MAX_SAFE_INTEGER]);
    else if (pos !== 0) {
      // Close exactly, or flip through zero.
      side = pos > 0 ? 'sell' : 'buy';
      size = Math.abs(pos) + (r.pct() < 50 ? 0 : reserve * r.next() * 0.01);
    } else size = reserve * r.next() * 0.01;
    size = Math.max(1, Math.floor(size));
    const ro = r.pct();
    const reduceOnly = ro < 15 ? true : ro < 20 ? false : undefined;
    // A reduce-only order is usually on the closing side; sometimes on the wrong side or from flat (REDUCE_ONLY).
    if (reduceOnly === true && pos !== 0 && r.pct() < 75) side = pos > 0 ? 'sell' : 'buy';
    const cmd: Record<string, unknown> = { type: 'marketOrder', account, market, side, size };
    if (reduceOnly !== undefined) cmd.reduceOnly = reduceOnly;
    const w = r.pct();
    const curve = m ? curvePrice(m) : 100 * PRICE_USD;
    if (w >= 60 && w < 65) cmd.worstPrice = 0;
    else if (w >= 65) {
      // Mostly a limit the order can reach; sometimes one already behind the curve (WORST_PRICE).
      const reachable = r.pct() < 75 ? 1 : -1;
      const away = (side === 'buy' ? 1 : -1) * reachable * r.next() * 0.03;
      cmd.worstPrice = Math.max(1, Math.round(curve * (1 + away)));
    }

    if (account >= this.accounts) return { cmd, ts, expect: 'UNKNOWN_ACCOUNT' };
    if (market >= this.markets.length) return { cmd, ts, expect: 'UNKNOWN_MARKET' };
    if (this.markets[market].paused) return { cmd, ts, expect: 'MARKET_PAUSED' };
    const sign = side === 'buy' ? 1 : -1;
    const opposite = pos !== 0 && Math.sign(pos) !== sign;
    if (cmd.reduceOnly === true && !opposite) return { cmd, ts, expect: 'REDUCE_ONLY' };
    const effective = cmd.reduceOnly === true ? Math.min(size, Math.abs(pos)) : size;
    const reducing = opposite && effective <= Math.abs(pos);
    this.stats.orders++;
    // Fees come out of the isolated collateral for an isolated position, the account's otherwise.
    const paying = m!.positions.isolated[account] === 1 ? m!.positions.isolatedCollateral : e.accounts.collateral;
    const colBefore = paying[account];
    const feePoolBefore = m!.feePool;
    return {
      cmd,
      ts,
      forbid: reducing ? NEVER_FOR_REDUCING : undefined,
      after: (events) => {
        this.stats.fills++;
        const fill = oneEvent(events, 'fill');
        const after = m!.positions.base[account];
        if (fill.account !== account || fill.market !== market || fill.side !== side)
          throw new Error(`fill ${show(fill)} does not match the order`);
        if (!(fill.base >= 1 && fill.base <= effective))
          throw new Error(`fill of ${fill.base} for an order of ${effective}`);
        if (fill.positionBase !== after) throw new Error(`fill.positionBase ${fill.positionBase} ≠ position ${after}`);
        if (after !== pos + sign * fill.base) throw new Error(`position ${pos} + ${sign * fill.base} ≠ ${after}`);
        if (cmd.reduceOnly === true && (Math.abs(after) > Math.abs(pos) || Math.sign(after) === -Math.sign(pos)))
          throw new Error(`reduce-only order moved the position from ${pos} to ${after}`);
        const worst = cmd.worstPrice as number | undefined;
        if (worst !== undefined && worst > 0) {
          const slack = UNIT / fill.base + 1;
          if (side === 'buy' && fill.price > worst + slack) throw new Error(`bought at ${fill.price} > worst ${worst}`);
          if (side === 'sell' && fill.price < worst - slack) throw new Error(`sold at ${fill.price} < worst ${worst}`);
        }
        // Collateral moves only by settled PnL and the charge that went into the fee pool; the fee pool
        // also pays what it covers of a bankruptcy the order closed the account into (AMM the only counterparty).
        const settled = eventsOf(events, 'pnlSettled').reduce((s, x) => s + x.amount, 0);
        const charge = colBefore + settled - paying[account];
        const covered = eventsOf(events, 'bankruptcy')
          .filter((x) => x.market === market)
          .reduce((s, x) => s + x.feePoolCovered, 0);
        if (m!.feePool - feePoolBefore !== charge - covered)
          throw new Error(
            `fee pool grew by ${m!.feePool - feePoolBefore}, collateral paid ${charge}, bankruptcy took ${covered}`,
          );
        const full = fill.fee + fill.spreadFee;
        if (charge !== full && !(reducing && charge < full && paying[account] === 0))
          throw new Error(`charged ${charge} for fee ${fill.fee} + spread ${fill.spreadFee}`);
      },
    };
  }

  private planOracle(r: Rng, ts: number, now: number): Planned {
    const e = this.e;
    // Mostly feed the market whose price is oldest, so markets stay tradable after time jumps.
    const market = r.pct() < 70 ? this.stalestMarket() : this.marketId(r);
    const mm = this.markets[market];
    const sources = mm?.sources ?? 1;
    const source = r.pct() < 3 ? sources + r.int(2) : r.int(sources);
    const m = e.markets[market];
    const curve = m ? curvePrice(m) : 100 * PRICE_USD;
    const last = mm?.lastOraclePrice || curve;
    const p = r.pct();
    let price: number;
    // The violent profile has long calm stretches, where leverage builds up at low volatility, each
    // ended by a storm of jumps that persist (leveraged accounts are liquidated, some go bankrupt).
    const storm = this.violent && this.stepIndex % 300 >= 240;
    const [nearCurve, nearLast, jump] = storm ? [0, 50, 100] : this.violent ? [85, 100, 100] : [66, 88, 98];
    if (p < nearCurve) price = curve * (1 + (r.next() - 0.5) * 0.002);
    else if (p < nearLast) price = last * (1 + (r.next() - 0.5) * 0.02);
    else if (p < jump) price = last * (r.pct() < 50 ? 1.15 + r.next() * 0.85 : 0.3 + r.next() * 0.55);
    else price = r.pick([1, 1_000, 1e13]);
    price = Math.max(1, Math.round(price));
    const confidence = Math.round(price * (r.pct() < 90 ? r.next() * 0.005 : 0.02 + r.next() * 0.1));
    const lastPub = mm && source < sources ? mm.lastPublish[source] : -1;
    const q = r.pct();
    let publishTs: number;
    if (q < 82) publishTs = Math.max(0, now - r.int(2_000));
    else if (q < 87) publishTs = Math.max(0, now - 61_000 - r.int(300_000));
    else if (q < 91) publishTs = Math.max(0, lastPub);
    else if (q < 95) publishTs = now + 1 + r.int(1_000);
    else publishTs = now + 1_001 + r.int(100_000);
    const cmd = { type: 'oracle', market, source, price, confidence, publishTs };
    let expect: ErrorCode | null;
    if (!mm) expect = 'UNKNOWN_MARKET';
    else if (source >= sources) expect = 'ORACLE_BAD_SOURCE';
    else if (publishTs > now + 1_000) expect = 'ORACLE_FUTURE';
    else if (publishTs <= lastPub) expect = 'ORACLE_OUT_OF_ORDER';
    else expect = null;
    return { cmd, ts, expect };
  }

  private planCreateMarket(r: Rng, ts: number): Planned {
    const q = r.pct();
    const symbol =
      q < 15 && this.markets.length > 0
        ? r.pick(this.markets).symbol
        : q < 20
          ? 'bad symbol'
          : `R${this.symbolCounter++}`;
    const p = r.pct();
    const params: unknown =
      p < 20 ? r.pick(INVALID_PARAMS) : p < 60 ? { oracleSources: 1 + r.int(3), fundingIntervalMs: 60_000 } : undefined;
    const initialPrice = 1 + r.int(10_000 * PRICE_USD);
    const baseReserve = UNIT + r.int(100_000 * UNIT);
    const cmd = { type: 'createMarket', symbol, initialPrice, baseReserve, params };
    let expect: ErrorCode | null;
    if (symbol === 'bad symbol') expect = 'BAD_COMMAND';
    else if (this.markets.length >= 64) expect = 'TOO_MANY_MARKETS';
    else if (this.markets.some((x) => x.symbol === symbol)) expect = 'DUPLICATE_MARKET';
    else if (p < 20) expect = 'INVALID_PARAMS';
    else expect = null;
    return { cmd, ts, expect };
  }

  /** One field wrong at a time, everything else valid, so each case has one certain code. */
  private planMalformed(r: Rng, ts: number): Planned {
    const a = Math.max(0, this.accounts - 1);
    const m = 0;
    const cases: [unknown, ErrorCode][] = [
      [null, 'BAD_COMMAND'],
      [undefined, 'BAD_COMMAND'],
      [42, 'BAD_COMMAND'],
      ['deposit', 'BAD_COMMAND'],
      [[], 'BAD_COMMAND'],
      [{}, 'BAD_COMMAND'],
      [{ type: 'noSuchCommand' }, 'BAD_COMMAND'],
      [{ type: 7 }, 'BAD_COMMAND'],
      [{ type: 'deposit', account: a, amount: -5 }, 'BAD_AMOUNT'],
      [{ type: 'deposit', account: a, amount: 1.5 }, 'BAD_AMOUNT'],
      [{ type: 'deposit', account: a, amount: Number.NaN }, 'BAD_AMOUNT'],
      [{ type: 'deposit', account: a, amount: Number.POSITIVE_INFINITY }, 'BAD_AMOUNT'],
      [{ type: 'deposit', account: a, amount: 0 }, 'BAD_AMOUNT'],
      [{ type: 'deposit', account: a, amount: 2 ** 53 }, 'BAD_AMOUNT'],
      [{ type: 'deposit', account: a, amount: '100' }, 'BAD_AMOUNT'],
      [{ type: 'deposit', account: String(a), amount: 100 }, 'BAD_COMMAND'],
      [{ type: 'deposit', account: -1, amount: 100 }, 'BAD_COMMAND'],
      [{ type: 'deposit', account: 0.5, amount: 100 }, 'BAD_COMMAND'],
      [{ type: 'deposit', account: Number.NaN, amount: 100 }, 'BAD_COMMAND'],
      [{ type: 'deposit', account: this.accounts + 7, amount: 100 }, 'UNKNOWN_ACCOUNT'],
      [{ type: 'withdraw', account: a, amount: 0 }, 'BAD_AMOUNT'],
      [{ type: 'withdraw', account: a, amount: -1 }, 'BAD_AMOUNT'],
      [{ type: 'insuranceDeposit', amount: -1 }, 'BAD_AMOUNT'],
      [{ type: 'insuranceDeposit', amount: 2 ** 60 }, 'BAD_AMOUNT'],
      [{ type: 'marketOrder', account: a, market: m, side: 'long', size: UNIT }, 'BAD_COMMAND'],
      [{ type: 'marketOrder', account: a, market: m, side: 'buy', size: -1 }, 'BAD_AMOUNT'],
      [{ type: 'marketOrder', account: a, market: m, side: 'buy', size: 0 }, 'BAD_AMOUNT'],
      [{ type: 'marketOrder', account: a, market: m, side: 'buy', size: 1.25 }, 'BAD_AMOUNT'],
      [{ type: 'marketOrder', account: a, market: m, side: 'sell', size: Number.NaN }, 'BAD_AMOUNT'],
      [{ type: 'marketOrder', account: a, market: m, side: 'buy', size: UNIT, worstPrice: -1 }, 'BAD_PRICE'],
      [{ type: 'marketOrder', account: a, market: m, side: 'buy', size: UNIT, worstPrice: 1.5 }, 'BAD_PRICE'],
      [{ type: 'marketOrder', account: a, market: m, side: 'buy', size: UNIT, reduceOnly: 'yes' }, 'BAD_COMMAND'],
      [{ type: 'marketOrder', account: a, market: 99, side: 'buy', size: UNIT }, 'UNKNOWN_MARKET'],
      [{ type: 'marketOrder', account: a, market: '0', side: 'buy', size: UNIT }, 'BAD_COMMAND'],
      [{ type: 'oracle', market: m, source: 0, price: '100', confidence: 0, publishTs: ts }, 'BAD_COMMAND'],
      [{ type: 'oracle', market: m, source: 0, price: Number.NaN, confidence: 0, publishTs: ts }, 'BAD_PRICE'],
      [{ type: 'oracle', market: m, source: 0, price: -100, confidence: 0, publishTs: ts }, 'BAD_PRICE'],
      [{ type: 'oracle', market: m, source: 0, price: 100, confidence: -1, publishTs: ts }, 'BAD_PRICE'],
      [{ type: 'oracle', market: m, source: 0, price: 100, confidence: 0, publishTs: -1 }, 'BAD_COMMAND'],
      [{ type: 'oracle', market: m, source: 0, price: 100, confidence: 0, publishTs: 'now' }, 'BAD_COMMAND'],
      [{ type: 'oracle', market: m, source: 0.5, price: 100, confidence: 0, publishTs: ts }, 'ORACLE_BAD_SOURCE'],
      [{ type: 'oracle', market: m, source: 99, price: 100, confidence: 0, publishTs: ts }, 'ORACLE_BAD_SOURCE'],
      [{ type: 'createMarket', symbol: 'lower', initialPrice: 1, baseReserve: UNIT }, 'BAD_COMMAND'],
      [{ type: 'createMarket', symbol: 'OK1', initialPrice: 0, baseReserve: UNIT }, 'BAD_PRICE'],
      [{ type: 'createMarket', symbol: 'OK1', initialPrice: 1, baseReserve: 1.5 }, 'BAD_AMOUNT'],
      [{ type: 'createMarket', symbol: 'OK1', initialPrice: 1, baseReserve: UNIT, params: [] }, 'BAD_COMMAND'],
      [{ type: 'createMarket', symbol: 'OK1', initialPrice: 1, baseReserve: 2 ** 52 + 2 }, 'OUT_OF_RANGE'],
      [{ type: 'updateMarket', market: m, params: null }, 'BAD_COMMAND'],
      [{ type: 'updateMarket', market: m }, 'BAD_COMMAND'],
      [{ type: 'pauseMarket', market: -3 }, 'BAD_COMMAND'],
      [{ type: 'fundingTick', market: Number.POSITIVE_INFINITY }, 'BAD_COMMAND'],
      [{ type: 'settlePnl', account: a, market: 77 }, 'UNKNOWN_MARKET'],
      [{ type: 'settlePnl', account: this.accounts + 1, market: m }, 'UNKNOWN_ACCOUNT'],
    ];
    const [cmd, code] = r.pick(cases);
    return { cmd, ts, expect: code };
  }

  private fail(what: string, p: Planned, out: Outcome): never {
    throw new Error(
      `step ${this.stepIndex} (command ${this.log.length}): ${what}\n  command: ${show(p.cmd)} at ts ${p.ts}\n  outcome: ${show(out)}`,
    );
  }

  /** Apply one planned command and check everything the model knows. */
  run(p: Planned): void {
    const e = this.e;
    const before = e.stateHash();
    const seqBefore = e.seq;
    const out = e.apply(p.cmd as Command, p.ts);
    // Kept past later commands: a tick's liquidation rows are read now, as the events they stand for.
    this.log.push({ cmd: p.cmd, ts: p.ts, outcome: out.ok ? { ...out, events: classicEvents(out.events) } : out });
    this.now = Math.max(this.now, p.ts);
    this.stats.commands++;
    if (out.seq !== seqBefore + 1) this.fail(`seq ${out.seq} after ${seqBefore}`, p, out);
    if (e.lastTs !== this.now)
      this.fail(`engine time ${e.lastTs} ≠ ${this.now} (time must never run backwards)`, p, out);
    if (out.ok) {
      this.stats.accepted++;
      if (p.expect) this.fail(`accepted, but the model expected ${p.expect}`, p, out);
      try {
        const events = classicEvents(out.events);
        this.applyToModel(p, events);
        p.after?.(events);
      } catch (err) {
        this.fail(err instanceof Error ? err.message : String(err), p, out);
      }
    } else {
      this.stats.codes[out.code] = (this.stats.codes[out.code] ?? 0) + 1;
      if (!Object.hasOwn(ErrorCodes, out.code)) this.fail(`unknown error code ${out.code}`, p, out);
      if (out.code === 'INTERNAL_ERROR') this.fail('INTERNAL_ERROR: apply threw', p, out);
      if (e.stateHash() !== before) this.fail('a rejected command changed the state hash', p, out);
      if (p.expect === null) this.fail('rejected, but the model expected acceptance', p, out);
      if (p.expect !== undefined && out.code !== p.expect) this.fail(`expected ${p.expect}`, p, out);
      if (p.forbid?.includes(out.code)) this.fail(`a reducing order must never be refused with ${out.code}`, p, out);
    }
    this.hashes.push(e.stateHash());
    this.checkState(p, out);
  }

  private applyToModel(p: Planned, events: Event[]): void {
    const cmd = p.cmd as Command;
    switch (cmd.type) {
      case 'createAccount': {
        const id = oneEvent(events, 'accountCreated').account;
        if (id !== this.accounts) throw new Error(`new account id ${id}, expected ${this.accounts}`);
        this.accounts++;
        for (const row of this.positions) row.push(0);
        break;
      }
      case 'createMarket': {
        const created = oneEvent(events, 'marketCreated');
        if (created.market !== this.markets.length) throw new Error(`new market id ${created.market}`);
        const sources = created.params.oracleSources;
        this.markets.push({
          symbol: cmd.symbol,
          sources,
          paused: false,
          lastPublish: new Array(sources).fill(-1),
          lastOraclePrice: 0,
        });
        this.positions.push(new Array(this.accounts).fill(0));
        break;
      }
      case 'deposit':
        if (oneEvent(events, 'deposited').amount !== cmd.amount) throw new Error('deposited amount');
        if ((cmd.asset ?? 0) === 0) this.net += cmd.amount;
        break;
      case 'insuranceDeposit':
        this.net += cmd.amount;
        break;
      case 'withdraw':
        if (oneEvent(events, 'withdrawn').amount !== cmd.amount) throw new Error('withdrawn amount');
        if ((cmd.asset ?? 0) === 0) this.net -= cmd.amount;
        break;
      case 'createAsset': {
        const created = oneEvent(events, 'assetCreated');
        if (created.asset !== this.assets.length) throw new Error(`new asset id ${created.asset}`);
        this.assets.push(cmd.symbol);
        break;
      }
      case 'tick':
        this.stats.ticks++;
        break;
      case 'pauseMarket':
        this.markets[cmd.market].paused = true;
        break;
      case 'resumeMarket':
        this.markets[cmd.market].paused = false;
        break;
      case 'oracle': {
        const mm = this.markets[cmd.market];
        mm.lastPublish[cmd.source] = cmd.publishTs;
        const agg = eventsOf(events, 'oraclePrice');
        if (agg.length > 1) throw new Error(`several oraclePrice events: ${show(events)}`);
        if (agg.length === 1) mm.lastOraclePrice = agg[0].price;
        break;
      }
      case 'fundingTick':
        this.stats.fundings++;
        this.stats.repegs += eventsOf(events, 'repeg').length;
        break;
      default:
        break;
    }
    for (const f of eventsOf(events, 'fill')) {
      this.positions[f.market][f.account] += f.side === 'buy' ? f.base : -f.base;
    }
    for (const l of eventsOf(events, 'liquidation')) {
      const d = l.side === 'buy' ? l.base : -l.base;
      this.positions[l.market][l.account] += d;
      if (l.liquidator >= 0) this.positions[l.market][l.liquidator] -= d;
      this.stats.liquidations++;
    }
    this.stats.bankruptcies += eventsOf(events, 'bankruptcy').length;
  }

  private checkState(p: Planned, out: Outcome): void {
    const e = this.e;
    const broken = [...e.validateInvariants(), ...extraInvariants(e)];
    if (broken.length > 0) this.fail(`invariants: ${broken.join('; ')}`, p, out);
    if (e.accounts.count !== this.accounts) this.fail(`${e.accounts.count} accounts, model ${this.accounts}`, p, out);
    if (e.markets.length !== this.markets.length)
      this.fail(`${e.markets.length} markets, model ${this.markets.length}`, p, out);
    if (e.totalDeposits - e.totalWithdrawals !== this.net)
      this.fail(`deposits − withdrawals ${e.totalDeposits - e.totalWithdrawals}, model ${this.net}`, p, out);
    if (ledgerTotal(e) !== this.net) this.fail(`ledgers hold ${ledgerTotal(e)}, model ${this.net}`, p, out);
    this.markets.forEach((mm, id) => {
      const m = e.markets[id];
      if ((m.status === MARKET_PAUSED) !== mm.paused) this.fail(`market ${id} paused ≠ model ${mm.paused}`, p, out);
      const row = this.positions[id];
      for (let a = 0; a < this.accounts; a++) {
        if (m.positions.base[a] !== row[a])
          this.fail(`market ${id} account ${a} position ${m.positions.base[a]}, fills say ${row[a]}`, p, out);
      }
    });
  }
}
