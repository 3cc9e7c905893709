/**
 * Repeg (move the peg toward the oracle) and k adjustment (deepen or thin
 * the curve). Either changes what the curve owes the traders' net position;
 * that change is the exact cost the market's fee pool pays (positive) or
 * receives (negative). Both are bounded per step, and a repeg the fee pool
 * cannot afford is made partially, as far as the budget reaches.
 */
import { type Curve, curvePriceE6, terminalValue } from './curve.ts';
import { RATIO_PRECISION } from './precision.ts';

export interface CurveChange {
  readonly curve: Curve;
  /** Integer quote units: > 0 the fee pool pays, < 0 the fee pool receives. */
  readonly cost: number;
}

/** Cost of replacing `from` by `to`, rounded against the fee pool. */
export function curveChangeCost(from: Curve, to: Curve, ammNetBase: number): number {
  const delta = terminalValue(to, ammNetBase) - terminalValue(from, ammNetBase);
  if (!Number.isFinite(delta)) return Number.POSITIVE_INFINITY;
  // Against the pool both ways: it pays the change rounded up, and receives it rounded toward zero.
  return Math.ceil(delta) + 0; // +0 folds -0
}

export function withPeg(c: Curve, pegE6: number): Curve {
  return { baseReserve: c.baseReserve, quoteReserve: c.quoteReserve, k: c.k, pegE6 };
}

/** Peg that puts the curve's price exactly on `targetPriceE6`. */
export function pegForPrice(c: Curve, targetPriceE6: number): number {
  return (targetPriceE6 * c.baseReserve) / c.quoteReserve;
}

/**
 * Repeg toward `oraclePriceE6`: the peg moves at most `maxStepE6` (ratio of
 * the current peg) and only as far as `budget` (quote units the fee pool can
 * spend) pays for. Returns null when no move is possible or needed.
 */
export function repegToward(
  c: Curve,
  ammNetBase: number,
  oraclePriceE6: number,
  maxStepE6: number,
  budget: number,
): CurveChange | null {
  const target = pegForPrice(c, oraclePriceE6);
  const maxDelta = (c.pegE6 * maxStepE6) / RATIO_PRECISION;
  let newPeg = Math.min(c.pegE6 + maxDelta, Math.max(c.pegE6 - maxDelta, target));
  newPeg = Math.round(newPeg);
  if (newPeg <= 0 || newPeg === c.pegE6) return null;
  let next = withPeg(c, newPeg);
  let cost = curveChangeCost(c, next, ammNetBase);
  if (cost > budget) {
    // Cost is linear in the peg change: scale the step down to the budget.
    const perPeg = terminalValue(c, ammNetBase) / c.pegE6; // quote per unit of peg
    if (!(perPeg !== 0) || budget <= 0) return null;
    const affordable = Math.floor(Math.max(0, budget) / Math.abs(perPeg));
    const dir = newPeg > c.pegE6 ? 1 : -1;
    let peg = c.pegE6 + dir * affordable;
    // Walk back any rounding that would overshoot the budget.
    while (peg !== c.pegE6) {
      next = withPeg(c, peg);
      cost = curveChangeCost(c, next, ammNetBase);
      if (cost <= budget) break;
      peg -= dir;
    }
    if (peg === c.pegE6) return null;
  }
  return { curve: next, cost };
}

/**
 * Scale both reserves by `factor` (k by factor²), keeping the price. Returns
 * null when the result is degenerate (the traders' net position would not
 * fit in the new curve).
 */
export function scaleK(c: Curve, factor: number): Curve | null {
  if (!(factor > 0) || !Number.isFinite(factor)) return null;
  const baseReserve = Math.round(c.baseReserve * factor);
  if (!(baseReserve > 0)) return null;
  // Keep the price: quote reserve scales with the base reserve; then derive it from k like
  // every curve does, so quoteReserve is exactly k / baseReserve.
  const k = baseReserve * ((c.quoteReserve * baseReserve) / c.baseReserve);
  return { baseReserve, quoteReserve: k / baseReserve, k, pegE6: c.pegE6 };
}

/**
 * Formulaic k: with a fee pool above `targetFeePool` deepen the curve by up to
 * `maxStepE6`, paid from the surplus; below it, thin the curve by up to
 * `maxStepE6`, which returns value to the pool when traders hold a net
 * position. Returns null when no step is worth taking.
 */
export function formulaicK(
  c: Curve,
  ammNetBase: number,
  feePool: number,
  targetFeePool: number,
  maxStepE6: number,
): CurveChange | null {
  if (ammNetBase === 0 || maxStepE6 <= 0) return null;
  const step = maxStepE6 / RATIO_PRECISION;
  if (feePool > targetFeePool) {
    const budget = feePool - targetFeePool;
    // Try the full step, then halve until affordable (a handful of iterations).
    for (let f = 1 + step, i = 0; i < 12; f = 1 + (f - 1) / 2, i++) {
      const next = scaleK(c, f);
      if (next === null || next.baseReserve === c.baseReserve) continue;
      const cost = curveChangeCost(c, next, ammNetBase);
      if (Number.isFinite(cost) && cost <= budget) return { curve: next, cost };
    }
    return null;
  }
  if (feePool < targetFeePool) {
    const next = scaleK(c, 1 - step);
    if (next === null || next.baseReserve === c.baseReserve) return null;
    if (!(next.baseReserve - ammNetBase > 0)) return null;
    const cost = curveChangeCost(c, next, ammNetBase);
    // Only thin the curve when it pays the pool; never spend a short pool.
    return Number.isFinite(cost) && cost < 0 ? { curve: next, cost } : null;
  }
  return null;
}

/** Relative gap between the curve price and a reference price, E6. */
export function divergenceE6(c: Curve, referencePriceE6: number): number {
  return (Math.abs(curvePriceE6(c) - referencePriceE6) * RATIO_PRECISION) / referencePriceE6;
}
