/**
 * Fixed-point precisions shared by the whole exchange. Every ledger amount is
 * an integer in one of these units; the exponent is part of the name so that
 * a reader never has to guess the scale of a number.
 */

/** Quote amounts (collateral, PnL, fees): 1 unit = 1e-6 USD. */
export const QUOTE_PRECISION = 1_000_000;
/** Base amounts (position sizes): 1 unit = 1e-9 of the asset. */
export const BASE_PRECISION = 1_000_000_000;
/** Prices: 1 unit = 1e-6 USD per whole base asset. */
export const PRICE_PRECISION = 1_000_000;
/** Ratios and rates: 1_000_000 = 100%. */
export const RATIO_PRECISION = 1_000_000;
/** AMM reserves are kept in base units (1e-9), for both sides of the curve. */
export const RESERVE_PRECISION = BASE_PRECISION;

/** The largest integer a ledger may hold; anything larger is rejected, never rounded. */
export const MAX_SAFE_AMOUNT = Number.MAX_SAFE_INTEGER;

/** True when `n` is an integer inside the safe range (sign allowed). */
export function isSafeInt(n: number): boolean {
  return Number.isSafeInteger(n);
}

/** Quote value of `base` units at `priceE6`, as a float (not yet rounded). */
export function notionalOf(base: number, priceE6: number): number {
  return (Math.abs(base) * priceE6) / BASE_PRECISION;
}
