/**
 * The market-data view of liquidity: L2 depth that merges the book's price
 * levels with levels synthesised from the vAMM curve, each tagged with its
 * source. Curve levels sit at steps of `stepE6` from the curve's quote
 * (spread included); each carries the base the curve sells (asks) or buys
 * (bids) between the previous step and this one. Read-only.
 */
import { baseToReachPrice } from '../vamm/curve.ts';
import { RATIO_PRECISION } from '../vamm/precision.ts';
import { ASK, BID } from './book/types.ts';
import type { Market } from './market.ts';
import { ammQuote } from './matching.ts';
import { spreadsOf } from './spreads.ts';

export interface L2Level {
  price: number;
  size: number;
  source: 'book' | 'amm';
}

export interface L2Depth {
  market: number;
  bids: L2Level[];
  asks: L2Level[];
}

/** Default spacing of synthesised curve levels: 0.1%. */
export const AMM_LEVEL_STEP_E6 = 1_000;

function ammLevels(m: Market, side: 'bids' | 'asks', count: number, stepE6: number): L2Level[] {
  const out: L2Level[] = [];
  const sp = spreadsOf(m);
  const buy = side === 'asks'; // asks: what a buyer takes from the curve
  const spread = buy ? sp.longSpreadE6 : sp.shortSpreadE6;
  const start = ammQuote(m, buy ? 'buy' : 'sell');
  const tick = m.params.tickSize;
  let taken = 0;
  // Level k is the slice of the curve between steps k−1 and k: it is shown at the price the slice
  // starts at (the first level at the curve's own quote), with the base the slice holds.
  for (let k = 1; k <= count; k++) {
    const from = buy
      ? start * (1 + ((k - 1) * stepE6) / RATIO_PRECISION)
      : start * (1 - ((k - 1) * stepE6) / RATIO_PRECISION);
    const to = buy ? start * (1 + (k * stepE6) / RATIO_PRECISION) : start * (1 - (k * stepE6) / RATIO_PRECISION);
    if (!(to > 0)) break;
    const price = buy ? Math.ceil(from / tick) * tick : Math.floor(from / tick) * tick;
    const curveTarget = buy
      ? (to * RATIO_PRECISION) / (RATIO_PRECISION + spread)
      : (to * RATIO_PRECISION) / (RATIO_PRECISION - spread);
    const cumulative = baseToReachPrice(m, buy ? 'long' : 'short', curveTarget);
    const size = cumulative - taken;
    taken = cumulative;
    if (size > 0) out.push({ price, size, source: 'amm' });
  }
  return out;
}

export function l2Depth(m: Market, levels: number, stepE6 = AMM_LEVEL_STEP_E6): L2Depth {
  const bookBids: L2Level[] = m.book.depth(BID, levels).map((l) => ({ price: l.price, size: l.size, source: 'book' }));
  const bookAsks: L2Level[] = m.book.depth(ASK, levels).map((l) => ({ price: l.price, size: l.size, source: 'book' }));
  const bids = [...bookBids, ...ammLevels(m, 'bids', levels, stepE6)]
    .sort((a, b) => b.price - a.price || (a.source === 'book' ? -1 : 1))
    .slice(0, levels);
  const asks = [...bookAsks, ...ammLevels(m, 'asks', levels, stepE6)]
    .sort((a, b) => a.price - b.price || (a.source === 'book' ? -1 : 1))
    .slice(0, levels);
  return { market: m.id, bids, asks };
}
