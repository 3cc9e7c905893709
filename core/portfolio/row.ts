/**
 * A portfolio account's stored charge, kept honest as its row changes.
 *
 * Exact: `refreshCharge` prices the account's current row (snapshot.ts) at
 * the current marks over the set in force — one kernel pass — and stores
 * ⌈charge⌉ stamped now. Bounded: every change to the row (a fill, a non-USDC
 * collateral balance) raises a stored charge by the O(1) bound of bounds.ts,
 * charge + |Δexposure| × unit charge, keeping its stamp's time: an upper
 * bound of the charge the new row would get at the prices the stamp priced.
 * So a stored charge never understates the row it stands for; it only ages.
 * Every change also records the command's seq in positionSeq, which is how a
 * pool result priced before the change is recognised. Only portfolio accounts
 * keep it (0 for cross accounts; the seq of the switch when one switches), so
 * cross accounts' state, and the state hash, stay independent of seq numbers.
 */
import { chargeAfterTradeBound } from '../risk/bounds.ts';
import { chargeAt } from '../risk/portfolio.ts';
import type { ScenarioSet } from '../risk/scenarios.ts';
import { markPrices, positionRowInto } from '../risk/snapshot.ts';
import type { EngineState } from '../state.ts';
import { setInForce } from './state.ts';

/** Load the account's row and the marks into the reused scratch; returns the row. */
export function loadRow(s: EngineState, a: number): Float64Array {
  const pm = s.portfolio;
  const n = s.markets.length;
  if (pm.row.length !== n) {
    pm.row = new Float64Array(n);
    pm.prices = new Float64Array(n);
  }
  pm.row.fill(0);
  positionRowInto(s, a, pm.row, 0);
  markPrices(s, pm.prices);
  return pm.row;
}

/** The charge (float) of the row last loaded by loadRow, possibly edited, over `set`. */
export function chargeOfLoadedRow(s: EngineState, set: ScenarioSet): number {
  const pm = s.portfolio;
  if (pm.scratch === null) throw new Error('portfolio scratch missing for the set in force');
  return chargeAt(pm.row, 0, pm.prices, set, pm.scratch);
}

/** Store a charge stamp through the undo log. */
export function storeCharge(s: EngineState, a: number, charge: number, ts: number, version: number): void {
  const acc = s.accounts;
  const u = s.undo;
  if (!Object.is(acc.portfolioCharge[a], charge)) u.at(acc.portfolioCharge, a, charge);
  if (acc.portfolioChargeTs[a] !== ts) u.at(acc.portfolioChargeTs, a, ts);
  if (acc.portfolioChargeVersion[a] !== version) u.at(acc.portfolioChargeVersion, a, version);
}

/** Forget the account's charge (NaN: none). */
export function clearCharge(s: EngineState, a: number): void {
  storeCharge(s, a, Number.NaN, 0, 0);
}

/**
 * Compute the account's exact charge now and store it, stamped with the
 * current time and the set in force. Returns the stored ⌈charge⌉, or null
 * when no set is in force (nothing changes) or the charge is out of range
 * (the charge is forgotten: the account is held to cross margin).
 */
export function refreshCharge(s: EngineState, a: number): number | null {
  const set = setInForce(s);
  if (set === null) return null;
  loadRow(s, a);
  const charge = Math.ceil(chargeOfLoadedRow(s, set));
  if (!Number.isSafeInteger(charge)) {
    clearCharge(s, a);
    return null;
  }
  storeCharge(s, a, charge, s.lastTs, set.version);
  return charge;
}

/** Raise the stored charge of portfolio account `a` by the bound for `deltaBase` in `market` at `price`. */
export function boundCharge(s: EngineState, a: number, market: number, deltaBase: number, price: number): void {
  const acc = s.accounts;
  const charge = acc.portfolioCharge[a];
  const set = setInForce(s);
  const units = s.portfolio.units;
  if (Number.isNaN(charge) || set === null || units === null || acc.portfolioChargeVersion[a] !== set.version) return;
  const next = Math.ceil(chargeAfterTradeBound(charge, units, market, deltaBase, price));
  if (Number.isSafeInteger(next)) s.undo.at(acc.portfolioCharge, a, next);
  else clearCharge(s, a);
}

/** Record a change to the row of portfolio account `a` in this command. */
export function notePositionSeq(s: EngineState, a: number): void {
  if (s.accounts.positionSeq[a] !== s.seq) s.undo.at(s.accounts.positionSeq, a, s.seq);
}

/** Portfolio account `a` traded `deltaBase` in `market` at `price` (position.ts applyFill). */
export function portfolioRowChanged(s: EngineState, a: number, market: number, deltaBase: number, price: number): void {
  notePositionSeq(s, a);
  boundCharge(s, a, market, deltaBase, price);
}

/** A non-USDC collateral balance of `a` changed by `deltaUnits`: its row changed in the asset's price market. */
export function collateralChanged(s: EngineState, a: number, asset: number, deltaUnits: number): void {
  if (s.accounts.portfolio[a] !== 1 || deltaUnits === 0) return;
  notePositionSeq(s, a);
  const m = s.markets[s.assets[asset].priceMarket];
  if (m === undefined || m.oraclePublishTs < 0 || !(m.markPrice > 0)) return; // unpriced: not in the row
  // As in positionRowInto: units at the oracle, as base of the market at its mark.
  const deltaBase = (deltaUnits * m.oraclePrice) / m.markPrice;
  boundCharge(s, a, m.id, deltaBase, m.markPrice);
}
