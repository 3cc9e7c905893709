/**
 * Mark price = median(oracle, vAMM mid, oracle + EMA of the basis), rounded
 * to a whole price unit. Before the first oracle price the curve is all we
 * have. Every change of the mark feeds the mark TWAP.
 */
import { curvePriceE6 } from '../vamm/curve.ts';
import { RATIO_PRECISION } from '../vamm/precision.ts';
import type { Market } from './market.ts';
import { MF } from './market.ts';
import type { EngineState } from './state.ts';

export function median3(a: number, b: number, c: number): number {
  return Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
}

export function curvePrice(m: Market): number {
  return curvePriceE6(m);
}

/**
 * The mark never strays more than half the price band from the oracle: a
 * curve left behind by an oracle gap (and a basis EMA that has caught up with
 * it) cannot hold the mark away from the market, where it would mark
 * positions and liquidations at a stale price.
 */
export function computeMark(m: Market): number {
  const amm = curvePriceE6(m);
  if (m.oraclePublishTs < 0) return Math.round(amm);
  const o = m.oraclePrice;
  const median = median3(o, amm, o + m.basisEma);
  const reach = (o * m.params.priceBandE6) / 2 / RATIO_PRECISION;
  return Math.round(Math.min(o + reach, Math.max(o - reach, median)));
}

/** Advance the mark TWAP integral to `ts` and set the new mark. */
export function refreshMark(s: EngineState, m: Market, ts: number): void {
  const mark = computeMark(m);
  const u = s.undo;
  if (ts > m.markTwapTs) {
    u.atField(m, MF.markTwapCum, m.markTwapCum + m.markTwapLast * (ts - m.markTwapTs));
    u.atField(m, MF.markTwapTs, ts);
  }
  if (m.markTwapLast !== mark) u.atField(m, MF.markTwapLast, mark);
  if (m.markPrice !== mark) u.atField(m, MF.markPrice, mark);
}
