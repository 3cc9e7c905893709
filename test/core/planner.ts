/**
 * The planning half of the engine's property harness (harness.ts): for each
 * generated step, a command and what the reference model is certain of
 * about it (the code it must be rejected with, that it must be accepted, the
 * codes it must never get, and checks of its events). The Harness applies
 * the plan, updates the model and checks the engine against it.
 */
import type { Engine } from '../../core/engine.ts';
import type { ErrorCode } from '../../core/errors.ts';
import type { Event } from '../../core/events.ts';
import type { MarketParams } from '../../core/params.ts';
import type { RunStats } from './harness.ts';
import { curvePrice, E6, type EventOf, eventsOf, HOUR_MS, oneEvent, PRICE_USD, show, UNIT, USD } from './helpers.ts';
import { INVALID_PARAMS, malformedCommand } from './malformed.ts';
import type { Rng, StepKind } from './streams.ts';

export interface ModelMarket {
  symbol: string;
  sources: number;
  paused: boolean;
  /** Publish time of the last accepted update per source (−1: none). */
  lastPublish: number[];
  lastOraclePrice: number;
}

/** What the harness believes of the engine, from the commands it accepted (the reference model). */
export interface Model {
  /** The sequencer's clock as the engine sees it (the latest ts applied). */
  now: number;
  /** The step being planned and applied. */
  stepIndex: number;
  accounts: number;
  markets: ModelMarket[];
  /** Positions by market, then account, summed from fill events. */
  positions: number[][];
  /** Deposits + insurance deposits − withdrawals accepted so far. */
  net: number;
  symbolCounter: number;
  /** Symbols of the collateral assets, by id (0: USDC). */
  assets: string[];
}

export function newModel(): Model {
  return { now: 0, stepIndex: -1, accounts: 0, markets: [], positions: [], net: 0, symbolCounter: 0, assets: ['USDC'] };
}

export interface Planned {
  cmd: unknown;
  ts: number;
  /** The code the model is certain of (null: must be accepted; undefined: the model does not know). */
  expect?: ErrorCode | null;
  /** Codes the command must not be rejected with. */
  forbid?: readonly ErrorCode[];
  /** Extra checks after an accepted command. */
  after?: (events: Event[]) => void;
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

export class Planner {
  constructor(
    private readonly e: Engine,
    private readonly model: Model,
    private readonly stats: RunStats,
    private readonly violent: boolean,
  ) {}

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
    for (let i = 1; i < this.model.markets.length; i++) {
      if (Math.max(...this.model.markets[i].lastPublish) < Math.max(...this.model.markets[best].lastPublish)) best = i;
    }
    return best;
  }

  /** Collateral asset of a deposit or withdrawal: mostly absent (USDC); sometimes explicit, other or unknown. */
  private assetId(r: Rng): number | undefined {
    const q = r.pct();
    if (q < 75) return undefined;
    if (q < 85) return 0;
    return r.int(this.model.assets.length + 1);
  }

  private marketId(r: Rng): number {
    return r.pct() < 3 ? this.model.markets.length + r.int(3) : r.int(this.model.markets.length);
  }

  private accountId(r: Rng): number {
    return r.pct() < 3 || this.model.accounts === 0 ? this.model.accounts + r.int(3) : r.int(this.model.accounts);
  }

  plan(kind: StepKind, r: Rng, ts: number): Planned {
    const now = Math.max(this.model.now, ts);
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
        if (account >= this.model.accounts) return { cmd, ts, expect: 'UNKNOWN_ACCOUNT' };
        if (id >= this.model.assets.length) return { cmd, ts, expect: 'UNKNOWN_ASSET' };
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
        const col = account < this.model.accounts ? e.accounts.collateral[account] : 0;
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
        if (account >= this.model.accounts) return { cmd, ts, expect: 'UNKNOWN_ACCOUNT' };
        if (id >= this.model.assets.length) return { cmd, ts, expect: 'UNKNOWN_ASSET' };
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
        if (market >= this.model.markets.length) return { cmd, ts, expect: 'UNKNOWN_MARKET' };
        if (this.model.markets[market].paused) return { cmd, ts, expect: 'MARKET_PAUSED' };
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
          account >= this.model.accounts
            ? 'UNKNOWN_ACCOUNT'
            : market >= this.model.markets.length
              ? 'UNKNOWN_MARKET'
              : null;
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
          ? r.pick([...INVALID_PARAMS, { oracleSources: (this.model.markets[market]?.sources ?? 1) + 1 }])
          : Object.assign({}, r.pick(VALID_PARAM_TWEAKS)(r), r.pct() < 30 ? r.pick(VALID_PARAM_TWEAKS)(r) : {});
        const expect: ErrorCode | null =
          market >= this.model.markets.length ? 'UNKNOWN_MARKET' : bad ? 'INVALID_PARAMS' : null;
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
        const paused = this.model.markets[market]?.paused ?? false;
        // A paused market is usually resumed; an active one is sometimes paused, sometimes "resumed" (rejected).
        const pause = paused ? r.pct() < 15 : r.pct() < 20;
        const cmd = { type: pause ? 'pauseMarket' : 'resumeMarket', market };
        if (market >= this.model.markets.length) return { cmd, ts, expect: 'UNKNOWN_MARKET' };
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
        const symbol =
          q < 15 && this.model.assets.length > 1 ? r.pick(this.model.assets) : `AS${this.model.symbolCounter++}`;
        const priceMarket = this.marketId(r);
        const valid = r.pct() < 80;
        const maintenanceWeightE6 = 500_000 + r.int(500_001);
        const initialWeightE6 = valid ? Math.floor(maintenanceWeightE6 * r.next()) : maintenanceWeightE6 + 1;
        const cmd = { type: 'createAsset', symbol, priceMarket, initialWeightE6, maintenanceWeightE6 };
        let expect: ErrorCode | null;
        if (this.model.assets.length >= 16) expect = 'TOO_MANY_ASSETS';
        else if (this.model.assets.includes(symbol)) expect = 'DUPLICATE_ASSET';
        else if (priceMarket >= this.model.markets.length) expect = 'UNKNOWN_MARKET';
        else if (!valid) expect = 'INVALID_PARAMS';
        else expect = null;
        return { cmd, ts, expect };
      }
      case 'malformed':
        return malformedCommand(r, ts, this.model.accounts);
    }
  }

  /** The lookup failure the engine must report first for an (account, market) command, if any. */
  private lookupCode(account: number, market: number): ErrorCode | undefined {
    if (account >= this.model.accounts) return 'UNKNOWN_ACCOUNT';
    if (market >= this.model.markets.length) return 'UNKNOWN_MARKET';
    return undefined;
  }

  private planLiquidate(r: Rng, ts: number): Planned {
    const e = this.e;
    const distressed: number[] = [];
    for (let a = 0; a < this.model.accounts; a++) if (e.accounts.liquidationSince[a] !== 0) distressed.push(a);
    const account = distressed.length > 0 && r.pct() < 80 ? r.pick(distressed) : this.accountId(r);
    let liquidator = this.accountId(r);
    if (liquidator === account && r.pct() < 80) liquidator = (account + 1) % Math.max(1, this.model.accounts);
    let market = this.marketId(r);
    if (account < this.model.accounts && r.pct() < 80) {
      const open = e.markets.findIndex((m) => m.positions.base[account] !== 0);
      if (open >= 0) market = open;
    }
    const pos =
      account < this.model.accounts && market < this.model.markets.length
        ? e.markets[market].positions.base[account]
        : 0;
    const size = Math.max(1, Math.floor(Math.abs(pos) * (0.05 + r.next())) || 1 + r.int(UNIT));
    const cmd = { type: 'liquidate', liquidator, account, market, size };
    let expect: ErrorCode | undefined = this.lookupCode(account, market);
    if (expect === undefined && liquidator >= this.model.accounts) expect = 'UNKNOWN_ACCOUNT';
    else if (expect === undefined && liquidator === account) expect = 'SELF_LIQUIDATION';
    else if (expect === undefined && pos === 0) expect = 'NOTHING_TO_LIQUIDATE';
    return { cmd, ts, expect };
  }

  private planOrder(r: Rng, ts: number): Planned {
    const e = this.e;
    const account = this.accountId(r);
    const market = this.marketId(r);
    let side: 'buy' | 'sell' = r.pct() < 50 ? 'buy' : 'sell';
    const known = account < this.model.accounts && market < this.model.markets.length;
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

    if (account >= this.model.accounts) return { cmd, ts, expect: 'UNKNOWN_ACCOUNT' };
    if (market >= this.model.markets.length) return { cmd, ts, expect: 'UNKNOWN_MARKET' };
    if (this.model.markets[market].paused) return { cmd, ts, expect: 'MARKET_PAUSED' };
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
    const mm = this.model.markets[market];
    const sources = mm?.sources ?? 1;
    const source = r.pct() < 3 ? sources + r.int(2) : r.int(sources);
    const m = e.markets[market];
    const curve = m ? curvePrice(m) : 100 * PRICE_USD;
    const last = mm?.lastOraclePrice || curve;
    const p = r.pct();
    let price: number;
    // The violent profile has long calm stretches, where leverage builds up at low volatility, each
    // ended by a storm of jumps that persist (leveraged accounts are liquidated, some go bankrupt).
    const storm = this.violent && this.model.stepIndex % 300 >= 240;
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
      q < 15 && this.model.markets.length > 0
        ? r.pick(this.model.markets).symbol
        : q < 20
          ? 'bad symbol'
          : `R${this.model.symbolCounter++}`;
    const p = r.pct();
    const params: unknown =
      p < 20 ? r.pick(INVALID_PARAMS) : p < 60 ? { oracleSources: 1 + r.int(3), fundingIntervalMs: 60_000 } : undefined;
    const initialPrice = 1 + r.int(10_000 * PRICE_USD);
    const baseReserve = UNIT + r.int(100_000 * UNIT);
    const cmd = { type: 'createMarket', symbol, initialPrice, baseReserve, params };
    let expect: ErrorCode | null;
    if (symbol === 'bad symbol') expect = 'BAD_COMMAND';
    else if (this.model.markets.length >= 64) expect = 'TOO_MANY_MARKETS';
    else if (this.model.markets.some((x) => x.symbol === symbol)) expect = 'DUPLICATE_MARKET';
    else if (p < 20) expect = 'INVALID_PARAMS';
    else expect = null;
    return { cmd, ts, expect };
  }

  /** One field wrong at a time, everything else valid, so each case has one certain code. */
}
