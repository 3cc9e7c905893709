/**
 * Funding tick: the rate comes from the mark and oracle TWAPs over the
 * elapsed interval, clamped to ±cap; the cumulative indices advance and
 * accounts settle lazily when next touched (settle.ts).
 *
 * Longs and shorts exchange funding through the PnL pool. When the open
 * interest is unbalanced the AMM holds the difference and pays or receives
 * on it. What the AMM pays comes from the fee pool, moved into the PnL pool
 * now; if the fee pool cannot pay it all, the receiving side's index advances
 * less (capped), so funding is never created from nothing. What the AMM
 * receives stays in the PnL pool as surplus as payers settle.
 *
 * After funding, the curve is repegged toward the oracle and k adjusted, each
 * bounded per step and paid by the fee pool (vamm/repeg.ts).
 */
import { BASE_PRECISION, RATIO_PRECISION } from '../vamm/precision.ts';
import { type CurveChange, divergenceE6, formulaicK, repegToward } from '../vamm/repeg.ts';
import { fundingRateE6 } from '../vamm/twap.ts';
import { type Rejection, reject } from './errors.ts';
import { refreshMark } from './mark.ts';
import { MARKET_PAUSED, type Market, MF } from './market.ts';
import { checkOracleForMargin } from './oracle.ts';
import type { EngineState } from './state.ts';

export function fundingTick(s: EngineState, m: Market, ts: number): Rejection | null {
  const p = m.params;
  if (m.status === MARKET_PAUSED) return reject('MARKET_PAUSED', `market ${m.id}`);
  const elapsed = ts - m.fundingTs;
  if (elapsed < p.fundingIntervalMs) return reject('FUNDING_TOO_EARLY', `${elapsed} of ${p.fundingIntervalMs} ms`);
  const stale = checkOracleForMargin(m, ts);
  if (stale !== null) return stale;
  const u = s.undo;

  // Bring both TWAP integrals up to now.
  refreshMark(s, m, ts);
  if (ts > m.oracleTwapTs) {
    u.atField(m, MF.oracleTwapCum, m.oracleTwapCum + m.oracleTwapLast * (ts - m.oracleTwapTs));
    u.atField(m, MF.oracleTwapTs, ts);
  }
  const markTwap = (m.markTwapCum - m.markCumAtFunding) / elapsed;
  const oracleTwap = (m.oracleTwapCum - m.oracleCumAtFunding) / elapsed;
  const rateE6 = fundingRateE6(markTwap, oracleTwap, p.fundingCapE6, elapsed, p.fundingIntervalMs);
  // Quote owed per whole base by a long (negative: longs receive).
  const perBase = (rateE6 / RATIO_PRECISION) * oracleTwap;

  let longDelta = perBase;
  let shortDelta = perBase;
  let feePoolPaid = 0;
  let capped = false;
  const oiLong = m.openInterestLong;
  const oiShort = m.openInterestShort;
  if (perBase !== 0) {
    // Payers are longs when perBase > 0. The AMM pays when receivers outweigh payers.
    const payersOi = perBase > 0 ? oiLong : oiShort;
    const receiversOi = perBase > 0 ? oiShort : oiLong;
    const abs = Math.abs(perBase);
    if (receiversOi > payersOi) {
      const need = Math.ceil((abs * (receiversOi - payersOi)) / BASE_PRECISION);
      const paid = Math.min(need, m.feePool);
      if (paid > 0) {
        u.atField(m, MF.feePool, m.feePool - paid);
        u.atField(m, MF.pnlPool, m.pnlPool + paid);
      }
      feePoolPaid = paid;
      if (paid < need) {
        capped = true;
        // Receivers share what payers pay plus what the fee pool could add.
        const perReceiver = (abs * payersOi + paid * BASE_PRECISION) / receiversOi;
        if (perBase > 0) shortDelta = perReceiver;
        else longDelta = -perReceiver;
      }
    }
  }
  u.atField(m, MF.cumFundingLong, m.cumFundingLong + longDelta);
  u.atField(m, MF.cumFundingShort, m.cumFundingShort + shortDelta);
  u.atField(m, MF.lastFundingRateE6, rateE6);
  u.atField(m, MF.fundingTs, ts);
  u.atField(m, MF.markCumAtFunding, m.markTwapCum);
  u.atField(m, MF.oracleCumAtFunding, m.oracleTwapCum);
  s.events.push({
    type: 'funding',
    market: m.id,
    rateE6,
    markTwap,
    oracleTwap,
    longIndex: m.cumFundingLong,
    shortIndex: m.cumFundingShort,
    feePoolPaid,
    capped,
  });

  adjustCurve(s, m, ts);
  return null;
}

/** Pay (or collect) a curve change between the fee pool and the PnL pool, and install the curve. */
function installCurve(s: EngineState, m: Market, change: CurveChange): void {
  const u = s.undo;
  let cost = change.cost;
  if (cost < 0) cost = -Math.min(-cost, m.pnlPool); // collect only what the PnL pool holds
  if (cost !== 0) {
    u.atField(m, MF.feePool, m.feePool - cost);
    u.atField(m, MF.pnlPool, m.pnlPool + cost);
  }
  u.atField(m, MF.baseReserve, change.curve.baseReserve);
  u.atField(m, MF.quoteReserve, change.curve.quoteReserve);
  u.atField(m, MF.k, change.curve.k);
  u.atField(m, MF.pegE6, change.curve.pegE6);
}

function adjustCurve(s: EngineState, m: Market, ts: number): void {
  const p = m.params;
  if (p.maxRepegStepE6 > 0 && divergenceE6(m, m.oraclePrice) > p.repegThresholdE6) {
    const change = repegToward(m, m.ammNetBase, m.oraclePrice, p.maxRepegStepE6, Math.max(0, m.feePool));
    if (change !== null) {
      const oldPeg = m.pegE6;
      installCurve(s, m, change);
      s.events.push({ type: 'repeg', market: m.id, oldPeg, newPeg: m.pegE6, cost: change.cost });
    }
  }
  if (p.maxKStepE6 > 0) {
    const change = formulaicK(m, m.ammNetBase, m.feePool, p.targetFeePool, p.maxKStepE6);
    if (change !== null && change.curve.baseReserve - m.ammNetBase > 0) {
      const oldBase = m.baseReserve;
      installCurve(s, m, change);
      s.events.push({
        type: 'kAdjusted',
        market: m.id,
        oldBaseReserve: oldBase,
        newBaseReserve: m.baseReserve,
        cost: change.cost,
      });
    }
  }
  refreshMark(s, m, ts);
}
