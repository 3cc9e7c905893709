/**
 * Oracle: several sources per market, each update carrying price,
 * confidence and publish time. The engine takes the median of the sources
 * that are fresh (within the margin staleness). Guards decide what each
 * action may do:
 *   trading  — fresh within oracleMaxStaleTradeMs, confidence within bounds,
 *              no jump active;
 *   margin   — fresh within oracleMaxStaleMarginMs (withdrawals, reduce-only
 *              trades, liquidations).
 * A jump is a price further than oracleMaxJumpE6 from the oracle's short EMA.
 */
import { RATIO_PRECISION } from '../vamm/precision.ts';
import type { OraclePrice } from './commands.ts';
import { type Rejection, reject } from './errors.ts';
import { curvePrice, refreshMark } from './mark.ts';
import { type Market, MF } from './market.ts';
import { type EngineState, ORACLE_FUTURE_TOLERANCE_MS } from './state.ts';
import type { UndoLog } from './undo.ts';

/** Median of the first n values (sorted in place, ascending); the mean of the middle two, floored, when n is even. */
function medianOf(values: Float64Array, n: number): number {
  // Insertion sort: a market has a handful of sources, and this runs on every oracle update.
  for (let i = 1; i < n; i++) {
    const x = values[i];
    let j = i - 1;
    while (j >= 0 && values[j] > x) {
      values[j + 1] = values[j];
      j--;
    }
    values[j + 1] = x;
  }
  const mid = n >> 1;
  return n % 2 === 1 ? values[mid] : Math.floor((values[mid - 1] + values[mid]) / 2);
}

/**
 * An update's writes to its market's fields, gathered while it computes them
 * and applied in one loop (flushWrites) before the mark reads them back: one
 * call site into the undo log instead of a dozen, which the compiler inlines,
 * so no value is boxed to be passed. No field gathered is read before the
 * flush, and the writes reach the log in the order they were gathered.
 * Scratch, not state.
 */
/** Room for every write of one update (it gathers at most 13). */
const pendingIndex = new Int32Array(16);
const pendingValue = new Float64Array(16);
let pending = 0;

function gather(index: number, value: number): void {
  pendingIndex[pending] = index;
  pendingValue[pending] = value;
  pending++;
}

function flushWrites(u: UndoLog, m: Market): void {
  for (let i = 0; i < pending; i++) u.atField(m, pendingIndex[i], pendingValue[i]);
  pending = 0;
}

/** Scratch for the fresh sources' prices and confidences (not state; grown to the most sources seen). */
let scratchPrices = new Float64Array(8);
let scratchConfs = new Float64Array(8);

export function checkOracleForTrade(m: Market, ts: number): Rejection | null {
  const p = m.params;
  if (m.oraclePublishTs < 0 || ts - m.oraclePublishTs > p.oracleMaxStaleTradeMs) {
    return reject('ORACLE_STALE', `market ${m.id}: trading needs a price newer than ${p.oracleMaxStaleTradeMs} ms`);
  }
  if (m.oracleConfidence * RATIO_PRECISION > p.oracleMaxConfidenceE6 * m.oraclePrice) {
    return reject('ORACLE_CONFIDENCE', `market ${m.id}`);
  }
  if (m.oracleJumpActive) return reject('ORACLE_JUMP', `market ${m.id}`);
  return null;
}

export function checkOracleForMargin(m: Market, ts: number): Rejection | null {
  if (m.oraclePublishTs < 0 || ts - m.oraclePublishTs > m.params.oracleMaxStaleMarginMs) {
    return reject(
      'ORACLE_STALE',
      `market ${m.id}: margin needs a price newer than ${m.params.oracleMaxStaleMarginMs} ms`,
    );
  }
  return null;
}

/** Oracle confidence as a ratio E6 of the price. */
export function confidenceE6(m: Market): number {
  return m.oraclePrice > 0 ? (m.oracleConfidence * RATIO_PRECISION) / m.oraclePrice : 0;
}

/** Realised volatility over `horizonMs`, as a ratio E6. */
export function volatilityE6(m: Market, horizonMs: number): number {
  return Math.sqrt(m.varianceRatePerMs * horizonMs) * RATIO_PRECISION;
}

export function applyOracleUpdate(s: EngineState, m: Market, cmd: OraclePrice, ts: number): Rejection | null {
  const u = s.undo;
  const p = m.params;
  if (!Number.isSafeInteger(cmd.source) || cmd.source < 0 || cmd.source >= m.sources.length) {
    return reject('ORACLE_BAD_SOURCE', `source ${cmd.source} of ${m.sources.length}`);
  }
  if (!Number.isSafeInteger(cmd.price) || cmd.price <= 0) return reject('BAD_PRICE', 'price');
  if (!Number.isSafeInteger(cmd.confidence) || cmd.confidence < 0) return reject('BAD_PRICE', 'confidence');
  if (!Number.isSafeInteger(cmd.publishTs) || cmd.publishTs < 0) return reject('BAD_COMMAND', 'publishTs');
  if (cmd.publishTs > ts + ORACLE_FUTURE_TOLERANCE_MS)
    return reject('ORACLE_FUTURE', `publishTs ${cmd.publishTs} > ${ts}`);
  const src = m.sources[cmd.source];
  if (cmd.publishTs <= src.publishTs) return reject('ORACLE_OUT_OF_ORDER', `source ${cmd.source}`);
  // A new source record in the source's slot: one undo entry, where setting its three fields took
  // three (a restored snapshot replaces the records the same way).
  u.set(m.sources, cmd.source, { price: cmd.price, confidence: cmd.confidence, publishTs: cmd.publishTs });

  // Aggregate the fresh sources.
  if (scratchPrices.length < m.sources.length) {
    scratchPrices = new Float64Array(m.sources.length);
    scratchConfs = new Float64Array(m.sources.length);
  }
  const prices = scratchPrices;
  const confs = scratchConfs;
  let fresh = 0;
  let newest = -1;
  for (const x of m.sources) {
    if (x.publishTs < 0 || ts - x.publishTs > p.oracleMaxStaleMarginMs) continue;
    prices[fresh] = x.price;
    confs[fresh] = x.confidence;
    fresh++;
    if (x.publishTs > newest) newest = x.publishTs;
  }
  if (fresh === 0) return null; // only stale sources: nothing new to aggregate
  const price = medianOf(prices, fresh);
  const confidence = medianOf(confs, fresh);
  const first = m.oraclePublishTs < 0;
  const prevPrice = m.oraclePrice;
  const dt = first ? 0 : Math.max(1, ts - m.oracleEmaTs);

  pending = 0;
  // Volatility: EWMA of squared simple returns per ms (no Math.log: only exactly rounded ops).
  if (!first && prevPrice > 0) {
    const r = (price - prevPrice) / prevPrice;
    const lambda = p.volatilityLambdaE6 / RATIO_PRECISION;
    gather(MF.varianceRatePerMs, lambda * m.varianceRatePerMs + ((1 - lambda) * r * r) / dt);
  }

  // Jump guard against the short EMA, then move the EMA.
  const ema = first ? price : m.oracleEma;
  const jump = Math.abs(price - ema) * RATIO_PRECISION > p.oracleMaxJumpE6 * ema;
  const alpha = first ? 1 : Math.min(1, dt / p.oracleEmaWindowMs);
  const newEma = ema + alpha * (price - ema);
  gather(MF.oracleEma, newEma);
  gather(MF.oracleEmaTs, ts);
  const jumpAfter = jump && Math.abs(price - newEma) * RATIO_PRECISION > p.oracleMaxJumpE6 * newEma;
  if (jumpAfter !== m.oracleJumpActive) {
    gather(MF.oracleJumpActive, jumpAfter ? 1 : 0);
    s.events.push({ type: 'oracleGuard', market: m.id, guard: 'ORACLE_JUMP', active: jumpAfter });
  }

  // Oracle TWAP integral.
  if (first) {
    gather(MF.oracleTwapTs, ts);
    gather(MF.oracleCumAtFunding, m.oracleTwapCum);
    gather(MF.fundingTs, ts);
  } else if (ts > m.oracleTwapTs) {
    gather(MF.oracleTwapCum, m.oracleTwapCum + m.oracleTwapLast * (ts - m.oracleTwapTs));
    gather(MF.oracleTwapTs, ts);
  }
  gather(MF.oracleTwapLast, price);

  // Basis EMA (curve − oracle), time-weighted.
  const basis = curvePrice(m) - price;
  const beta = first ? 1 : Math.min(1, dt / p.basisEmaWindowMs);
  gather(MF.basisEma, m.basisEma + beta * (basis - m.basisEma));

  gather(MF.oraclePrice, price);
  gather(MF.oracleConfidence, confidence);
  const wide = confidence * RATIO_PRECISION > p.oracleMaxConfidenceE6 * price ? 1 : 0;
  if (wide !== m.oracleConfidenceWide) {
    gather(MF.oracleConfidenceWide, wide);
    s.events.push({ type: 'oracleGuard', market: m.id, guard: 'ORACLE_CONFIDENCE', active: wide === 1 });
  }
  gather(MF.oraclePublishTs, newest);
  // Every field read below (the mark reads the oracle and basis back) holds its new value from here.
  flushWrites(u, m);
  refreshMark(s, m, ts);
  // The first price starts the funding period: both TWAPs count from here.
  if (first) u.atField(m, MF.markCumAtFunding, m.markTwapCum);
  s.events.push({
    type: 'oraclePrice',
    market: m.id,
    price,
    confidence,
    publishTs: newest,
    markPrice: m.markPrice,
  });
  return null;
}
