/**
 * The tick: one risk pass per loop turn, journaled like any command so
 * replay is deterministic.
 *   1. Margin ratios follow volatility (initial at once, maintenance
 *      gradually); a change is an event and refreshes that market's
 *      thresholds.
 *   2. Mark-to-market: every market whose mark, ratio or funding moved since
 *      its last scan is scanned (margin/thresholds.ts); complex accounts,
 *      accounts already warned or in liquidation, and accounts whose
 *      refreshed threshold is already crossed (recheckAccounts) are added;
 *      each candidate is checked exactly — but a complex account whose
 *      recorded slack proves the marks, ratios and funding have not moved
 *      far enough since its last check to bring it near its warning line is
 *      skipped: that check would change nothing (margin/slack.ts). Thresholds of accounts this tick
 *      trades for or liquidates are refreshed at once, so a later pass's
 *      scan sees their new positions.
 *   3. Fair order: distressed accounts are handled most distressed first
 *      (lowest equity / maintenance), then by account id — never in the
 *      order of a hash map (margin/fair-order.ts: a stable radix sort).
 *   4. A distressed account has its orders cancelled and enters
 *      liquidation; once its liquidator window has passed, the backstop
 *      closes what is needed on the vAMM; bankruptcy is resolved.
 *   5. Accounts near maintenance get one private warning per episode.
 * Portfolio accounts (core/portfolio/) are complex: checked exactly. Before
 * the passes the tick announces every flip of their requirement source
 * (portfolioFallback), and one found below maintenance (or near it) on a
 * stored charge has its exact charge computed before anything is decided.
 */
import { RATIO_PRECISION } from '../vamm/precision.ts';
import { backstopCross, backstopIsolated } from './margin/backstop.ts';
import { addDistressed, growOrder, order, sortDistressed } from './margin/fair-order.ts';
import {
  belowMaintenance,
  crossHealth,
  crossHealthInto,
  type Health,
  isolatedHealth,
  newHealth,
} from './margin/health.ts';
import { provablySafe, recordSlack, syncSlack } from './margin/slack.ts';
import { refreshAccount, refreshAll, scanMarket } from './margin/thresholds.ts';
import { nextMarginRatiosInto } from './margin/volatility.ts';
import { MARKET_ACTIVE, type Market, MF } from './market.ts';
import { ammFillsCrossedOrders } from './matching.ts';
import { checkOracleForTrade } from './oracle.ts';
import { expireOrders } from './orders.ts';
import { announceFallbacks } from './portfolio/fallback.ts';
import { refreshCharge } from './portfolio/row.ts';
import { rebuildPortfolio } from './portfolio/state.ts';
import type { EngineState } from './state.ts';
import { evaluateTriggers } from './triggers.ts';

export function rebuildCaches(s: EngineState): void {
  rebuildPortfolio(s);
  s.slack.clear();
  refreshAll(s);
  s.watchedAccounts.clear();
  const acc = s.accounts;
  for (let a = 0; a < acc.count; a++) {
    if (acc.warned[a] === 1 || acc.liquidationSince[a] !== 0) s.watchedAccounts.add(a);
  }
  s.cachesStale = false;
}

/** updateRatios' scratch: read at once, never kept (not state). */
const ratiosScratch = { initialE6: 0, maintenanceE6: 0 };
const targetScratch = { initialE6: 0, maintenanceE6: 0 };

function updateRatios(s: EngineState, m: Market): void {
  const next = nextMarginRatiosInto(m.params, m.maintenanceRatioE6, m.varianceRatePerMs, ratiosScratch);
  if (next.initialE6 === m.initialRatioE6 && next.maintenanceE6 === m.maintenanceRatioE6) return;
  s.undo.atField(m, MF.initialRatioE6, next.initialE6);
  s.undo.atField(m, MF.maintenanceRatioE6, next.maintenanceE6);
  s.events.push({
    type: 'marginRatios',
    market: m.id,
    initialE6: next.initialE6,
    maintenanceE6: next.maintenanceE6,
    // nextMarginRatios from a maintenance of 100%: the target, reached at once (it never rises past it).
    maintenanceTargetE6: nextMarginRatiosInto(m.params, RATIO_PRECISION, m.varianceRatePerMs, targetScratch)
      .maintenanceE6,
  });
}

/**
 * The candidates of one pass, each once, into s.scratchCandidates (from 0);
 * returns their number. Scanned ids are deduplicated in place (an id is
 * written back no later than where it was read), then the complex, watched
 * and recheck accounts are appended: no array is allocated per pass.
 */
function collectCandidates(s: EngineState, firstPass: boolean): number {
  const n = s.accounts.count;
  if (s.scratchSeen.length < n) s.scratchSeen = new Float64Array(s.accounts.capacity);
  const seen = s.scratchSeen;
  const stamp = ++s.scratchStamp;
  let buf = s.scratchCandidates;
  let len = 0;
  const u = s.undo;
  // Every market's entry is written below (setting length would be a slow runtime call; an entry
  // past the last market is never read).
  const movedMarkets = s.scratchMoved;
  for (const m of s.markets) {
    const moved =
      m.markPrice !== m.markAtTick ||
      m.maintenanceRatioE6 !== m.maintenanceAtTick ||
      m.cumFundingLong !== m.fundingLongAtTick ||
      m.cumFundingShort !== m.fundingShortAtTick;
    movedMarkets[m.id] = moved || m.oraclePrice !== m.oracleAtTick;
    if (m.oraclePrice !== m.oracleAtTick) u.atField(m, MF.oracleAtTick, m.oraclePrice);
    // A market whose mark, ratio and funding equal what the last scan used needs no scan: every
    // threshold refreshed since then was also checked against those values (refreshAccount), and
    // one found crossed is in recheckAccounts.
    if (!moved) continue;
    if (buf.length < len + n) buf = grownIds(buf, len, len + n);
    len = scanMarket(m, n, buf, len);
    // Only the values that moved are written (funding moves once per funding interval).
    if (!sameValue(m.markPrice, m.markAtTick)) u.atField(m, MF.markAtTick, m.markPrice);
    if (!sameValue(m.maintenanceRatioE6, m.maintenanceAtTick)) u.atField(m, MF.maintenanceAtTick, m.maintenanceRatioE6);
    if (!sameValue(m.cumFundingLong, m.fundingLongAtTick)) u.atField(m, MF.fundingLongAtTick, m.cumFundingLong);
    if (!sameValue(m.cumFundingShort, m.fundingShortAtTick)) u.atField(m, MF.fundingShortAtTick, m.cumFundingShort);
  }
  let out = firstSightings(buf, len, seen, stamp);
  const recheck = s.recheckAccounts;
  const extra = s.complexAccounts.size + (firstPass ? s.watchedAccounts.size : 0) + recheck.size;
  if (buf.length < out + extra) buf = grownIds(buf, out, out + extra);
  for (const a of s.complexAccounts) {
    if (seen[a] === stamp || !exposedToMoved(s, a, movedMarkets)) continue;
    seen[a] = stamp;
    buf[out++] = a;
  }
  if (firstPass) {
    for (const a of s.watchedAccounts) {
      if (seen[a] === stamp) continue;
      seen[a] = stamp;
      buf[out++] = a;
    }
  }
  // Thresholds refreshed (by the previous tick's commands, or by this tick's earlier passes) onto
  // the far side of the mark, and complex accounts just refreshed: checked exactly now.
  for (let i = 0; i < recheck.size; i++) {
    const a = recheck.at(i);
    if (seen[a] === stamp) continue;
    seen[a] = stamp;
    buf[out++] = a;
  }
  s.recheckAccounts.clear();
  s.scratchCandidates = buf;
  return out;
}

/**
 * Would writing `next` over `current` leave the same bits? (The state hash
 * reads them: +0 and −0 differ.) NaN is never the same, so it is written.
 */
function sameValue(next: number, current: number): boolean {
  return next === current && (next !== 0 || 1 / next === 1 / current);
}

/**
 * Keep the first sighting of each of ids[0 … len) (marking it seen), moved to
 * the front in order; returns how many are kept.
 */
function firstSightings(ids: Int32Array, len: number, seen: Float64Array, stamp: number): number {
  let out = 0;
  for (let i = 0; i < len; i++) {
    const a = ids[i];
    if (seen[a] === stamp) continue;
    seen[a] = stamp;
    ids[out++] = a;
  }
  return out;
}

/** `ids` grown to hold at least `need` ids, its first `keep` kept. */
function grownIds(ids: Int32Array, keep: number, need: number): Int32Array<ArrayBuffer> {
  const bigger = new Int32Array(Math.max(need, ids.length * 2));
  bigger.set(ids.subarray(0, keep));
  return bigger;
}

/**
 * Refresh the thresholds of the accounts touched since `from` (this tick's
 * fills and liquidations) at once, so the next pass's scan sees their new
 * positions; they leave the touched list (the engine would refresh them
 * again after the commit).
 */
function refreshTouched(s: EngineState, from: number): void {
  const t = s.touched;
  const n = s.touchedCount;
  if (n === from) return;
  // One account touched once or many times (a liquidation touches its account at every step).
  const first = t[from];
  let i = from + 1;
  while (i < n && t[i] === first) i++;
  if (i === n) {
    refreshAccount(s, first);
  } else {
    if (s.scratchSeen.length < s.accounts.count) s.scratchSeen = new Float64Array(s.accounts.capacity);
    const seen = s.scratchSeen;
    const stamp = ++s.scratchStamp;
    for (let i = from; i < n; i++) {
      const a = t[i];
      if (seen[a] === stamp) continue;
      seen[a] = stamp;
      refreshAccount(s, a);
    }
  }
  s.touchedCount = from;
}

/** Does the account hold a position, a debt or collateral priced in a market that moved this tick? */
function exposedToMoved(s: EngineState, a: number, moved: boolean[]): boolean {
  for (const m of s.markets) {
    if (!moved[m.id]) continue;
    const pos = m.positions;
    if (pos.base[a] !== 0 || pos.pnl[a] !== 0) return true;
  }
  const balances = s.accounts.balances;
  for (let i = 1; i < balances.length; i++) {
    if (balances[i][a] !== 0 && moved[s.assets[i].priceMarket]) return true;
  }
  return false;
}

function ratioOf(h: Health): number {
  return h.maintenanceRequirement > 0 ? h.equityMaintenance / h.maintenanceRequirement : h.equityMaintenance;
}

/**
 * Scratch health of the tick (not state): `lastCross` holds the cross
 * health worstRatio() computed last, read before the next call refills it.
 * Nothing keeps it past the account it was computed for, so a sweep
 * allocates no Health.
 */
const lastCross: Health = newHealth();

/**
 * The lowest equity / maintenance among the account's units below
 * maintenance (+∞ when none is); its cross health is left in lastCross.
 */
function worstRatio(s: EngineState, a: number): number {
  const cross = crossHealthInto(s, a, lastCross);
  // A portfolio account below maintenance on a stored charge is priced exactly before anything is decided.
  if (s.accounts.portfolio[a] === 1 && belowMaintenance(cross) && refreshCharge(s, a) !== null) {
    crossHealthInto(s, a, cross);
  }
  let ratio = Number.POSITIVE_INFINITY;
  const crossBelow = belowMaintenance(cross);
  if (crossBelow) ratio = ratioOf(cross);
  const markets = s.markets;
  for (let i = 0; i < markets.length; i++) {
    const m = markets[i];
    if (m.positions.isolated[a] !== 1 || (m.positions.base[a] === 0 && m.positions.pnl[a] >= 0)) continue;
    const h = isolatedHealth(m, a);
    if (belowMaintenance(h)) ratio = Math.min(ratio, ratioOf(h));
  }
  return ratio;
}

/**
 * Passes of detection and liquidation within one tick: a backstop moves the
 * curve and so the mark, which can push other accounts under; they are
 * found by rescanning the markets that moved, up to this many passes.
 */
const MAX_LIQUIDATION_PASSES = 16;

export function tick(s: EngineState, ts: number): null {
  const u = s.undo;
  if (s.cachesStale) rebuildCaches(s);
  u.set(s, 'tickCount', s.tickCount + 1);
  for (const m of s.markets) {
    updateRatios(s, m);
    // Orders first: expiries, the curve filling resting orders it has crossed, then triggers.
    expireOrders(s, m, ts);
    if (m.status === MARKET_ACTIVE && checkOracleForTrade(m, ts) === null) ammFillsCrossedOrders(s, m, ts);
    if (m.status === MARKET_ACTIVE) evaluateTriggers(s, m, ts);
  }
  announceFallbacks(s);
  // Accounts the orders above traded for: thresholds fresh before the first scan (one crossed
  // at the current mark goes to recheckAccounts).
  refreshTouched(s, 0);
  for (let pass = 0; pass < MAX_LIQUIDATION_PASSES; pass++) {
    const candidateCount = collectCandidates(s, pass === 0);
    syncSlack(s);
    const count = checkCandidates(s, candidateCount);
    if (count === 0) break;
    liquidateInOrder(s, sortDistressed(count), count, ts);
  }
  return null;
}

/*
 * One loop per function below (and in collectCandidates): a crash runs each
 * once, on code not yet optimised, and a loop optimised on the stack inside
 * a function whose later loops have not run yet is deoptimised on reaching
 * them.
 */

/**
 * Check the pass's candidates (s.scratchCandidates) exactly: healthy ones
 * settle their watch, distressed ones go to the fair order with their ratio.
 * Returns how many are distressed.
 */
function checkCandidates(s: EngineState, candidateCount: number): number {
  const candidates = s.scratchCandidates;
  let count = 0;
  if (order.accounts.length < candidateCount) growOrder(candidateCount);
  for (let i = 0; i < candidateCount; i++) {
    const a = candidates[i];
    // Marks have not moved far enough since its last check to bring it near its warning line:
    // the check would change nothing (margin/slack.ts).
    if (provablySafe(s, a)) continue;
    const ratio = worstRatio(s, a);
    if (ratio === Number.POSITIVE_INFINITY) {
      settleWatch(s, a, lastCross);
      if (s.complexAccounts.has(a)) recordSlack(s, a, lastCross);
      continue;
    }
    addDistressed(count, a, ratio);
    count++;
  }
  return count;
}

/** Handle the distressed accounts in their fair order (`sorted`: indices into order.accounts). */
function liquidateInOrder(s: EngineState, sorted: Int32Array, count: number, ts: number): void {
  for (let i = 0; i < count; i++) {
    const a = order.accounts[sorted[i]];
    // Fresh health: a backstop earlier in this pass may have moved this account either way.
    if (worstRatio(s, a) === Number.POSITIVE_INFINITY) settleWatch(s, a, lastCross);
    else liquidateAccount(s, a, belowMaintenance(lastCross) ? lastCross : null, ts);
  }
}

/** A healthy candidate: end its liquidation, send or clear its warning. */
function settleWatch(s: EngineState, a: number, crossNow: Health | null): void {
  const u = s.undo;
  const acc = s.accounts;
  if (acc.liquidationSince[a] !== 0) {
    u.at(acc.liquidationSince, a, 0);
    s.liquidationRows().ended(a, -1);
  }
  // Warning: any unit within the warning buffer of maintenance.
  let near: { market: number; h: Health } | null = null;
  const buffer = crossWarningBufferE6(s, a);
  let cross = crossNow ?? crossHealth(s, a);
  if (s.accounts.portfolio[a] === 1 && isNear(cross, buffer) && refreshCharge(s, a) !== null) {
    cross = crossHealth(s, a); // priced exactly before a warning goes out
  }
  if (isNear(cross, buffer)) near = { market: -1, h: cross };
  for (const m of s.markets) {
    if (near !== null) break;
    if (m.positions.isolated[a] !== 1 || m.positions.base[a] === 0) continue;
    const h = isolatedHealth(m, a);
    if (isNear(h, m.params.warningBufferE6)) near = { market: m.id, h };
  }
  if (near !== null && acc.warned[a] === 0) {
    u.at(acc.warned, a, 1);
    s.events.push({
      type: 'marginWarning',
      account: a,
      market: near.market,
      equity: Math.floor(near.h.equityMaintenance),
      maintenance: Math.ceil(near.h.maintenanceRequirement),
    });
  } else if (near === null && acc.warned[a] === 1) {
    u.at(acc.warned, a, 0);
  }
  if (acc.warned[a] === 1) s.watchedAccounts.add(a);
  else s.watchedAccounts.delete(a);
  refreshAccount(s, a);
}

/** The widest warning buffer among the markets of the account's cross positions. */
function crossWarningBufferE6(s: EngineState, a: number): number {
  let buffer = 0;
  for (const m of s.markets) {
    if (m.positions.isolated[a] === 1 || m.positions.base[a] === 0) continue;
    buffer = Math.max(buffer, m.params.warningBufferE6);
  }
  return buffer;
}

function isNear(h: Health, warningBufferE6: number): boolean {
  if (h.maintenanceRequirement <= 0) return false;
  return h.equityMaintenance < h.maintenanceRequirement * (1 + warningBufferE6 / RATIO_PRECISION);
}

/**
 * Liquidation of a distressed account; `cross` is its cross health when the
 * cross pool is below maintenance (lastCross, read before anything refills
 * it), else null (an isolated position is).
 */
function liquidateAccount(s: EngineState, a: number, cross: Health | null, ts: number): void {
  const u = s.undo;
  const acc = s.accounts;
  const from = s.touchedCount;
  // The tick the liquidation started. Nothing the backstop runs reads the column, so it is
  // written once at the end, and not at all when the liquidation starts and ends in this call.
  const wasIn = acc.liquidationSince[a] !== 0;
  const since = wasIn ? acc.liquidationSince[a] : s.tickCount;
  if (!wasIn) {
    const cancelled = s.cancelAccountOrders(a);
    const h = cross ?? worstIsolated(s, a);
    s.liquidationRows().started(
      a,
      cross !== null ? -1 : worstIsolatedMarket(s, a),
      Math.floor(h.equityMaintenance),
      Math.ceil(h.maintenanceRequirement),
      cancelled,
    );
  }
  let ended = false;
  if (s.tickCount - since >= minWindow(s, a)) {
    // The cross pool's health after its backstop, when that is still its health now.
    let after: Health | null = null;
    if (cross !== null) after = backstopCross(s, a, ts, cross);
    let isolated = false;
    for (const m of s.markets) {
      if (m.positions.isolated[a] !== 1) continue;
      isolated = true;
      if (m.positions.base[a] === 0 && m.positions.pnl[a] >= 0) continue;
      const h = isolatedHealth(m, a);
      if (belowMaintenance(h)) backstopIsolated(s, m, a, ts, h);
    }
    ended = after !== null && !isolated ? !belowMaintenance(after) : worstRatio(s, a) === Number.POSITIVE_INFINITY;
  }
  if (ended) {
    if (wasIn) u.at(acc.liquidationSince, a, 0);
    s.liquidationRows().ended(a, -1);
  } else if (!wasIn) {
    u.at(acc.liquidationSince, a, since);
  }
  // Thresholds (and the watched set) follow the account's new state before the next pass scans.
  s.touch(a);
  refreshTouched(s, from);
}

function worstIsolated(s: EngineState, a: number): Health {
  const m = s.markets[worstIsolatedMarket(s, a)];
  return isolatedHealth(m, a);
}

function worstIsolatedMarket(s: EngineState, a: number): number {
  let best = -1;
  let bestRatio = Number.POSITIVE_INFINITY;
  for (const m of s.markets) {
    if (m.positions.isolated[a] !== 1 || m.positions.base[a] === 0) continue;
    const r = ratioOf(isolatedHealth(m, a));
    if (r < bestRatio) {
      bestRatio = r;
      best = m.id;
    }
  }
  return best;
}

/** The shortest liquidator window among the markets the account is exposed in. */
function minWindow(s: EngineState, a: number): number {
  let w = Number.POSITIVE_INFINITY;
  for (const m of s.markets) if (m.positions.base[a] !== 0) w = Math.min(w, m.params.liquidatorWindowTicks);
  return Number.isFinite(w) ? w : 0;
}
