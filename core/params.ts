/**
 * Market parameters: every field an integer with a named unit, every field
 * range-checked with a precise message. Defaults follow Perpetual Protocol
 * v1 (IM 10%, MM 6.25%, penalty 1.25%) and Drift v2 (IMF, spreads, caps).
 */
import { RATIO_PRECISION } from '../vamm/precision.ts';

export interface MarketParams {
  initialMarginE6: number;
  maintenanceMarginE6: number;
  liquidationPenaltyE6: number;
  /** Size-scaled margin: ratio = max(static, imfFactor × √(size in whole base)). */
  imfFactorE6: number;
  takerFeeE6: number;
  /** Negative: a rebate paid to makers. */
  makerFeeE6: number;
  baseSpreadE6: number;
  maxSpreadE6: number;
  inventorySpreadScaleE6: number;
  volatilitySpreadScaleE6: number;
  confidenceSpreadScaleE6: number;
  maxFillFractionE6: number;
  priceBandE6: number;
  fundingIntervalMs: number;
  fundingCapE6: number;
  oracleSources: number;
  oracleMaxStaleTradeMs: number;
  oracleMaxStaleMarginMs: number;
  oracleMaxConfidenceE6: number;
  oracleMaxJumpE6: number;
  oracleEmaWindowMs: number;
  basisEmaWindowMs: number;
  /** EWMA decay for volatility, per oracle update (E6: 940_000 = λ 0.94). */
  volatilityLambdaE6: number;
  repegThresholdE6: number;
  maxRepegStepE6: number;
  maxKStepE6: number;
  /** Quote units the fee pool keeps before surplus deepens the curve. */
  targetFeePool: number;
  /** Base units. */
  minOrderSize: number;
  /** Price units (1e-6 USD). */
  tickSize: number;
  /** Volatility-indexed margin: VaR confidence (E6, 0.5–0.9999) and horizon. */
  volConfidenceE6: number;
  volHorizonMs: number;
  /** How fast the maintenance ratio may rise toward its volatility target, E6 per tick. */
  maintenanceRiseE6PerTick: number;
  /** Volatility-driven ratios move in steps of this size (E6), so events are not per tick. */
  marginStepE6: number;
  /** Partial liquidation restores equity to maintenance + this ratio of notional (Drift: 2%). */
  liquidationBufferE6: number;
  /** Share of the liquidation penalty paid to the liquidator; the rest funds the insurance fund. */
  liquidatorShareE6: number;
  /** Ticks an account stays open to external liquidators before the backstop closes it on the vAMM. */
  liquidatorWindowTicks: number;
  /** Positions below this notional (quote units) are liquidated fully. */
  fullLiquidationNotional: number;
  /** Equity below this fraction of maintenance (E6) is deep under water: liquidated fully. */
  deepUnderwaterE6: number;
  /** Warn when equity falls below maintenance × (1 + this), E6. */
  warningBufferE6: number;
  /** Open orders (resting and triggers) one account may hold in this market. */
  maxOpenOrders: number;
}

export const DEFAULT_MARKET_PARAMS: Readonly<MarketParams> = Object.freeze({
  initialMarginE6: 100_000,
  maintenanceMarginE6: 62_500,
  liquidationPenaltyE6: 12_500,
  imfFactorE6: 0,
  takerFeeE6: 500,
  makerFeeE6: -100,
  baseSpreadE6: 500,
  maxSpreadE6: 20_000,
  inventorySpreadScaleE6: 100_000,
  volatilitySpreadScaleE6: 500_000,
  confidenceSpreadScaleE6: 1_000_000,
  maxFillFractionE6: 50_000,
  priceBandE6: 100_000,
  fundingIntervalMs: 3_600_000,
  fundingCapE6: 1_250,
  oracleSources: 1,
  oracleMaxStaleTradeMs: 10_000,
  oracleMaxStaleMarginMs: 60_000,
  oracleMaxConfidenceE6: 20_000,
  oracleMaxJumpE6: 150_000,
  oracleEmaWindowMs: 300_000,
  basisEmaWindowMs: 300_000,
  volatilityLambdaE6: 940_000,
  repegThresholdE6: 5_000,
  maxRepegStepE6: 10_000,
  maxKStepE6: 10_000,
  targetFeePool: 1_000_000_000,
  minOrderSize: 1,
  tickSize: 1,
  volConfidenceE6: 990_000,
  volHorizonMs: 3_600_000,
  maintenanceRiseE6PerTick: 100,
  marginStepE6: 1_000,
  liquidationBufferE6: 20_000,
  liquidatorShareE6: 500_000,
  liquidatorWindowTicks: 1,
  fullLiquidationNotional: 100_000_000,
  deepUnderwaterE6: 500_000,
  warningBufferE6: 200_000,
  maxOpenOrders: 200,
});

interface Range {
  readonly min: number;
  readonly max: number;
}

const E6 = RATIO_PRECISION;
const DAY_MS = 86_400_000;
const RANGES: Record<keyof MarketParams, Range> = {
  initialMarginE6: { min: 1, max: E6 },
  maintenanceMarginE6: { min: 1, max: E6 },
  liquidationPenaltyE6: { min: 0, max: E6 / 2 },
  imfFactorE6: { min: 0, max: E6 },
  takerFeeE6: { min: 0, max: E6 / 10 },
  makerFeeE6: { min: -E6 / 10, max: E6 / 10 },
  baseSpreadE6: { min: 0, max: E6 / 2 },
  maxSpreadE6: { min: 0, max: E6 / 2 },
  inventorySpreadScaleE6: { min: 0, max: 100 * E6 },
  volatilitySpreadScaleE6: { min: 0, max: 100 * E6 },
  confidenceSpreadScaleE6: { min: 0, max: 100 * E6 },
  maxFillFractionE6: { min: 1, max: E6 / 2 },
  priceBandE6: { min: 1, max: 10 * E6 },
  fundingIntervalMs: { min: 1_000, max: 7 * DAY_MS },
  fundingCapE6: { min: 0, max: E6 / 10 },
  oracleSources: { min: 1, max: 16 },
  oracleMaxStaleTradeMs: { min: 1, max: DAY_MS },
  oracleMaxStaleMarginMs: { min: 1, max: DAY_MS },
  oracleMaxConfidenceE6: { min: 0, max: E6 },
  oracleMaxJumpE6: { min: 1, max: 10 * E6 },
  oracleEmaWindowMs: { min: 1, max: 7 * DAY_MS },
  basisEmaWindowMs: { min: 1, max: 7 * DAY_MS },
  volatilityLambdaE6: { min: 0, max: E6 - 1 },
  repegThresholdE6: { min: 0, max: E6 },
  maxRepegStepE6: { min: 0, max: E6 / 2 },
  maxKStepE6: { min: 0, max: E6 / 2 },
  targetFeePool: { min: 0, max: Number.MAX_SAFE_INTEGER },
  minOrderSize: { min: 1, max: Number.MAX_SAFE_INTEGER },
  tickSize: { min: 1, max: Number.MAX_SAFE_INTEGER },
  volConfidenceE6: { min: E6 / 2, max: 999_900 },
  volHorizonMs: { min: 1_000, max: 7 * DAY_MS },
  maintenanceRiseE6PerTick: { min: 1, max: E6 },
  marginStepE6: { min: 1, max: E6 / 10 },
  liquidationBufferE6: { min: 0, max: E6 / 2 },
  liquidatorShareE6: { min: 0, max: E6 },
  liquidatorWindowTicks: { min: 0, max: 1_000 },
  fullLiquidationNotional: { min: 0, max: Number.MAX_SAFE_INTEGER },
  deepUnderwaterE6: { min: 0, max: E6 },
  warningBufferE6: { min: 0, max: 10 * E6 },
  maxOpenOrders: { min: 1, max: 100_000 },
};

export const MARKET_PARAM_NAMES = Object.keys(RANGES) as (keyof MarketParams)[];

/** Null when valid; otherwise a message naming the first bad field. */
export function checkParams(p: Record<string, unknown>): string | null {
  for (const name of MARKET_PARAM_NAMES) {
    const v = p[name];
    const r = RANGES[name];
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) return `${name} must be an integer`;
    if (v < r.min || v > r.max) return `${name} must be within [${r.min}, ${r.max}], got ${v}`;
  }
  for (const key of Object.keys(p)) {
    if (!Object.hasOwn(RANGES, key)) return `unknown parameter ${key}`;
  }
  const q = p as unknown as MarketParams;
  if (q.maintenanceMarginE6 > q.initialMarginE6) return 'maintenanceMarginE6 must not exceed initialMarginE6';
  if (q.liquidationPenaltyE6 >= q.maintenanceMarginE6) return 'liquidationPenaltyE6 must be below maintenanceMarginE6';
  if (q.baseSpreadE6 > q.maxSpreadE6) return 'baseSpreadE6 must not exceed maxSpreadE6';
  if (q.oracleMaxStaleTradeMs > q.oracleMaxStaleMarginMs)
    return 'oracleMaxStaleTradeMs must not exceed oracleMaxStaleMarginMs';
  if (-q.makerFeeE6 > q.takerFeeE6) return 'the maker rebate must not exceed the taker fee';
  return null;
}

/** Defaults overlaid with `overrides`, validated. */
export function resolveParams(overrides: Record<string, unknown> | undefined): MarketParams | string {
  const merged = { ...DEFAULT_MARKET_PARAMS, ...(overrides ?? {}) };
  const err = checkParams(merged);
  return err === null ? (merged as MarketParams) : err;
}
