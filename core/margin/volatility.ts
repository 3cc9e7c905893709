/**
 * Volatility-indexed margin (pure). Realised volatility over the margin
 * horizon, σ_h = √(variance rate × horizon), turns into a VaR-style ratio
 * z(confidence) × σ_h. Initial margin takes max(static, VaR) at once;
 * maintenance targets the same VaR scaled by MM/IM, never below its static
 * floor, and rises toward it by at most a configured step per tick (falls at
 * once), so accounts get time to respond to a volatility spike. Ratios move
 * in multiples of marginStepE6 so that a change is an event worth sending.
 */
import { RATIO_PRECISION } from '../../vamm/precision.ts';
import type { MarketParams } from '../params.ts';

/**
 * Standard normal quantiles at fixed confidences; between them z is
 * interpolated linearly. A table (not an inverse-erf series) keeps the maths
 * to exactly rounded operations, so every platform computes the same ratio.
 */
export const Z_TABLE: readonly (readonly [confidenceE6: number, z: number])[] = [
  [500_000, 0],
  [750_000, 0.6744897502],
  [800_000, 0.8416212336],
  [850_000, 1.0364333895],
  [900_000, 1.2815515655],
  [950_000, 1.644853627],
  [975_000, 1.9599639845],
  [990_000, 2.326347874],
  [995_000, 2.5758293035],
  [997_500, 2.8070337683],
  [999_000, 3.0902323062],
  [999_500, 3.2905267315],
  [999_900, 3.7190164855],
];

/** zScore's last argument and answer: every market asks for its own fixed confidence every tick. */
let lastConfidenceE6 = Number.NaN;
let lastZ = 0;

export function zScore(confidenceE6: number): number {
  if (confidenceE6 === lastConfidenceE6) return lastZ;
  const z = interpolateZ(confidenceE6);
  lastConfidenceE6 = confidenceE6;
  lastZ = z;
  return z;
}

function interpolateZ(confidenceE6: number): number {
  if (confidenceE6 <= Z_TABLE[0][0]) return 0;
  // Indexed reads, not `const [c, z] = row`: destructuring runs the array iterator, and this runs
  // for every market on every tick.
  for (let i = 1; i < Z_TABLE.length; i++) {
    const c1 = Z_TABLE[i][0];
    if (confidenceE6 <= c1) {
      const z1 = Z_TABLE[i][1];
      const c0 = Z_TABLE[i - 1][0];
      const z0 = Z_TABLE[i - 1][1];
      return z0 + ((z1 - z0) * (confidenceE6 - c0)) / (c1 - c0);
    }
  }
  return Z_TABLE[Z_TABLE.length - 1][1];
}

/** VaR ratio (E6) for a variance rate per ms. */
export function varRatioE6(p: MarketParams, varianceRatePerMs: number): number {
  return zScore(p.volConfidenceE6) * Math.sqrt(Math.max(0, varianceRatePerMs) * p.volHorizonMs) * RATIO_PRECISION;
}

function stepUp(ratioE6: number, stepE6: number): number {
  return Math.ceil(ratioE6 / stepE6) * stepE6;
}

export interface MarginRatios {
  initialE6: number;
  maintenanceE6: number;
}

/**
 * Ratios for the next tick, from the ratios in force and the variance rate.
 * Initial: max(static, VaR) rounded up to the step, immediately. Maintenance:
 * toward max(static, VaR × MM/IM), up by at most the rise per tick, down at once.
 */
export function nextMarginRatios(p: MarketParams, current: MarginRatios, varianceRatePerMs: number): MarginRatios {
  return nextMarginRatiosInto(p, current.maintenanceE6, varianceRatePerMs, { initialE6: 0, maintenanceE6: 0 });
}

/** nextMarginRatios written into `out` (the tick's scratch, every market every tick): same arithmetic. */
export function nextMarginRatiosInto(
  p: MarketParams,
  currentMaintenanceE6: number,
  varianceRatePerMs: number,
  out: MarginRatios,
): MarginRatios {
  const v = varRatioE6(p, varianceRatePerMs);
  const initialE6 = Math.min(RATIO_PRECISION, Math.max(p.initialMarginE6, stepUp(v, p.marginStepE6)));
  const target = Math.min(
    initialE6,
    Math.max(p.maintenanceMarginE6, stepUp((v * p.maintenanceMarginE6) / p.initialMarginE6, p.marginStepE6)),
  );
  out.initialE6 = initialE6;
  out.maintenanceE6 =
    target > currentMaintenanceE6 ? Math.min(target, currentMaintenanceE6 + p.maintenanceRiseE6PerTick) : target;
  return out;
}
