/**
 * The engine-level portfolio state in the state hash and in snapshots: the
 * parameters and the scenario set in force (as the plain data of its
 * command). The set's market-major copy, its unit charges and the set of
 * portfolio accounts are derived: not hashed, rebuilt on restore. The
 * per-account columns travel with the other account columns (accounts.ts).
 */
import type { Hash } from 'node:crypto';
import type { ScenarioSetCommand } from '../commands.ts';
import type { EngineState } from '../state.ts';
import { checkPortfolioParams, PORTFOLIO_PARAM_NAMES, type PortfolioParams } from './params.ts';
import { decodeScenarioSet, scenarioSetCommand } from './scenario-command.ts';

export interface PortfolioSnapshot {
  params: PortfolioParams;
  /** The set in force, as the command that installs it; null before the first. */
  set: ScenarioSetCommand | null;
}

function bytes(a: Float64Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

export function hashPortfolio(s: EngineState, h: Hash): void {
  const pm = s.portfolio;
  h.update(bytes(new Float64Array(PORTFOLIO_PARAM_NAMES.map((name) => pm.params[name]))));
  const set = pm.set;
  if (set === null) {
    h.update('no scenario set');
    return;
  }
  h.update(`scenario set ${set.measure}`);
  h.update(bytes(new Float64Array([set.version, set.markets, set.gridCount, set.historicalCount, set.tailCount])));
  for (const a of [set.scenarios, set.weights, set.volatilities, set.correlations, set.ranges]) h.update(bytes(a));
}

export function portfolioSnapshot(s: EngineState): PortfolioSnapshot {
  const pm = s.portfolio;
  return { params: { ...pm.params }, set: pm.set === null ? null : scenarioSetCommand(pm.set) };
}

/** Put the snapshot's portfolio state into a fresh engine (derived caches: rebuildPortfolio). Throws when malformed. */
export function restorePortfolio(s: EngineState, snap: PortfolioSnapshot): void {
  if (typeof snap !== 'object' || snap === null) throw new Error('snapshot has no portfolio state');
  const bad = checkPortfolioParams({ ...snap.params });
  if (bad !== null) throw new Error(`snapshot portfolio parameters: ${bad}`);
  s.portfolio.params = { ...snap.params };
  if (snap.set === null) {
    s.portfolio.set = null;
    return;
  }
  const set = decodeScenarioSet(snap.set);
  if (typeof set === 'string') throw new Error(`snapshot scenario set: ${set}`);
  s.portfolio.set = set;
}
