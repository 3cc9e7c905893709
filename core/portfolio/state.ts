/**
 * The engine's portfolio-margin state. State (hashed, snapshotted): the
 * scenario set in force and the parameters; the per-account columns live in
 * accounts.ts. Derived (rebuilt on restore, never hashed): the set's
 * market-major copy (inside the set, from withMarketMajor), its unit charges
 * for the O(1) bound, the kernel's scratch, and the set of portfolio accounts.
 *
 * A set covers the markets that existed when it was built; once a market is
 * created it no longer covers the engine and is not in force (every portfolio
 * account falls back to cross margin) until a set for all markets arrives.
 */
import { type UnitCharges, unitCharges } from '../risk/bounds.ts';
import { type ChargeScratch, scratchFor } from '../risk/portfolio.ts';
import type { ScenarioSet } from '../risk/scenarios.ts';
import type { EngineState } from '../state.ts';
import { DEFAULT_PORTFOLIO_PARAMS, type PortfolioParams } from './params.ts';

export class PortfolioState {
  /** The scenario set installed last (state), or null before the first. */
  set: ScenarioSet | null = null;
  params: PortfolioParams = { ...DEFAULT_PORTFOLIO_PARAMS };
  // ─── Derived ───
  /** Unit charges of `set` (the O(1) post-trade bound, the open-orders charge). */
  units: UnitCharges | null = null;
  /** Kernel scratch sized for `set`; one thread only (the engine's). */
  scratch: ChargeScratch | null = null;
  /** A position row and the mark prices, reused by every exact charge. */
  row = new Float64Array(0);
  prices = new Float64Array(0);
  /** Accounts with the portfolio flag (iterate sorted: never in insertion order). */
  readonly accounts = new Set<number>();
  /** `accounts` by id, rebuilt when a switch changed the set (switches are rare, ticks are not). */
  sorted: number[] = [];
  sortedStale = false;

  add(a: number): void {
    this.accounts.add(a);
    this.sortedStale = true;
  }

  delete(a: number): void {
    this.accounts.delete(a);
    this.sortedStale = true;
  }
}

/** The scenario set in force: installed, and covering every market. */
export function setInForce(s: EngineState): ScenarioSet | null {
  const set = s.portfolio.set;
  return set !== null && set.markets === s.markets.length ? set : null;
}

/** Version of the set in force, or −1 (no stored charge matches it). */
export function versionInForce(s: EngineState): number {
  const set = setInForce(s);
  return set === null ? -1 : set.version;
}

/** Install `set` with its derived caches, through the undo log. */
export function installSet(s: EngineState, set: ScenarioSet): void {
  const pm = s.portfolio;
  s.undo.set(pm, 'set', set);
  s.undo.set(pm, 'units', unitCharges(set));
  s.undo.set(pm, 'scratch', scratchFor(set));
}

/** Rebuild the derived caches from state (after a restore, or a rollback that left them behind). */
export function rebuildPortfolio(s: EngineState): void {
  const pm = s.portfolio;
  pm.units = pm.set === null ? null : unitCharges(pm.set);
  pm.scratch = pm.set === null ? null : scratchFor(pm.set);
  pm.accounts.clear();
  const flag = s.accounts.portfolio;
  for (let a = 0; a < s.accounts.count; a++) if (flag[a] === 1) pm.accounts.add(a);
  pm.sortedStale = true;
}

/** Portfolio accounts by id (a cached array: do not modify it). */
export function portfolioAccounts(s: EngineState): readonly number[] {
  const pm = s.portfolio;
  if (pm.sortedStale) {
    pm.sorted = [...pm.accounts].sort((x, y) => x - y);
    pm.sortedStale = false;
  }
  return pm.sorted;
}
