/**
 * Per-fill guards of the curve: a fill may take at most a fraction of the
 * base reserve, and may not move the price further than a band away from the
 * oracle (reduce-only fills are exempt in the engine, so users can always cut
 * risk).
 */
import { RATIO_PRECISION } from './precision.ts';

/** Largest base amount one fill may take from a reserve. */
export function maxFillBase(baseReserve: number, maxFillFractionE6: number): number {
  // reserve × fraction can pass 2^53: split the reserve so every product stays exact.
  const whole = Math.floor(baseReserve / RATIO_PRECISION);
  const rest = baseReserve - whole * RATIO_PRECISION;
  return whole * maxFillFractionE6 + Math.floor((rest * maxFillFractionE6) / RATIO_PRECISION);
}

/** True when `postPriceE6` stays within `bandE6` of the oracle (the edge itself is inside). */
export function withinPriceBand(postPriceE6: number, oraclePriceE6: number, bandE6: number): boolean {
  const gap = Math.abs(postPriceE6 - oraclePriceE6) * RATIO_PRECISION;
  return gap <= bandE6 * oraclePriceE6;
}

/** Band edge in the direction of a trade: the highest a long may push, the lowest a short may. */
export function bandLimitPriceE6(oraclePriceE6: number, bandE6: number, direction: 'long' | 'short'): number {
  // Rounded inward, so the edge itself always passes withinPriceBand.
  return direction === 'long'
    ? Math.floor((oraclePriceE6 * (RATIO_PRECISION + bandE6)) / RATIO_PRECISION)
    : Math.ceil((oraclePriceE6 * (RATIO_PRECISION - bandE6)) / RATIO_PRECISION);
}

/**
 * The band rule for a trade: refused only when it ends beyond the band AND
 * further from the oracle than it started. A trade that pulls an
 * out-of-band curve back toward the oracle always passes, so arbitrage can
 * never deadlock after an oracle gap.
 */
export function bandAllows(prePriceE6: number, postPriceE6: number, oraclePriceE6: number, bandE6: number): boolean {
  if (withinPriceBand(postPriceE6, oraclePriceE6, bandE6)) return true;
  return Math.abs(postPriceE6 - oraclePriceE6) < Math.abs(prePriceE6 - oraclePriceE6);
}
