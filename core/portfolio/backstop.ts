/**
 * The backstop for a portfolio account: every cross position is closed by
 * the same fraction, so the hedge ratio is kept. The scenario charge of
 * linear positions is homogeneous — charge(f · row) = f · charge(row) at the
 * same prices — so closing a fraction f of every leg releases f of the
 * maintenance and of the buffer, while it costs the penalty (and the curve's
 * distance from the mark) on f of the notional:
 *
 *   f = (maintenance + buffer − equity) / (maintenance + buffer − penalties − slippage)
 *
 * (everything closed, f = 1, when closing releases less than it costs, or
 * the account is deep under water). Closing one leg at a time, as the cross
 * backstop does, would unhedge the book and raise the charge it is trying to
 * cut. Each step prices the account exactly again; the caller bounds the steps.
 */
import { curvePriceE6 } from '../../vamm/curve.ts';
import { BASE_PRECISION, RATIO_PRECISION } from '../../vamm/precision.ts';
import { backstopClose, CLOSE_SIZE_FOLLOW_UP_MARGIN } from '../liquidation.ts';
import { belowLiquidationTarget, crossHealth, type Health } from '../margin/health.ts';
import type { Market } from '../market.ts';
import { checkOracleForMargin } from '../oracle.ts';
import type { EngineState } from '../state.ts';
import { refreshCharge } from './row.ts';

/** Share (0, 1] of every cross position to close to restore maintenance + buffer. */
export function closeFraction(s: EngineState, a: number, h: Health, margin: number): number {
  const need = h.maintenanceRequirement + h.bufferRequirement - h.equityMaintenance;
  if (need <= 0) return 0;
  let cost = 0;
  let deep = 0;
  for (const m of s.markets) {
    const b = m.positions.base[a];
    if (b === 0 || m.positions.isolated[a] === 1) continue;
    const mark = m.markPrice;
    const curve = curvePriceE6(m);
    const slippage = b > 0 ? Math.max(0, mark - curve) : Math.max(0, curve - mark);
    cost += (Math.abs(b) * ((mark * m.params.liquidationPenaltyE6) / RATIO_PRECISION + slippage)) / BASE_PRECISION;
    deep = Math.max(deep, m.params.deepUnderwaterE6);
  }
  if (h.equityMaintenance < (h.maintenanceRequirement * deep) / RATIO_PRECISION) return 1;
  const released = h.maintenanceRequirement + h.bufferRequirement - cost;
  if (!(released > 0)) return 1;
  return Math.min(1, (need * margin) / released);
}

/** Base units of `m` to close for fraction `f` of the position (all of it when little would be left). */
function sizeFor(m: Market, a: number, f: number): number {
  const b = Math.abs(m.positions.base[a]);
  if (f >= 1 || (b * m.markPrice) / BASE_PRECISION < m.params.fullLiquidationNotional) return b;
  const size = Math.ceil(b * f);
  return b - size < m.params.minOrderSize ? b : size;
}

export interface BackstopResult {
  /** The last market closed in (for bankruptcy's socialisation), and which side it was. */
  last: Market | null;
  lastWasLong: boolean;
}

export function backstopPortfolio(s: EngineState, a: number, ts: number, start: Health, steps: number): BackstopResult {
  let h = start;
  let last: Market | null = null;
  let lastWasLong = false;
  for (let step = 0; step < steps && belowLiquidationTarget(h); step++) {
    const f = closeFraction(s, a, h, step === 0 ? 1 : CLOSE_SIZE_FOLLOW_UP_MARGIN);
    if (!(f > 0)) break;
    let closed = 0;
    for (const m of s.markets) {
      const b = m.positions.base[a];
      if (b === 0 || m.positions.isolated[a] === 1 || checkOracleForMargin(m, ts) !== null) continue;
      const done = backstopClose(s, m, a, sizeFor(m, a, f), ts);
      if (done > 0) {
        closed += done;
        last = m;
        lastWasLong = b > 0;
      }
    }
    if (closed === 0) break;
    refreshCharge(s, a);
    h = crossHealth(s, a);
  }
  return { last, lastWasLong };
}
