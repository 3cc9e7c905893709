/**
 * The market's current long and short spreads (vamm/spread.ts) from its
 * AMM inventory, realised volatility and oracle confidence.
 */
import { computeSpreads, type Spreads } from '../vamm/spread.ts';
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
