/**
 * Read-only: which accounts are in liquidation and what a takeover of each
 * could take, for the gateway's liquidator feed. Nothing here writes state
 * (no undo log, no events): it reads the columns the tick and the takeover
 * read, between turns.
 *
 * Timing mirrors tick.ts: an account enters liquidation in tick T
 * (`liquidationSince` = T); the backstop may close it in the first tick
 * T' with T' − T ≥ the shortest liquidatorWindowTicks among the markets it
 * holds a position in. Takeovers applied before that tick compete with it.
 */
import { closeSize } from './liquidation.ts';
import { belowMaintenance, healthFor } from './margin/health.ts';
import type { EngineState } from './state.ts';

/** One position open to a takeover (`liquidate`). */
export interface TakeoverCandidate {
  account: number;
  market: number;
  /** Signed base units (positive: long); a takeover takes the same side. */
  base: number;
  markPrice: number;
  isolated: boolean;
  /** The unit's equity and maintenance requirement (cross pool, or the isolated position). */
  equity: number;
  maintenance: number;
  /** Most base a takeover may take now (what restores maintenance + buffer, or all of it). */
  maxTakeover: number;
  /** Tick the account entered liquidation in, and the first tick the backstop may close it in. */
  sinceTick: number;
  backstopTick: number;
}

/** Accounts in liquidation now, by id (a scan of one column: O(accounts)). */
export function accountsInLiquidation(s: EngineState): number[] {
  const since = s.accounts.liquidationSince;
  const out: number[] = [];
  for (let a = 0; a < s.accounts.count; a++) if (since[a] !== 0) out.push(a);
  return out;
}

/** The first tick the backstop may close the account in; −1 when it is not in liquidation. */
export function backstopTick(s: EngineState, account: number): number {
  const since = s.accounts.liquidationSince[account];
  if (since === 0 || since === undefined) return -1;
  let w = Number.POSITIVE_INFINITY;
  for (const m of s.markets) if (m.positions.base[account] !== 0) w = Math.min(w, m.params.liquidatorWindowTicks);
  return since + (Number.isFinite(w) ? w : 0);
}

/**
 * The positions of an account in liquidation that a takeover would accept
 * now (its unit below maintenance), market by market; [] when it is not in
 * liquidation. `market` limits it to one market.
 */
export function takeoverCandidates(s: EngineState, account: number, market?: number): TakeoverCandidate[] {
  const since = s.accounts.liquidationSince[account];
  if (since === 0 || since === undefined || account >= s.accounts.count) return [];
  const backstop = backstopTick(s, account);
  const out: TakeoverCandidate[] = [];
  for (const m of s.markets) {
    if (market !== undefined && m.id !== market) continue;
    const base = m.positions.base[account];
    if (base === 0) continue;
    const h = healthFor(s, m, account);
    if (!belowMaintenance(h)) continue;
    const maxTakeover = closeSize(m, account, h);
    if (maxTakeover <= 0) continue;
    out.push({
      account,
      market: m.id,
      base,
      markPrice: m.markPrice,
      isolated: m.positions.isolated[account] === 1,
      equity: Math.floor(h.equityMaintenance),
      maintenance: Math.ceil(h.maintenanceRequirement),
      maxTakeover,
      sinceTick: since,
      backstopTick: backstop,
    });
  }
  return out;
}
