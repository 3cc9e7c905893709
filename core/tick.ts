/**
 * The tick: one risk pass per loop turn, journaled like any command so
 * replay is deterministic.
 *   1. Margin ratios follow volatility (initial at once, maintenance
 *      gradually); a change is an event and refreshes that market's
 *      thresholds.
 *   2. Mark-to-market: every market whose mark moved since the last tick is
 *      scanned (margin/thresholds.ts); complex accounts and accounts already
 *      warned or in liquidation are added; each candidate is checked exactly.
 *   3. Fair order: distressed accounts are handled most distressed first
 *      (lowest equity / maintenance), then by account id — never in the
 *      order of a hash map.
 *   4. A distressed account has its orders cancelled and enters
 *      liquidation; once its liquidator window has passed, the backstop
 *      closes what is needed on the vAMM; bankruptcy is resolved.
 *   5. Accounts near maintenance get one private warning per episode.
 * Portfolio accounts (core/portfolio/) are complex: checked exactly. Before
 * the passes the tick announces every flip of their requirement source
 * (portfolioFallback), and one found below maintenance (or near it) on a
 * stored charge has its exact charge computed before anything is decided.
 */
import { curvePriceE6 } from '../vamm/curve.ts';
import { RATIO_PRECISION } from '../vamm/precision.ts';
import { backstopClose, CLOSE_SIZE_FOLLOW_UP_MARGIN, closeSize, resolveBankruptcy } from './liquidation.ts';
import { belowLiquidationTarget, belowMaintenance, crossHealth, type Health, isolatedHealth } from './margin/health.ts';
import { refreshAccount, refreshAll, scanMarket } from './margin/thresholds.ts';
import { nextMarginRatios } from './margin/volatility.ts';
import { MARKET_ACTIVE, type Market, MF } from './market.ts';
import { ammFillsCrossedOrders } from './matching.ts';
import { checkOracleForMargin, checkOracleForTrade } from './oracle.ts';
import { expireOrders } from './orders.ts';
import { backstopPortfolio } from './portfolio/backstop.ts';
import { announceFallbacks } from './portfolio/fallback.ts';
import { fallbackOf } from './portfolio/requirement.ts';
import { refreshCharge } from './portfolio/row.ts';
import { rebuildPortfolio } from './portfolio/state.ts';
import type { EngineState } from './state.ts';
import { evaluateTriggers } from './triggers.ts';

/** Most backstop steps one account may take in one tick (bounds the tick's work). */
const MAX_BACKSTOP_STEPS = 16;

export function rebuildCaches(s: EngineState): void {
  rebuildPortfolio(s);
  refreshAll(s);
  s.watchedAccounts.clear();
  const acc = s.accounts;
  for (let a = 0; a < acc.count; a++) {
    if (acc.warned[a] === 1 || acc.liquidationSince[a] !== 0) s.watchedAccounts.add(a);
  }
  s.cachesStale = false;
}

function updateRatios(s: EngineState, m: Market): void {
  const next = nextMarginRatios(
    m.params,
    { initialE6: m.initialRatioE6, maintenanceE6: m.maintenanceRatioE6 },
    m.varianceRatePerMs,
  );
  if (next.initialE6 === m.initialRatioE6 && next.maintenanceE6 === m.maintenanceRatioE6) return;
  s.undo.at(m.f, MF.initialRatioE6, next.initialE6);
  s.undo.at(m.f, MF.maintenanceRatioE6, next.maintenanceE6);
  s.events.push({
    type: 'marginRatios',
    market: m.id,
    initialE6: next.initialE6,
    maintenanceE6: next.maintenanceE6,
    maintenanceTargetE6: nextMarginRatios(
      m.params,
      { initialE6: 0, maintenanceE6: RATIO_PRECISION },
      m.varianceRatePerMs,
    ).maintenanceE6,
  });
}

function collectCandidates(s: EngineState, firstPass: boolean): number[] {
  const n = s.accounts.count;
  if (s.scratchSeen.length < n) s.scratchSeen = new Float64Array(s.accounts.capacity);
  const seen = s.scratchSeen;
  const stamp = ++s.scratchStamp;
  let buf = s.scratchCandidates;
  let len = 0;
  const u = s.undo;
  const movedMarkets = s.scratchMoved;
  movedMarkets.length = 0;
  for (const m of s.markets) {
    const moved =
      m.markPrice !== m.markAtTick ||
      m.maintenanceRatioE6 !== m.maintenanceAtTick ||
      m.cumFundingLong !== m.fundingLongAtTick ||
      m.cumFundingShort !== m.fundingShortAtTick;
    movedMarkets[m.id] = moved || m.oraclePrice !== m.oracleAtTick;
    if (m.oraclePrice !== m.oracleAtTick) u.at(m.f, MF.oracleAtTick, m.oraclePrice);
    // The first pass scans every market: a threshold refreshed (by a trade, a transfer, a fee)
    // onto the far side of an unchanged mark must not wait for the mark to move. Later passes
    // rescan only what this tick's liquidations moved.
    if (!moved && !firstPass) continue;
    if (buf.length < len + n) {
      const bigger = new Int32Array(Math.max(len + n, buf.length * 2));
      bigger.set(buf.subarray(0, len));
      buf = bigger;
    }
    len = scanMarket(m, n, buf, len);
    u.at(m.f, MF.markAtTick, m.markPrice);
    u.at(m.f, MF.maintenanceAtTick, m.maintenanceRatioE6);
    u.at(m.f, MF.fundingLongAtTick, m.cumFundingLong);
    u.at(m.f, MF.fundingShortAtTick, m.cumFundingShort);
  }
  s.scratchCandidates = buf;
  const out: number[] = [];
  const add = (a: number) => {
    if (seen[a] === stamp) return;
    seen[a] = stamp;
    out.push(a);
  };
  for (let i = 0; i < len; i++) add(buf[i]);
  for (const a of s.complexAccounts) if (exposedToMoved(s, a, movedMarkets)) add(a);
  if (firstPass) {
    for (const a of s.watchedAccounts) add(a);
    for (const a of s.recheckAccounts) add(a);
    s.recheckAccounts.clear();
  }
  // Accounts this tick has already traded for (triggers, the curve filling crossed orders).
  for (let i = 0; i < s.touchedCount; i++) add(s.touched[i]);
  return out;
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

interface Distressed {
  account: number;
  ratio: number;
  /** Cross health when the cross pool is below maintenance, else null (an isolated position is). */
  cross: Health | null;
}

function ratioOf(h: Health): number {
  return h.maintenanceRequirement > 0 ? h.equityMaintenance / h.maintenanceRequirement : h.equityMaintenance;
}

/** Worst distressed unit of an account, or null when every unit meets maintenance. */
function evaluate(s: EngineState, a: number): Distressed | null {
  let cross = crossHealth(s, a);
  // A portfolio account below maintenance on a stored charge is priced exactly before anything is decided.
  if (s.accounts.portfolio[a] === 1 && belowMaintenance(cross) && refreshCharge(s, a) !== null) {
    cross = crossHealth(s, a);
  }
  let ratio = Number.POSITIVE_INFINITY;
  const crossBelow = belowMaintenance(cross);
  if (crossBelow) ratio = ratioOf(cross);
  for (const m of s.markets) {
    if (m.positions.isolated[a] !== 1 || (m.positions.base[a] === 0 && m.positions.pnl[a] >= 0)) continue;
    const h = isolatedHealth(m, a);
    if (belowMaintenance(h)) ratio = Math.min(ratio, ratioOf(h));
  }
  return ratio === Number.POSITIVE_INFINITY ? null : { account: a, ratio, cross: crossBelow ? cross : null };
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
  for (let pass = 0; pass < MAX_LIQUIDATION_PASSES; pass++) {
    const distressed: Distressed[] = [];
    for (const a of collectCandidates(s, pass === 0)) {
      const d = evaluate(s, a);
      if (d !== null) distressed.push(d);
      else settleWatch(s, a);
    }
    if (distressed.length === 0) break;
    distressed.sort((x, y) => x.ratio - y.ratio || x.account - y.account);
    for (const first of distressed) {
      // Fresh health: a backstop earlier in this pass may have moved this account either way.
      const d = evaluate(s, first.account);
      if (d === null) settleWatch(s, first.account);
      else liquidateAccount(s, d, ts);
    }
  }
  return null;
}

/** A healthy candidate: end its liquidation, send or clear its warning. */
function settleWatch(s: EngineState, a: number): void {
  const u = s.undo;
  const acc = s.accounts;
  if (acc.liquidationSince[a] !== 0) {
    u.at(acc.liquidationSince, a, 0);
    s.events.push({ type: 'liquidationEnded', account: a, market: -1 });
  }
  // Warning: any unit within the warning buffer of maintenance.
  let near: { market: number; h: Health } | null = null;
  const buffer = crossWarningBufferE6(s, a);
  let cross = crossHealth(s, a);
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

function liquidateAccount(s: EngineState, d: Distressed, ts: number): void {
  const u = s.undo;
  const acc = s.accounts;
  const a = d.account;
  if (acc.liquidationSince[a] === 0) {
    const cancelled = s.cancelAccountOrders(a);
    u.at(acc.liquidationSince, a, s.tickCount);
    s.watchedAccounts.add(a);
    const h = d.cross ?? worstIsolated(s, a);
    s.events.push({
      type: 'liquidationStarted',
      account: a,
      market: d.cross !== null ? -1 : worstIsolatedMarket(s, a),
      equity: Math.floor(h.equityMaintenance),
      maintenance: Math.ceil(h.maintenanceRequirement),
      ordersCancelled: cancelled,
    });
  }
  if (s.tickCount - acc.liquidationSince[a] < minWindow(s, a)) return;
  if (d.cross !== null) backstopCross(s, a, ts, d.cross);
  for (const m of s.markets) {
    if (m.positions.isolated[a] !== 1 || (m.positions.base[a] === 0 && m.positions.pnl[a] >= 0)) continue;
    const h = isolatedHealth(m, a);
    if (belowMaintenance(h)) backstopIsolated(s, m, a, ts, h);
  }
  if (evaluate(s, a) === null) {
    u.at(acc.liquidationSince, a, 0);
    s.events.push({ type: 'liquidationEnded', account: a, market: -1 });
  }
  s.touch(a);
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

function backstopCross(s: EngineState, a: number, ts: number, start: Health): void {
  if (s.accounts.portfolio[a] === 1 && fallbackOf(s, a) === null) {
    // Portfolio margin: every leg by the same fraction, so the hedge is kept (portfolio/backstop.ts).
    const r = backstopPortfolio(s, a, ts, start, MAX_BACKSTOP_STEPS);
    resolveBankruptcy(s, a, null, r.last, r.lastWasLong);
    return;
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
    h = crossHealth(s, a);
  }
  // Flat (now or already) with debts it cannot pay: bankruptcy.
  resolveBankruptcy(s, a, null, last, lastWasLong);
}

function backstopIsolated(s: EngineState, m: Market, a: number, ts: number, start: Health): void {
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
