/**
 * Initial-margin checks of portfolio accounts in the hot loop (trades,
 * orders, amends, takeovers, withdrawals, transfers). The requirement a
 * check uses is always the portfolio one including the change:
 *
 *   1. fast accept: the stored charge is in force — raised by the O(1) bound
 *      at every fill since it was computed (row.ts) — and covers it;
 *   2. otherwise the exact charge of the row after the change is computed
 *      now (one kernel pass), stored with its stamp, and checked;
 *   3. a trade that still fails is refused only if it adds risk: its exact
 *      charge is above the charge of the same row before it. Cutting one leg
 *      of a hedge can add risk; adding a hedge leg can remove it. An order
 *      that rests (or an amend that grows) always adds risk — except what a
 *      reduce-only order rests, which, as in cross margin, is never refused
 *      (it still counts in the initial requirement).
 *
 * Without a scenario set in force there is no charge to compute: the
 * account is held to cross margin, with cross rules.
 */
import { type Rejection, reject } from '../errors.ts';
import { crossHealth, type Health, meetsInitial, meetsInitialLossesOnly } from '../margin/health.ts';
import type { Market } from '../market.ts';
import type { EngineState } from '../state.ts';
import { fallbackOf } from './requirement.ts';
import { chargeOfLoadedRow, loadRow, refreshCharge } from './row.ts';
import { setInForce } from './state.ts';

function test(h: Health, lossesOnly: boolean): boolean {
  return lossesOnly ? meetsInitialLossesOnly(h) : meetsInitial(h);
}

/**
 * Does portfolio account `a` meet initial margin now, by the portfolio
 * requirement including whatever this command changed? May store a fresh
 * exact charge (steps 1–2 above). `lossesOnly`: withdrawals and transfers out.
 */
export function meetsPortfolioInitial(s: EngineState, a: number, lossesOnly: boolean): boolean {
  const inForce = fallbackOf(s, a) === null;
  const noSet = setInForce(s) === null;
  if (inForce || noSet) {
    const met = test(crossHealth(s, a), lossesOnly);
    if (met || noSet) return met;
  }
  refreshCharge(s, a);
  return test(crossHealth(s, a), lossesOnly);
}

/** Initial margin of the cross pool of any account (portfolio or cross), for withdrawals and transfers out. */
export function crossPoolMeetsInitial(s: EngineState, a: number, lossesOnly: boolean): boolean {
  return s.accounts.portfolio[a] === 1 ? meetsPortfolioInitial(s, a, lossesOnly) : test(crossHealth(s, a), lossesOnly);
}

/**
 * The check after a portfolio account's order in `m` (a cross position)
 * filled `m`'s base from `b0` to its current value and possibly rested
 * (`rests`). `reducing` is the cross notion (the position shrinks), which
 * decides only without a set in force.
 */
export function portfolioOrderCheck(
  s: EngineState,
  m: Market,
  a: number,
  b0: number,
  reducing: boolean,
  rests: boolean,
): Rejection | null {
  const set = setInForce(s);
  if (set === null) return !reducing && !meetsInitial(crossHealth(s, a)) ? reject('INSUFFICIENT_MARGIN') : null;
  if (meetsPortfolioInitial(s, a, false)) return null;
  const after = s.accounts.portfolioCharge[a];
  if (!rests && !Number.isNaN(after)) {
    const row = loadRow(s, a);
    row[m.id] += b0 - m.positions.base[a];
    if (after <= Math.ceil(chargeOfLoadedRow(s, set))) return null; // does not add risk
  }
  return reject('INSUFFICIENT_MARGIN', `portfolio margin of account ${a}`);
}
