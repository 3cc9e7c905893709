/**
 * A market's state: parameters, curve, ledgers, oracle, TWAPs, funding, and
 * the position columns of every account in it (indexed by account id).
 */
import type { OrderBookApi } from './book/types.ts';
import { grown } from './columns.ts';
import type { SelfTrade, Side, TimeInForce, Trigger } from './commands.ts';
import type { MarketParams } from './params.ts';

export const MARKET_ACTIVE = 0;
export const MARKET_PAUSED = 1;

export interface OracleSource {
  price: number;
  confidence: number;
  publishTs: number;
}

/** A stop or take-profit order held off the book until its trigger price is crossed. */
export interface TriggerOrder {
  readonly orderId: number;
  readonly account: number;
  readonly side: Side;
  readonly size: number;
  /** Limit price once triggered; 0 for a market order. */
  readonly price: number;
  readonly trigger: Trigger;
  readonly timeInForce: TimeInForce;
  readonly expiryTs: number;
  readonly reduceOnly: boolean;
  readonly postOnly: boolean;
  readonly clientId: number;
  readonly selfTrade: SelfTrade;
}

export class PositionColumns {
  /** Signed base units (positive: long). */
  base: Float64Array;
  /** Signed quote entry: −cost for longs, +proceeds for shorts (quote units). */
  quoteEntry: Float64Array;
  /** Cumulative funding index of the position's side at the last settlement. */
  fundingIndex: Float64Array;
  /** Unsettled PnL in this market: positive is a claim on the PnL pool, negative a debt to it. */
  pnl: Float64Array;
  /** 1 when the position is isolated: it has its own collateral and its own liquidation. */
  isolated: Float64Array;
  /** USDC collateral assigned to an isolated position (quote units). */
  isolatedCollateral: Float64Array;
  /** Base units resting on the book: bids and asks of the account (margin counts the worst side). */
  openBids: Float64Array;
  openAsks: Float64Array;
  /** Number of the account's resting reduce-only orders (so fills only re-check accounts that have some). */
  reduceOnlyOrders: Float64Array;
  /** Derived cache, not state: the position's watch threshold (margin/thresholds.ts). */
  threshold: Float64Array;
  /**
   * Derived, not state (margin/thresholds.ts scanMarket): upper bounds on the
   * column's long (positive) and short (negative) thresholds, −∞ when it has
   * none, valid while `boundsCount` is the account count the last full scan
   * read (−1: no bounds; a grown column starts without).
   */
  thresholdLongMax = Number.NEGATIVE_INFINITY;
  thresholdShortMax = Number.NEGATIVE_INFINITY;
  boundsCount = -1;

  constructor(capacity: number) {
    this.base = new Float64Array(capacity);
    this.quoteEntry = new Float64Array(capacity);
    this.fundingIndex = new Float64Array(capacity);
    this.pnl = new Float64Array(capacity);
    this.isolated = new Float64Array(capacity);
    this.isolatedCollateral = new Float64Array(capacity);
    this.openBids = new Float64Array(capacity);
    this.openAsks = new Float64Array(capacity);
    this.reduceOnlyOrders = new Float64Array(capacity);
    this.threshold = new Float64Array(capacity);
  }

  reserve(n: number): void {
    this.base = grown(this.base, n);
    this.quoteEntry = grown(this.quoteEntry, n);
    this.fundingIndex = grown(this.fundingIndex, n);
    this.pnl = grown(this.pnl, n);
    this.isolated = grown(this.isolated, n);
    this.isolatedCollateral = grown(this.isolatedCollateral, n);
    this.openBids = grown(this.openBids, n);
    this.openAsks = grown(this.openAsks, n);
    this.reduceOnlyOrders = grown(this.reduceOnlyOrders, n);
    const threshold = grown(this.threshold, n);
    if (threshold !== this.threshold) this.boundsCount = -1;
    this.threshold = threshold;
  }
}

/**
 * Index of every mutable scalar of a market in its `f` column. Writes go
 * through the undo log as typed-array slot writes (`undo.atField(m, MF.x, v)`),
 * which stay monomorphic on the hot path; reads use the named getters.
 * The state hash and snapshots copy `f` whole, so a new field only needs a
 * new index here.
 */
export const MF = {
  status: 0,
  baseReserve: 1,
  quoteReserve: 2,
  k: 3,
  pegE6: 4,
  /** The AMM's own net position, base units (positive: the AMM is long). */
  ammNetBase: 5,
  /** Open interest in base units, each side ≥ 0. */
  openInterestLong: 6,
  openInterestShort: 7,
  /** Ledgers (integer quote units). */
  pnlPool: 8,
  feePool: 9,
  oraclePrice: 10,
  oracleConfidence: 11,
  oraclePublishTs: 12,
  /** Short EMA of the oracle price, the reference for the jump guard. */
  oracleEma: 13,
  oracleEmaTs: 14,
  /** 1 while a jump guard is active. */
  oracleJumpActive: 15,
  /** EWMA of squared oracle returns per ms (variance rate). */
  varianceRatePerMs: 16,
  markPrice: 17,
  basisEma: 18,
  /** TWAP integrals (price × ms), their clocks and last values. */
  markTwapCum: 19,
  markTwapTs: 20,
  markTwapLast: 21,
  oracleTwapCum: 22,
  oracleTwapTs: 23,
  oracleTwapLast: 24,
  fundingTs: 25,
  markCumAtFunding: 26,
  oracleCumAtFunding: 27,
  /**
   * Cumulative quote owed per whole base unit of a long; both indices use the
   * long convention (a short's owed amount is base × Δindex with base < 0).
   */
  cumFundingLong: 28,
  cumFundingShort: 29,
  lastFundingRateE6: 30,
  /** Margin ratios in force (E6): initial rises at once with volatility, maintenance gradually. */
  initialRatioE6: 31,
  maintenanceRatioE6: 32,
  /** What the last tick checked accounts against: a market is scanned again when any of these moved. */
  markAtTick: 33,
  maintenanceAtTick: 34,
  fundingLongAtTick: 35,
  fundingShortAtTick: 36,
  /** The oracle price the last tick saw (collateral valued in this market moves with it). */
  oracleAtTick: 37,
  /** 1 while the oracle's confidence interval is wider than trading allows. */
  oracleConfidenceWide: 38,
} as const;

export type MarketField = keyof typeof MF;
export const MARKET_FIELD_COUNT = Object.keys(MF).length;

export interface Market extends Readonly<Record<Exclude<MarketField, 'oracleJumpActive'>, number>> {
  readonly oracleJumpActive: boolean;
}

// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the interface declares the getters installed below.
export class Market {
  /** Every mutable scalar, indexed by MF. */
  readonly f = new Float64Array(MARKET_FIELD_COUNT);
  /** Per field, the undo generation that last logged it (UndoLog.atField); not state. */
  readonly fStamps = new Float64Array(MARKET_FIELD_COUNT);
  sources: OracleSource[];
  readonly positions: PositionColumns;
  /** Resting limit orders (core/book). Installed by the engine, which owns the undo log. */
  book!: OrderBookApi;
  /** Stop and take-profit orders waiting for their trigger, in order-id order. */
  readonly triggers: TriggerOrder[] = [];
  /** Ids of resting good-till-time orders: a derived index for expiry, rebuilt from the book. */
  readonly gttOrders = new Set<number>();

  constructor(
    readonly id: number,
    readonly symbol: string,
    public params: MarketParams,
    initialPriceE6: number,
    baseReserve: number,
    ts: number,
    accountCapacity: number,
  ) {
    const f = this.f;
    f[MF.status] = MARKET_ACTIVE;
    f[MF.baseReserve] = baseReserve;
    f[MF.quoteReserve] = baseReserve;
    f[MF.k] = baseReserve * baseReserve;
    f[MF.pegE6] = initialPriceE6;
    f[MF.oraclePublishTs] = -1;
    f[MF.markPrice] = initialPriceE6;
    f[MF.markTwapTs] = ts;
    f[MF.markTwapLast] = initialPriceE6;
    f[MF.oracleTwapTs] = ts;
    f[MF.oracleTwapLast] = initialPriceE6;
    f[MF.fundingTs] = ts;
    f[MF.initialRatioE6] = params.initialMarginE6;
    f[MF.maintenanceRatioE6] = params.maintenanceMarginE6;
    f[MF.markAtTick] = initialPriceE6;
    f[MF.maintenanceAtTick] = params.maintenanceMarginE6;
    this.sources = [];
    for (let i = 0; i < params.oracleSources; i++) this.sources.push({ price: 0, confidence: 0, publishTs: -1 });
    this.positions = new PositionColumns(accountCapacity);
  }
}

for (const [name, index] of Object.entries(MF)) {
  Object.defineProperty(Market.prototype, name, {
    get:
      name === 'oracleJumpActive'
        ? function (this: Market) {
            return this.f[index] === 1;
          }
        : function (this: Market) {
            return this.f[index];
          },
  });
}

/** Position columns, in a fixed order. */
export const POSITION_COLUMNS = [
  'base',
  'quoteEntry',
  'fundingIndex',
  'pnl',
  'isolated',
  'isolatedCollateral',
  'openBids',
  'openAsks',
  'reduceOnlyOrders',
] as const satisfies readonly (keyof PositionColumns)[];
