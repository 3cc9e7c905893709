/**
 * Time-weighted averages and the funding rate.
 *
 * A TWAP accumulator integrates a piecewise-constant price over time:
 * cumulative += lastPrice × (now − lastTs). The average between two
 * observations of the accumulator is Δcumulative / Δt. Times are in ms and
 * come from commands, never from a clock.
 */
import { RATIO_PRECISION } from './precision.ts';

export interface Twap {
  cumulative: number;
  lastTs: number;
  lastPriceE6: number;
}

export function makeTwap(priceE6: number, ts: number): Twap {
  return { cumulative: 0, lastTs: ts, lastPriceE6: priceE6 };
}

/** Advance the integral to `ts` (ignores time going backwards) and record a new price. */
export function observe(t: Twap, ts: number, priceE6: number): void {
  if (ts > t.lastTs) {
    t.cumulative += t.lastPriceE6 * (ts - t.lastTs);
    t.lastTs = ts;
  }
  t.lastPriceE6 = priceE6;
}

/** Cumulative value as of `ts` without mutating (the current price runs on to ts). */
export function cumulativeAt(t: Twap, ts: number): number {
  return ts > t.lastTs ? t.cumulative + t.lastPriceE6 * (ts - t.lastTs) : t.cumulative;
}

/** Average price between a past (cumulative, ts) mark and `ts`; the last price when no time passed. */
export function averageSince(t: Twap, fromCumulative: number, fromTs: number, ts: number): number {
  const dt = ts - fromTs;
  if (!(dt > 0)) return t.lastPriceE6;
  return (cumulativeAt(t, ts) - fromCumulative) / dt;
}

/**
 * Funding rate for one interval, as a ratio E6 (float):
 * clamp((markTwap − oracleTwap) / oracleTwap, ±cap), scaled by the fraction
 * of the interval that elapsed (capped at one interval).
 */
export function fundingRateE6(
  markTwapE6: number,
  oracleTwapE6: number,
  capE6: number,
  elapsedMs: number,
  intervalMs: number,
): number {
  if (!(oracleTwapE6 > 0) || !(intervalMs > 0) || !(elapsedMs > 0)) return 0;
  const raw = ((markTwapE6 - oracleTwapE6) / oracleTwapE6) * RATIO_PRECISION;
  const clamped = Math.max(-capE6, Math.min(capE6, raw));
  return clamped * Math.min(1, elapsedMs / intervalMs);
}
