/**
 * `setAccountMarginMode {account, mode: 'cross' | 'portfolio'}`: the margin
 * mode of an account's cross pool. (setMarginMode stays per position: an
 * isolated position keeps its own collateral and liquidation in either mode.)
 *
 * A switch is refused while the account is in liquidation, and, when the
 * account has cross positions or open cross orders, unless it meets initial
 * margin in the mode it asks for (MODE_SWITCH_MARGIN). Switching to
 * portfolio computes the account's exact charge at once when a scenario set
 * is in force, so it starts on portfolio margin; without one it is held to
 * cross margin until a set and a charge arrive. Switching back forgets the
 * charge.
 */
import type { SetAccountMarginMode } from '../commands.ts';
import { type Rejection, reject } from '../errors.ts';
import { crossHealth, meetsInitial } from '../margin/health.ts';
import type { EngineState } from '../state.ts';
import { meetsPortfolioInitial } from './check.ts';
import { clearCharge, notePositionSeq, refreshCharge } from './row.ts';

function hasCrossRisk(s: EngineState, a: number): boolean {
  for (const m of s.markets) {
    const pos = m.positions;
    if (pos.isolated[a] === 1) continue;
    if (pos.base[a] !== 0 || pos.openBids[a] !== 0 || pos.openAsks[a] !== 0) return true;
  }
  return false;
}

export function setAccountMarginMode(s: EngineState, cmd: SetAccountMarginMode): Rejection | null {
  const a = cmd.account;
  const acc = s.accounts;
  const u = s.undo;
  const want = cmd.mode === 'portfolio' ? 1 : 0;
  if (acc.portfolio[a] === want) return null;
  if (acc.liquidationSince[a] !== 0) return reject('IN_LIQUIDATION', `account ${a}`);
  u.at(acc.portfolio, a, want);
  clearCharge(s, a);
  if (acc.portfolioFallback[a] !== 0) u.at(acc.portfolioFallback, a, 0);
  const pm = s.portfolio;
  if (want === 1) {
    notePositionSeq(s, a); // no pool result priced before the switch applies
    pm.add(a);
    u.onRollback(() => pm.delete(a));
  } else {
    if (acc.positionSeq[a] !== 0) u.at(acc.positionSeq, a, 0);
    pm.delete(a);
    u.onRollback(() => pm.add(a));
  }
  if (hasCrossRisk(s, a)) {
    const met = want === 1 ? meetsPortfolioInitial(s, a, false) : meetsInitial(crossHealth(s, a));
    if (!met) return reject('MODE_SWITCH_MARGIN', `account ${a} in ${cmd.mode} mode`);
  } else if (want === 1) {
    refreshCharge(s, a);
  }
  s.touch(a);
  s.events.push({ type: 'accountMarginModeSet', account: a, mode: cmd.mode });
  return null;
}
