/**
 * Dynamic spread, separate for longs and shorts. Each side starts from half
 * the base spread and widens with realised volatility and oracle confidence;
 * the side that would grow the AMM's inventory also widens with that
 * inventory. Each side is capped at the market's maximum spread. Spreads are
 * ratios in RATIO_PRECISION (1e6 = 100%), rounded up (against the trader).
 */
import { RATIO_PRECISION } from './precision.ts';

export interface SpreadParams {
  readonly baseSpreadE6: number;
  readonly maxSpreadE6: number;
  /** Widening per unit of inventory ratio (|ammNetBase| / baseReserve), E6. */
  readonly inventorySpreadScaleE6: number;
  /** Widening per unit of realised volatility, E6. */
  readonly volatilitySpreadScaleE6: number;
  /** Widening per unit of oracle confidence ratio, E6. */
  readonly confidenceSpreadScaleE6: number;
}

export interface SpreadInputs {
  /** The AMM's own net position in base units (positive: the AMM is long). */
  readonly ammNetBase: number;
  readonly baseReserve: number;
  /** Realised volatility per funding interval, as a ratio E6. */
  readonly volatilityE6: number;
  /** Oracle confidence interval divided by price, E6. */
  readonly oracleConfidenceE6: number;
}

export interface Spreads {
  readonly longSpreadE6: number;
  readonly shortSpreadE6: number;
}

export function computeSpreads(p: SpreadParams, x: SpreadInputs): Spreads {
  return spreadsInto(p, x.ammNetBase, x.baseReserve, x.volatilityE6, x.oracleConfidenceE6, {
    longSpreadE6: 0,
    shortSpreadE6: 0,
  });
}

/** computeSpreads written into `out` (a caller's scratch): the same arithmetic, no allocation. */
export function spreadsInto(
  p: SpreadParams,
  ammNetBase: number,
  baseReserve: number,
  volatilityE6: number,
  oracleConfidenceE6: number,
  out: { longSpreadE6: number; shortSpreadE6: number },
): Spreads {
  const half = p.baseSpreadE6 / 2;
  const vol = (p.volatilitySpreadScaleE6 * Math.max(0, volatilityE6)) / RATIO_PRECISION / 2;
  const conf = (p.confidenceSpreadScaleE6 * Math.max(0, oracleConfidenceE6)) / RATIO_PRECISION / 2;
  const inventoryRatio = baseReserve > 0 ? Math.abs(ammNetBase) / baseReserve : 0;
  const inventory = p.inventorySpreadScaleE6 * inventoryRatio;
  const common = half + vol + conf;
  // A trader long makes the AMM shorter: widen longs when the AMM is already short.
  const long = common + (ammNetBase < 0 ? inventory : 0);
  const short = common + (ammNetBase > 0 ? inventory : 0);
  out.longSpreadE6 = Math.min(p.maxSpreadE6, Math.ceil(long));
  out.shortSpreadE6 = Math.min(p.maxSpreadE6, Math.ceil(short));
  return out;
}

/** Price a trader sees on one side, with that side's spread applied. */
export function priceWithSpreadE6(curvePriceE6: number, direction: 'long' | 'short', spreadE6: number): number {
  return direction === 'long'
    ? (curvePriceE6 * (RATIO_PRECISION + spreadE6)) / RATIO_PRECISION
    : (curvePriceE6 * (RATIO_PRECISION - spreadE6)) / RATIO_PRECISION;
}

/** Spread charge on a curve fill of `quote` units: an integer, rounded up. */
export function spreadCharge(quote: number, spreadE6: number): number {
  return Math.ceil((quote * spreadE6) / RATIO_PRECISION);
}
