/**
 * The market's current long and short spreads (vamm/spread.ts) from its
 * AMM inventory, realised volatility and oracle confidence.
 */
import { computeSpreads, type Spreads, spreadsInto } from '../vamm/spread.ts';
import type { Market } from './market.ts';
import { confidenceE6, volatilityE6 } from './oracle.ts';

export function spreadsOf(m: Market): Spreads {
  return computeSpreads(m.params, {
    ammNetBase: m.ammNetBase,
    baseReserve: m.baseReserve,
    volatilityE6: volatilityE6(m, m.params.fundingIntervalMs),
    oracleConfidenceE6: confidenceE6(m),
  });
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
