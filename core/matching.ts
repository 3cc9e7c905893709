/**
 * Hybrid matching: a taker walks the liquidity in price order, taking at
 * each step the better of the best resting order and the vAMM's marginal
 * price including its spread (the book wins ties: makers first). The vAMM
 * fills only until its price reaches the next resting level (or the taker's
 * limit), then that level fills, and so on — Drift v2's shape.
 *
 * Every fill settles both sides at once and moves fees between ledgers
 * exactly: the taker fee into the fee pool, a maker fee into it or a maker
 * rebate out of it (never more than the pool holds).
 */
import {
  baseToReachPrice,
  curvePriceE6,
  type Direction,
  type MutableSwap,
  swapBase,
  swapBaseInto,
} from '../vamm/curve.ts';
import { bandAllows, maxFillBase } from '../vamm/guards.ts';
import { BASE_PRECISION, RATIO_PRECISION } from '../vamm/precision.ts';
import { type Spreads, spreadCharge } from '../vamm/spread.ts';
import { ASK, type BestOrder, BID, NO_ORDER, NO_PRICE } from './book/types.ts';
import type { SelfTrade, Side } from './commands.ts';
import { type Rejection, reject, safe } from './errors.ts';
import { afterFill } from './liquidation.ts';
import { refreshMark } from './mark.ts';
import { type Market, MF } from './market.ts';
import { enforceReduceOnly, fillResting, removeFromBook } from './orders.ts';
import { portfolioRowChanged } from './portfolio/row.ts';
import { applyFill, moveOpenInterest, opensSide, type PositionAfter, positionAfter } from './position.ts';
import {
  fundingOwed,
  payingColumn,
  settleAmount,
  settleFunding,
  settlePnl,
  settlePnlQuietly,
  sideIndex,
} from './settle.ts';
import { spreadsOf, spreadsOfInto } from './spreads.ts';
import type { EngineState } from './state.ts';

/** Most steps one taker may take (levels and curve legs): bounds the work of one command. */
export const MAX_MATCH_STEPS = 10_000;

export interface Taker {
  account: number;
  side: Side;
  size: number;
  /** Limit price; 0 for none. */
  limit: number;
  /** The order reduces the position (risk-reducing: exempt from band, margin and fee refusal). */
  reducing: boolean;
  selfTrade: SelfTrade;
  /** The taker's order id, or −1 for a market order. */
  orderId: number;
}

export interface TakeResult {
  filled: number;
  /** Self-trade prevention stopped the taker. */
  expired: boolean;
}

/** Charge a fee into the fee pool; a taker that is not reducing must pay in full. */
function chargeFee(s: EngineState, m: Market, account: number, fee: number, mustPay: boolean): Rejection | null {
  if (fee <= 0) return null;
  const col = payingColumn(s, m, account);
  if (mustPay && col[account] < fee)
    return reject('INSUFFICIENT_COLLATERAL', `fees ${fee} > collateral ${col[account]}`);
  const paid = Math.min(fee, col[account]);
  if (paid > 0) {
    s.undo.at(col, account, col[account] - paid);
    s.undo.atField(m, MF.feePool, m.feePool + paid);
  }
  return null;
}

function payRebate(s: EngineState, m: Market, account: number, rebate: number): number {
  const paid = Math.min(rebate, m.feePool);
  if (paid <= 0) return 0;
  const col = payingColumn(s, m, account);
  s.undo.atField(m, MF.feePool, m.feePool - paid);
  s.undo.at(col, account, col[account] + paid);
  return paid;
}

/**
 * The taker's columns, carried through one walk in locals and written once
 * when it ends (storeTaker). A sweep used to write the taker's base, entry,
 * PnL and collateral through the undo log at every fill: four to six entries
 * a fill. The arithmetic below is the columns' own (settleFunding,
 * fillPosition, settlePnl, chargeFee), applied in the same order, so state
 * and events are exactly those of fill-by-fill writes. Nothing a walk runs
 * reads these columns of the taker meanwhile: a fill's upkeep touches only
 * its maker, and the market's pools and open interest are written as before.
 */
interface TakerColumns {
  account: number;
  base: number;
  quoteEntry: number;
  fundingIndex: number;
  pnl: number;
  /** The collateral that pays: the account's, or the isolated position's. */
  collateral: number;
  paying: Float64Array;
  /** A portfolio-margin cross position: each fill bounds its charge (portfolioRowChanged). */
  portfolio: boolean;
}

const tk: TakerColumns = {
  account: -1,
  base: 0.5,
  quoteEntry: 0.5,
  fundingIndex: 0.5,
  pnl: 0.5,
  collateral: 0.5,
  paying: new Float64Array(0),
  portfolio: false,
};

function loadTaker(s: EngineState, m: Market, account: number): void {
  const pos = m.positions;
  tk.account = account;
  tk.base = pos.base[account];
  tk.quoteEntry = pos.quoteEntry[account];
  tk.fundingIndex = pos.fundingIndex[account];
  tk.pnl = pos.pnl[account];
  tk.paying = payingColumn(s, m, account);
  tk.collateral = tk.paying[account];
  tk.portfolio = s.accounts.portfolio[account] === 1 && pos.isolated[account] !== 1;
}

/** The walk's taker written back to its columns (each logged only when it changed). */
function storeTaker(s: EngineState, m: Market): void {
  const u = s.undo;
  const pos = m.positions;
  const a = tk.account;
  if (pos.base[a] !== tk.base) u.at(pos.base, a, tk.base);
  if (pos.quoteEntry[a] !== tk.quoteEntry) u.at(pos.quoteEntry, a, tk.quoteEntry);
  if (pos.fundingIndex[a] !== tk.fundingIndex) u.at(pos.fundingIndex, a, tk.fundingIndex);
  if (pos.pnl[a] !== tk.pnl) u.at(pos.pnl, a, tk.pnl);
  if (tk.paying[a] !== tk.collateral) u.at(tk.paying, a, tk.collateral);
}

/** settleFunding on the walk's taker. */
function takerFunding(s: EngineState, m: Market): void {
  const base = tk.base;
  if (base === 0) return;
  const index = sideIndex(m, base);
  if (tk.fundingIndex === index) return;
  const owed = fundingOwed(base, index, tk.fundingIndex);
  tk.fundingIndex = index;
  if (owed !== 0) {
    tk.pnl = safe(tk.pnl - owed, 'unsettled pnl after funding');
    s.events.push({ type: 'fundingSettled', account: tk.account, market: m.id, amount: -owed });
  }
}

/** Scratch for the taker's position arithmetic (read at once). */
const takerMoved: PositionAfter = { base: 0, quoteEntry: 0, realised: 0 };

/** applyFill on the walk's taker. Returns the realised PnL. */
function takerTrade(s: EngineState, m: Market, deltaBase: number, quoteFlow: number): number {
  const b0 = tk.base;
  positionAfter(b0, tk.quoteEntry, deltaBase, quoteFlow, takerMoved);
  const b1 = takerMoved.base;
  moveOpenInterest(s, m, b0, b1);
  tk.base = b1;
  tk.quoteEntry = takerMoved.quoteEntry;
  if (opensSide(b0, b1)) tk.fundingIndex = sideIndex(m, b1);
  if (tk.portfolio) portfolioRowChanged(s, tk.account, m.id, deltaBase, m.markPrice);
  const realised = takerMoved.realised;
  if (realised !== 0) tk.pnl = safe(tk.pnl + realised, 'unsettled pnl');
  return realised;
}

/** settlePnl on the walk's taker, without its event. Returns the amount moved into the collateral. */
function takerSettle(s: EngineState, m: Market): number {
  const pnl = tk.pnl;
  if (pnl === 0) return 0;
  const moved = settleAmount(pnl, tk.collateral, m.pnlPool);
  if (moved === 0) return 0;
  s.undo.atField(m, MF.pnlPool, m.pnlPool - moved);
  tk.collateral += moved;
  tk.pnl = pnl - moved;
  return moved;
}

/** chargeFee on the walk's taker. */
function takerPays(s: EngineState, m: Market, fee: number, mustPay: boolean): Rejection | null {
  if (fee <= 0) return null;
  const col = tk.collateral;
  if (mustPay && col < fee) return reject('INSUFFICIENT_COLLATERAL', `fees ${fee} > collateral ${col}`);
  const paid = Math.min(fee, col);
  if (paid > 0) {
    tk.collateral = col - paid;
    s.undo.atField(m, MF.feePool, m.feePool + paid);
  }
  return null;
}

/** The vAMM's marginal price for a taker on `side`, spread included. */
export function ammQuote(m: Market, side: Side): number {
  return quoteWith(m, side === 'buy', spreadsOf(m));
}

function quoteWith(m: Market, buy: boolean, sp: Spreads): number {
  const p = curvePriceE6(m);
  return buy
    ? (p * (RATIO_PRECISION + sp.longSpreadE6)) / RATIO_PRECISION
    : (p * (RATIO_PRECISION - sp.shortSpreadE6)) / RATIO_PRECISION;
}

/** Scratch for a curve leg's swap (ammFill copies it out at once). */
const swapScratch: MutableSwap = { baseReserve: 0, quoteReserve: 0, base: 0, quote: 0, avgPriceE6: 0, postPriceE6: 0 };

/** The best resting order, read into scratch by the walk (copied to locals before anything else runs). */
const best: BestOrder = { id: NO_ORDER, account: -1, price: NO_PRICE, size: 0 };

/** One fill between the taker and a resting order at the maker's price. */
function bookFill(
  s: EngineState,
  m: Market,
  t: Taker,
  makerId: number,
  maker: number,
  price: number,
  qty: number,
): Rejection | null {
  const quote = Math.round((qty * price) / BASE_PRECISION);
  const p = m.params;
  takerFunding(s, m);
  settleFunding(s, m, maker);
  const buy = t.side === 'buy';
  const sign = buy ? 1 : -1;
  const realisedTaker = takerTrade(s, m, sign * qty, -sign * quote);
  const realisedMaker = applyFill(s, m, maker, -sign * qty, sign * quote);
  fillResting(s, m, makerId, maker, qty);
  const pos = m.positions;
  const open = buy ? pos.openAsks : pos.openBids;
  s.undo.at(open, maker, open[maker] - qty);
  const takerSettled = takerSettle(s, m);
  const makerPnl = pos.pnl[maker];
  const makerSettled = settlePnlQuietly(s, m, maker);
  const takerFee = Math.ceil((quote * p.takerFeeE6) / RATIO_PRECISION);
  const paid = takerPays(s, m, takerFee, !t.reducing);
  if (paid !== null) return paid;
  let makerFee = 0;
  if (p.makerFeeE6 > 0) {
    makerFee = Math.ceil((quote * p.makerFeeE6) / RATIO_PRECISION);
    chargeFee(s, m, maker, makerFee, false);
  } else if (p.makerFeeE6 < 0) {
    makerFee = -payRebate(s, m, maker, Math.floor((quote * -p.makerFeeE6) / RATIO_PRECISION));
  }
  s.events.push({
    type: 'bookMatch',
    market: m.id,
    price,
    base: qty,
    quote,
    takerSide: t.side,
    taker: tk.account,
    takerOrderId: t.orderId,
    takerFee,
    takerRealisedPnl: realisedTaker,
    takerPositionBase: tk.base,
    takerSettled,
    takerUnsettled: tk.pnl,
    maker,
    makerOrderId: makerId,
    makerFee,
    makerRealisedPnl: realisedMaker,
    makerPositionBase: pos.base[maker],
    makerSettled,
    makerUnsettled: makerPnl - makerSettled,
  });
  enforceReduceOnly(s, m, maker);
  afterFill(s, m, maker, sign > 0);
  s.touch(maker);
  // No mark refresh: the mark depends on the oracle and the curve, and a book fill moves neither.
  return null;
}

/** One curve leg for the taker: up to `qty` base units, at the walk's spreads `sp`. */
function ammFill(s: EngineState, m: Market, t: Taker, qty: number, ts: number, sp: Spreads): Rejection | null {
  const p = m.params;
  const u = s.undo;
  const long = t.side === 'buy';
  const direction: Direction = long ? 'long' : 'short';
  if (qty > maxFillBase(m.baseReserve, p.maxFillFractionE6)) {
    return reject('FILL_TOO_LARGE', `at most ${maxFillBase(m.baseReserve, p.maxFillFractionE6)} base units per fill`);
  }
  const spread = long ? sp.longSpreadE6 : sp.shortSpreadE6;
  if (!swapBaseInto(m, direction, qty, swapScratch))
    return reject('FILL_TOO_LARGE', 'the fill would exhaust the reserve');
  // Out of the scratch at once: nothing below may see it overwritten.
  const quote = swapScratch.quote;
  const postPrice = swapScratch.postPriceE6;
  const newBaseReserve = swapScratch.baseReserve;
  const newQuoteReserve = swapScratch.quoteReserve;
  const avgPrice = swapScratch.avgPriceE6;
  if (!t.reducing && !bandAllows(curvePriceE6(m), postPrice, m.oraclePrice, p.priceBandE6)) {
    return reject('PRICE_BAND', `post-trade price ${Math.round(postPrice)} vs oracle ${m.oraclePrice}`);
  }
  const spreadFee = spreadCharge(quote, spread);
  const fee = Math.ceil((quote * p.takerFeeE6) / RATIO_PRECISION);
  if (!Number.isSafeInteger(quote + spreadFee + fee)) return reject('OUT_OF_RANGE', 'fill notional');
  const taker = tk.account;
  takerFunding(s, m);
  const sign = long ? 1 : -1;
  u.atField(m, MF.baseReserve, newBaseReserve);
  u.atField(m, MF.quoteReserve, newQuoteReserve);
  u.atField(m, MF.ammNetBase, m.ammNetBase - sign * qty);
  const realised = takerTrade(s, m, sign * qty, -sign * quote);
  const settled = takerSettle(s, m);
  if (settled !== 0)
    s.events.push({ type: 'pnlSettled', account: taker, market: m.id, amount: settled, unsettled: tk.pnl });
  const paid = takerPays(s, m, fee + spreadFee, !t.reducing);
  if (paid !== null) return paid;
  refreshMark(s, m, ts);
  const price = Math.round(avgPrice);
  const events = s.events;
  events.push({
    type: 'fill',
    account: taker,
    market: m.id,
    side: t.side,
    base: qty,
    quote,
    price,
    fee,
    spreadFee,
    realisedPnl: realised,
    liquidity: 'amm',
    positionBase: tk.base,
    role: 'taker',
    orderId: t.orderId < 0 ? undefined : t.orderId,
  });
  events.push({ type: 'trade', market: m.id, price, size: qty, takerSide: t.side, liquidity: 'amm' });
  return null;
}

function better(buy: boolean, a: number, b: number): boolean {
  return buy ? a <= b : a >= b;
}

/**
 * Walk the liquidity for a taker. Returns how much filled, or a rejection
 * (the caller rolls the whole command back).
 */
export function take(s: EngineState, m: Market, t: Taker, ts: number): TakeResult | Rejection {
  const book = m.book;
  const buy = t.side === 'buy';
  const opposite = buy ? ASK : BID;
  const limit = t.limit;
  const wasLong = m.positions.base[t.account] > 0;
  loadTaker(s, m, t.account);
  let remaining = t.size;
  let expired = false;
  // The spreads depend on the AMM's inventory and reserve, the realised variance and the oracle's
  // confidence. A book fill moves none of them, so the walk computes them again only after one
  // of these inputs changed (a curve leg, or anything a fill's upkeep did to the market).
  const f = m.f;
  const sp: Spreads = spreadsOfInto(m, walkSpreads);
  let spNet = f[MF.ammNetBase];
  let spReserve = f[MF.baseReserve];
  let spVariance = f[MF.varianceRatePerMs];
  let spConfidence = f[MF.oracleConfidence];
  let spOracle = f[MF.oraclePrice];
  for (let step = 0; step < MAX_MATCH_STEPS && remaining > 0; step++) {
    if (
      f[MF.ammNetBase] !== spNet ||
      f[MF.baseReserve] !== spReserve ||
      f[MF.varianceRatePerMs] !== spVariance ||
      f[MF.oracleConfidence] !== spConfidence ||
      f[MF.oraclePrice] !== spOracle
    ) {
      spreadsOfInto(m, walkSpreads);
      spNet = f[MF.ammNetBase];
      spReserve = f[MF.baseReserve];
      spVariance = f[MF.varianceRatePerMs];
      spConfidence = f[MF.oracleConfidence];
      spOracle = f[MF.oraclePrice];
    }
    const resting = book.bestInto(opposite, best);
    const bookId = resting ? best.id : NO_ORDER;
    const bookPrice = resting ? best.price : -1;
    const bookAccount = best.account;
    const bookSize = best.size;
    const bookOk = resting && (limit === 0 || better(buy, bookPrice, limit));
    if (bookOk && better(buy, bookPrice, quoteWith(m, buy, sp))) {
      if (bookAccount === t.account) {
        // Self-trade prevention.
        if (t.selfTrade !== 'expireTaker') removeFromBook(s, m, bookId, 'selfTrade');
        if (t.selfTrade !== 'cancelMaker') {
          expired = true;
          break;
        }
        continue;
      }
      const qty = Math.min(remaining, bookSize);
      const r = bookFill(s, m, t, bookId, bookAccount, bookPrice, qty);
      if (r !== null) return r;
      remaining -= qty;
      continue;
    }
    // The curve, up to the next resting level or the taker's limit, whichever comes first.
    let target = limit;
    if (bookOk) target = target === 0 ? bookPrice : buy ? Math.min(target, bookPrice) : Math.max(target, bookPrice);
    let qty = remaining;
    if (target !== 0) {
      const curveTarget = buy
        ? (target * RATIO_PRECISION) / (RATIO_PRECISION + sp.longSpreadE6)
        : (target * RATIO_PRECISION) / (RATIO_PRECISION - sp.shortSpreadE6);
      qty = Math.min(remaining, baseToReachPrice(m, buy ? 'long' : 'short', curveTarget));
    }
    if (qty <= 0) {
      if (bookOk) {
        // The curve has reached the level: the book's turn (ties go to makers).
        const fillQty = Math.min(remaining, bookSize);
        if (bookAccount === t.account) break;
        const r = bookFill(s, m, t, bookId, bookAccount, bookPrice, fillQty);
        if (r !== null) return r;
        remaining -= fillQty;
        continue;
      }
      break;
    }
    const r = ammFill(s, m, t, qty, ts, sp);
    if (r !== null) return r;
    remaining -= qty;
  }
  if (t.size - remaining > 0) {
    storeTaker(s, m);
    enforceReduceOnly(s, m, t.account);
    // A taker that adds risk is checked for initial margin right after (IM ≥ MM, and a failure
    // rolls the whole command back), so only a reducing taker needs the maintenance check here.
    afterFill(s, m, t.account, wasLong, t.reducing);
    s.touch(t.account);
  }
  const result = takeResult;
  result.filled = t.size - remaining;
  result.expired = expired;
  return result;
}

/** The walk's spreads (take() never nests, and nothing it calls reads this). */
const walkSpreads = { longSpreadE6: 0, shortSpreadE6: 0 };

/** take()'s answer, read by its caller at once (take() never nests): no allocation per taker. */
const takeResult: TakeResult = { filled: 0, expired: false };

/**
 * The vAMM fills resting orders its price has crossed (after an oracle move,
 * a repeg or another trade): bids at or above its ask, asks at or below its
 * bid, at the maker's price, up to where its own price reaches that order.
 * The difference between the maker's price and the curve's goes to the fee
 * pool. Runs every tick.
 */
export function ammFillsCrossedOrders(s: EngineState, m: Market, ts: number): void {
  const book = m.book;
  const u = s.undo;
  for (let step = 0; step < MAX_MATCH_STEPS; step++) {
    const bid = book.bestId(BID);
    const ask = book.bestId(ASK);
    let id = NO_ORDER;
    let direction: Direction = 'long';
    if (bid !== NO_ORDER && book.priceOf(bid) >= ammQuote(m, 'buy')) {
      id = bid;
      direction = 'long'; // the AMM sells to the bid: curve moves as for a long
    } else if (ask !== NO_ORDER && book.priceOf(ask) <= ammQuote(m, 'sell')) {
      id = ask;
      direction = 'short';
    }
    if (id === NO_ORDER) return;
    const price = book.priceOf(id);
    const maker = book.accountOf(id);
    const sp = spreadsOf(m);
    const spread = direction === 'long' ? sp.longSpreadE6 : sp.shortSpreadE6;
    const curveTarget =
      direction === 'long'
        ? (price * RATIO_PRECISION) / (RATIO_PRECISION + spread)
        : (price * RATIO_PRECISION) / (RATIO_PRECISION - spread);
    const band = m.params.priceBandE6;
    const bandTarget =
      direction === 'long'
        ? (m.oraclePrice * (RATIO_PRECISION + band)) / RATIO_PRECISION
        : (m.oraclePrice * (RATIO_PRECISION - band)) / RATIO_PRECISION;
    const reach = Math.min(
      baseToReachPrice(
        m,
        direction,
        direction === 'long' ? Math.min(curveTarget, bandTarget) : Math.max(curveTarget, bandTarget),
      ),
      maxFillBase(m.baseReserve, m.params.maxFillFractionE6),
    );
    const qty = Math.min(book.sizeOf(id), reach);
    if (qty <= 0) return;
    const swap = swapBase(m, direction, qty);
    if (swap === null) return;
    const makerQuote = Math.round((qty * price) / BASE_PRECISION);
    // The maker pays (bid) or receives (ask) its own price; the curve's difference is the AMM's.
    const surplus = direction === 'long' ? makerQuote - swap.quote : swap.quote - makerQuote;
    if (surplus < 0) return; // rounding put the order a hair inside the curve: leave it
    settleFunding(s, m, maker);
    const sign = direction === 'long' ? 1 : -1;
    u.atField(m, MF.baseReserve, swap.baseReserve);
    u.atField(m, MF.quoteReserve, swap.quoteReserve);
    u.atField(m, MF.ammNetBase, m.ammNetBase - sign * qty);
    // The maker trades the curve's quote (virtual, zero-sum with the curve) and pays the
    // difference to its own price as a real fee: it gets exactly its limit price, and the
    // AMM's price improvement is money that moved, not money that appeared.
    const realised = applyFill(s, m, maker, sign * qty, -sign * swap.quote);
    settlePnl(s, m, maker);
    chargeFee(s, m, maker, surplus, false);
    fillResting(s, m, id, maker, qty);
    const open = direction === 'long' ? m.positions.openBids : m.positions.openAsks;
    u.at(open, maker, open[maker] - qty);
    s.events.push(
      {
        type: 'fill',
        account: maker,
        market: m.id,
        side: direction === 'long' ? 'buy' : 'sell',
        base: qty,
        quote: makerQuote,
        price,
        fee: 0,
        spreadFee: surplus,
        realisedPnl: realised,
        liquidity: 'amm',
        positionBase: m.positions.base[maker],
        role: 'maker',
        orderId: id,
      },
      {
        type: 'trade',
        market: m.id,
        price,
        size: qty,
        takerSide: direction === 'long' ? 'sell' : 'buy',
        liquidity: 'amm',
      },
    );
    enforceReduceOnly(s, m, maker);
    afterFill(s, m, maker, direction === 'short');
    s.touch(maker);
    refreshMark(s, m, ts);
  }
}
