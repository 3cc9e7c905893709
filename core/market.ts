/**
 * A market's state: parameters, curve, ledgers, oracle, TWAPs, funding, and
 * the position columns of every account in it (indexed by account id).
 */
import { grown } from './columns.ts';
import type { MarketParams } from './params.ts';

export const MARKET_ACTIVE = 0;
export const MARKET_PAUSED = 1;

export interface OracleSource {
  price: number;
  confidence: number;
  publishTs: number;
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

  constructor(capacity: number) {
    this.base = new Float64Array(capacity);
    this.quoteEntry = new Float64Array(capacity);
    this.fundingIndex = new Float64Array(capacity);
    this.pnl = new Float64Array(capacity);
  }

  reserve(n: number): void {
    this.base = grown(this.base, n);
    this.quoteEntry = grown(this.quoteEntry, n);
    this.fundingIndex = grown(this.fundingIndex, n);
    this.pnl = grown(this.pnl, n);
  }
}

export class Market {
  status = MARKET_ACTIVE;
  // Curve (vamm/Curve fields, kept flat so the undo log can restore each one).
  baseReserve: number;
  quoteReserve: number;
  k: number;
  pegE6: number;
  /** The AMM's own net position, base units (positive: the AMM is long). */
  ammNetBase = 0;
  /** Open interest in base units, each side ≥ 0. */
  openInterestLong = 0;
  openInterestShort = 0;
  // Ledgers (integer quote units).
  pnlPool = 0;
  feePool = 0;
  // Oracle.
  sources: OracleSource[];
  oraclePrice = 0;
  oracleConfidence = 0;
  oraclePublishTs = -1;
  /** Short EMA of the oracle price, the reference for the jump guard. */
  oracleEma = 0;
  oracleEmaTs = 0;
  oracleJumpActive = false;
  /** EWMA of squared oracle returns per ms (variance rate). */
  varianceRatePerMs = 0;
  // Mark.
  markPrice: number;
  basisEma = 0;
  // TWAP integrals (price × ms) and their values at the last funding.
  markTwapCum = 0;
  markTwapTs: number;
  markTwapLast: number;
  oracleTwapCum = 0;
  oracleTwapTs: number;
  oracleTwapLast: number;
  fundingTs: number;
  markCumAtFunding = 0;
  oracleCumAtFunding = 0;
  // Funding: cumulative quote owed per whole base unit of a long (both indices
  // use the long convention; a short's owed amount is base × Δindex with base < 0).
  cumFundingLong = 0;
  cumFundingShort = 0;
  lastFundingRateE6 = 0;

  readonly positions: PositionColumns;

  constructor(
    readonly id: number,
    readonly symbol: string,
    public params: MarketParams,
    initialPriceE6: number,
    baseReserve: number,
    ts: number,
    accountCapacity: number,
  ) {
    this.baseReserve = baseReserve;
    this.quoteReserve = baseReserve;
    this.k = baseReserve * baseReserve;
    this.pegE6 = initialPriceE6;
    this.markPrice = initialPriceE6;
    this.markTwapTs = ts;
    this.markTwapLast = initialPriceE6;
    this.oracleTwapTs = ts;
    this.oracleTwapLast = initialPriceE6;
    this.fundingTs = ts;
    this.sources = [];
    for (let i = 0; i < params.oracleSources; i++) this.sources.push({ price: 0, confidence: 0, publishTs: -1 });
    this.positions = new PositionColumns(accountCapacity);
  }
}

/**
 * Every numeric scalar of a market's state, in a fixed order. The state hash
 * and snapshots walk this list, so a field added to Market must be added here.
 */
export const MARKET_SCALARS = [
  'status',
  'baseReserve',
  'quoteReserve',
  'k',
  'pegE6',
  'ammNetBase',
  'openInterestLong',
  'openInterestShort',
  'pnlPool',
  'feePool',
  'oraclePrice',
  'oracleConfidence',
  'oraclePublishTs',
  'oracleEma',
  'oracleEmaTs',
  'varianceRatePerMs',
  'markPrice',
  'basisEma',
  'markTwapCum',
  'markTwapTs',
  'markTwapLast',
  'oracleTwapCum',
  'oracleTwapTs',
  'oracleTwapLast',
  'fundingTs',
  'markCumAtFunding',
  'oracleCumAtFunding',
  'cumFundingLong',
  'cumFundingShort',
  'lastFundingRateE6',
] as const satisfies readonly (keyof Market)[];

/** Boolean scalars, hashed and snapshotted as 0/1. */
export const MARKET_FLAGS = ['oracleJumpActive'] as const satisfies readonly (keyof Market)[];

/** Position columns, in a fixed order. */
export const POSITION_COLUMNS = [
  'base',
  'quoteEntry',
  'fundingIndex',
  'pnl',
] as const satisfies readonly (keyof PositionColumns)[];
