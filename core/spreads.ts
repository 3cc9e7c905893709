/**
 * The market's current long and short spreads (vamm/spread.ts) from its
 * AMM inventory, realised volatility and oracle confidence.
 */
import { type Spreads, spreadsInto } from '../vamm/spread.ts';
import type { Market } from './market.ts';
import { confidenceE6, volatilityE6 } from './oracle.ts';

export function spreadsOf(m: Market): Spreads {
  return spreadsOfInto(m, { longSpreadE6: 0, shortSpreadE6: 0 });
}

/** spreadsOf written into `out` (the matching walk's scratch): the same values, no allocation. */
export function spreadsOfInto(m: Market, out: { longSpreadE6: number; shortSpreadE6: number }): Spreads {
  return spreadsInto(
    m.params,
    m.ammNetBase,
    m.baseReserve,
    volatilityE6(m, m.params.fundingIntervalMs),
    confidenceE6(m),
    out,
  );
}
