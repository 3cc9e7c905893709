/**
 * The backstop: the engine closes a distressed account's positions on the
 * vAMM, step by step, until it is back at maintenance + buffer or flat, then
 * resolves bankruptcy. The tick (tick.ts) decides who is liquidated and in
 * what order; this is what happens to one account once its liquidator
 * window has passed.
 */
import { curvePriceE6 } from '../../vamm/curve.ts';
import { backstopClose, CLOSE_SIZE_FOLLOW_UP_MARGIN, closeSize, resolveBankruptcy } from '../liquidation.ts';
import type { Market } from '../market.ts';
import { checkOracleForMargin } from '../oracle.ts';
import { backstopPortfolio } from '../portfolio/backstop.ts';
import { fallbackOf } from '../portfolio/requirement.ts';
import type { EngineState } from '../state.ts';
import { belowLiquidationTarget, crossHealthInto, type Health, isolatedHealth, newHealth } from './health.ts';

/** Most backstop steps one account may take in one tick (bounds the tick's work). */
const MAX_BACKSTOP_STEPS = 16;

/** The backstop's health after each step (scratch, not state: nothing keeps it past the account). */
const stepHealth: Health = newHealth();

/**
 * Backstop of the cross pool. Returns its health afterwards when that is
 * known exactly without recomputing (a cross-margin account whose
 * bankruptcy check changed nothing after the last step), else null.
 */
export function backstopCross(s: EngineState, a: number, ts: number, start: Health): Health | null {
  if (s.accounts.portfolio[a] === 1) {
    if (fallbackOf(s, a) === null) {
      // Portfolio margin: every leg by the same fraction, so the hedge is kept (portfolio/backstop.ts).
      const r = backstopPortfolio(s, a, ts, start, MAX_BACKSTOP_STEPS);
      resolveBankruptcy(s, a, null, r.last, r.lastWasLong);
      return null;
    }
  }
  let h = start;
  let last: Market | null = null;
  let lastWasLong = false;
  for (let step = 0; step < MAX_BACKSTOP_STEPS && belowLiquidationTarget(h); step++) {
    // Largest maintenance requirement first: it frees the most margin per unit closed.
    let pick: Market | null = null;
    let pickReq = -1;
    for (const m of s.markets) {
      const b = m.positions.base[a];
      if (b === 0 || m.positions.isolated[a] === 1 || checkOracleForMargin(m, ts) !== null) continue;
      const req = Math.abs(b) * m.markPrice * m.maintenanceRatioE6;
      if (req > pickReq) {
        pick = m;
        pickReq = req;
      }
    }
    if (pick === null) break;
    lastWasLong = pick.positions.base[a] > 0;
    const margin = step === 0 ? 1 : CLOSE_SIZE_FOLLOW_UP_MARGIN;
    const closed = backstopClose(s, pick, a, closeSize(pick, a, h, curvePriceE6(pick), margin), ts);
    last = pick;
    if (closed === 0) break;
    h = crossHealthInto(s, a, stepHealth);
  }
  // Flat (now or already) with debts it cannot pay: bankruptcy. When it changes nothing (the
  // common case), the health of the last step is still the pool's health.
  if (resolveBankruptcy(s, a, null, last, lastWasLong)) return null;
  return s.accounts.portfolio[a] === 1 ? null : h;
}

export function backstopIsolated(s: EngineState, m: Market, a: number, ts: number, start: Health): void {
  if (checkOracleForMargin(m, ts) !== null) return;
  const wasLong = m.positions.base[a] === 0 ? m.openInterestShort >= m.openInterestLong : m.positions.base[a] > 0;
  let h = start;
  for (let step = 0; step < MAX_BACKSTOP_STEPS && belowLiquidationTarget(h); step++) {
    const margin = step === 0 ? 1 : CLOSE_SIZE_FOLLOW_UP_MARGIN;
    if (backstopClose(s, m, a, closeSize(m, a, h, curvePriceE6(m), margin), ts) === 0) break;
    h = isolatedHealth(m, a);
  }
  resolveBankruptcy(s, a, m, m, wasLong);
}
