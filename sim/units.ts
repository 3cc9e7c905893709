/**
 * Units the simulator speaks, matching the engine's (vamm/precision.ts):
 * quote 1e-6 USD, base 1e-9 of the asset, price 1e-6 USD per whole base,
 * ratios E6. Summaries are printed in USD for reading.
 */
import { BASE_PRECISION, PRICE_PRECISION, QUOTE_PRECISION, RATIO_PRECISION } from '../vamm/precision.ts';

export { BASE_PRECISION, PRICE_PRECISION, QUOTE_PRECISION, RATIO_PRECISION };

/** Quote units per USD. */
export const USD = QUOTE_PRECISION;
export const E6 = RATIO_PRECISION;
export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;

/** Quote units → USD, rounded to the cent so summaries read cleanly and print identically everywhere. */
export function usd(quote: number): number {
  return Math.round(quote / 10_000) / 100;
}

/** Quote value (float) of `base` units at `price`. */
export function notional(base: number, price: number): number {
  return (Math.abs(base) * price) / BASE_PRECISION;
}

/** Base units (integer, rounded toward zero) worth `quote` at `price`. */
export function baseFor(quote: number, price: number): number {
  return price > 0 ? Math.trunc((quote * BASE_PRECISION) / price) : 0;
}

/** Round to `digits` decimals for printing. */
export function roundTo(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
