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
import { baseToReachPrice, curvePriceE6, type Direction, swapBase } from '../vamm/curve.ts';
import { bandAllows, maxFillBase } from '../vamm/guards.ts';
import { BASE_PRECISION, RATIO_PRECISION } from '../vamm/precision.ts';
import { spreadCharge } from '../vamm/spread.ts';
import { ASK, BID, NO_ORDER } from './book/types.ts';
import type { SelfTrade, Side } from './commands.ts';
import { type Rejection, reject } from './errors.ts';
import { afterFill } from './liquidation.ts';
import { refreshMark } from './mark.ts';
import { type Market, MF } from './market.ts';
import { enforceReduceOnly, removeFromBook } from './orders.ts';
import { applyFill } from './position.ts';
import { payingColumn, settleFunding, settlePnl } from './settle.ts';
import { spreadsOf } from './spreads.ts';
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
    s.undo.at(m.f, MF.feePool, m.feePool + paid);
  }
  return null;
}

function payRebate(s: EngineState, m: Market, account: number, rebate: number): number {
  const paid = Math.min(rebate, m.feePool);
  if (paid <= 0) return 0;
  const col = payingColumn(s, m, account);
  s.undo.at(m.f, MF.feePool, m.feePool - paid);
  s.undo.at(col, account, col[account] + paid);
  return paid;
}

/** The vAMM's marginal price for a taker on `side`, spread included. */
export function ammQuote(m: Market, side: Side): number {
  const sp = spreadsOf(m);
  const p = curvePriceE6(m);
  return side === 'buy'
    ? (p * (RATIO_PRECISION + sp.longSpreadE6)) / RATIO_PRECISION
    : (p * (RATIO_PRECISION - sp.shortSpreadE6)) / RATIO_PRECISION;
}

/** One fill between the taker and a resting order at the maker's price. */
function bookFill(s: EngineState, m: Market, t: Taker, makerId: number, qty: number, ts: number): Rejection | null {
  const book = m.book;
  const maker = book.accountOf(makerId);
  const price = book.priceOf(makerId);
  const quote = Math.round((qty * price) / BASE_PRECISION);
  const p = m.params;
  settleFunding(s, m, t.account);
  settleFunding(s, m, maker);
  const sign = t.side === 'buy' ? 1 : -1;
  const realisedTaker = applyFill(s, m, t.account, sign * qty, -sign * quote);
  const realisedMaker = applyFill(s, m, maker, -sign * qty, sign * quote);
  book.fill(makerId, qty);
  const open = t.side === 'buy' ? m.positions.openAsks : m.positions.openBids;
  s.undo.at(open, maker, open[maker] - qty);
  settlePnl(s, m, t.account);
  settlePnl(s, m, maker);
  const takerFee = Math.ceil((quote * p.takerFeeE6) / RATIO_PRECISION);
  const paid = chargeFee(s, m, t.account, takerFee, !t.reducing);
  if (paid !== null) return paid;
  let makerFee = 0;
  if (p.makerFeeE6 > 0) {
    makerFee = Math.ceil((quote * p.makerFeeE6) / RATIO_PRECISION);
    chargeFee(s, m, maker, makerFee, false);
  } else if (p.makerFeeE6 < 0) {
    makerFee = -payRebate(s, m, maker, Math.floor((quote * -p.makerFeeE6) / RATIO_PRECISION));
  }
  const pos = m.positions.base;
  s.events.push(
    {
      type: 'fill',
      account: t.account,
      market: m.id,
      side: t.side,
      base: qty,
      quote,
      price,
      fee: takerFee,
      spreadFee: 0,
      realisedPnl: realisedTaker,
      liquidity: 'book',
      positionBase: pos[t.account],
      role: 'taker',
      orderId: t.orderId < 0 ? undefined : t.orderId,
    },
    {
      type: 'fill',
      account: maker,
      market: m.id,
      side: t.side === 'buy' ? 'sell' : 'buy',
      base: qty,
      quote,
      price,
      fee: makerFee,
      spreadFee: 0,
      realisedPnl: realisedMaker,
      liquidity: 'book',
      positionBase: pos[maker],
      role: 'maker',
      orderId: makerId,
    },
    { type: 'trade', market: m.id, price, size: qty, takerSide: t.side, liquidity: 'book' },
  );
  enforceReduceOnly(s, m, maker);
  afterFill(s, m, maker, sign > 0);
  s.touch(maker);
  // No mark refresh: the mark depends on the oracle and the curve, and a book fill moves neither.
  return null;
}

/** One curve leg for the taker: up to `qty` base units. */
function ammFill(s: EngineState, m: Market, t: Taker, qty: number, ts: number): Rejection | null {
  const p = m.params;
  const u = s.undo;
  const direction: Direction = t.side === 'buy' ? 'long' : 'short';
  if (qty > maxFillBase(m.baseReserve, p.maxFillFractionE6)) {
    return reject('FILL_TOO_LARGE', `at most ${maxFillBase(m.baseReserve, p.maxFillFractionE6)} base units per fill`);
  }
  const sp = spreadsOf(m);
  const spread = direction === 'long' ? sp.longSpreadE6 : sp.shortSpreadE6;
  const swap = swapBase(m, direction, qty);
  if (swap === null) return reject('FILL_TOO_LARGE', 'the fill would exhaust the reserve');
  if (!t.reducing && !bandAllows(curvePriceE6(m), swap.postPriceE6, m.oraclePrice, p.priceBandE6)) {
    return reject('PRICE_BAND', `post-trade price ${Math.round(swap.postPriceE6)} vs oracle ${m.oraclePrice}`);
  }
  const spreadFee = spreadCharge(swap.quote, spread);
  const fee = Math.ceil((swap.quote * p.takerFeeE6) / RATIO_PRECISION);
  if (!Number.isSafeInteger(swap.quote + spreadFee + fee)) return reject('OUT_OF_RANGE', 'fill notional');
  settleFunding(s, m, t.account);
  const sign = direction === 'long' ? 1 : -1;
  u.at(m.f, MF.baseReserve, swap.baseReserve);
  u.at(m.f, MF.quoteReserve, swap.quoteReserve);
  u.at(m.f, MF.ammNetBase, m.ammNetBase - sign * qty);
  const realised = applyFill(s, m, t.account, sign * qty, -sign * swap.quote);
  settlePnl(s, m, t.account);
  const paid = chargeFee(s, m, t.account, fee + spreadFee, !t.reducing);
  if (paid !== null) return paid;
  refreshMark(s, m, ts);
  s.events.push(
    {
      type: 'fill',
      account: t.account,
      market: m.id,
      side: t.side,
      base: qty,
      quote: swap.quote,
      price: Math.round(swap.avgPriceE6),
      fee,
      spreadFee,
      realisedPnl: realised,
      liquidity: 'amm',
      positionBase: m.positions.base[t.account],
      role: 'taker',
      orderId: t.orderId < 0 ? undefined : t.orderId,
    },
    { type: 'trade', market: m.id, price: Math.round(swap.avgPriceE6), size: qty, takerSide: t.side, liquidity: 'amm' },
  );
  return null;
}

function better(side: Side, a: number, b: number): boolean {
  return side === 'buy' ? a <= b : a >= b;
}

/**
 * Walk the liquidity for a taker. Returns how much filled, or a rejection
 * (the caller rolls the whole command back).
 */
export function take(s: EngineState, m: Market, t: Taker, ts: number): TakeResult | Rejection {
  const book = m.book;
  const opposite = t.side === 'buy' ? ASK : BID;
  const wasLong = m.positions.base[t.account] > 0;
  let remaining = t.size;
  let expired = false;
  for (let step = 0; step < MAX_MATCH_STEPS && remaining > 0; step++) {
    const bookId = book.bestId(opposite);
    const bookPrice = bookId === NO_ORDER ? -1 : book.priceOf(bookId);
    const bookOk = bookId !== NO_ORDER && (t.limit === 0 || better(t.side, bookPrice, t.limit));
    const amm = ammQuote(m, t.side);
    if (bookOk && better(t.side, bookPrice, amm)) {
      if (book.accountOf(bookId) === t.account) {
        // Self-trade prevention.
        if (t.selfTrade !== 'expireTaker') removeFromBook(s, m, bookId, 'selfTrade');
        if (t.selfTrade !== 'cancelMaker') {
          expired = true;
          break;
        }
        continue;
      }
      const qty = Math.min(remaining, book.sizeOf(bookId));
      const r = bookFill(s, m, t, bookId, qty, ts);
      if (r !== null) return r;
      remaining -= qty;
      continue;
    }
    // The curve, up to the next resting level or the taker's limit, whichever comes first.
    let target = t.limit;
    if (bookOk)
      target = target === 0 ? bookPrice : t.side === 'buy' ? Math.min(target, bookPrice) : Math.max(target, bookPrice);
    let qty = remaining;
    if (target !== 0) {
      const sp = spreadsOf(m);
      const curveTarget =
        t.side === 'buy'
          ? (target * RATIO_PRECISION) / (RATIO_PRECISION + sp.longSpreadE6)
          : (target * RATIO_PRECISION) / (RATIO_PRECISION - sp.shortSpreadE6);
      qty = Math.min(remaining, baseToReachPrice(m, t.side === 'buy' ? 'long' : 'short', curveTarget));
    }
    if (qty <= 0) {
      if (bookOk) {
        // The curve has reached the level: the book's turn (ties go to makers).
        const fillQty = Math.min(remaining, book.sizeOf(bookId));
        if (book.accountOf(bookId) === t.account) break;
        const r = bookFill(s, m, t, bookId, fillQty, ts);
        if (r !== null) return r;
        remaining -= fillQty;
        continue;
      }
      break;
    }
    const r = ammFill(s, m, t, qty, ts);
    if (r !== null) return r;
    remaining -= qty;
  }
  if (t.size - remaining > 0) {
    enforceReduceOnly(s, m, t.account);
    // A taker that adds risk is checked for initial margin right after (IM ≥ MM, and a failure
    // rolls the whole command back), so only a reducing taker needs the maintenance check here.
    afterFill(s, m, t.account, wasLong, t.reducing);
    s.touch(t.account);
  }
  return { filled: t.size - remaining, expired };
}

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
    u.at(m.f, MF.baseReserve, swap.baseReserve);
    u.at(m.f, MF.quoteReserve, swap.quoteReserve);
    u.at(m.f, MF.ammNetBase, m.ammNetBase - sign * qty);
    // The maker trades the curve's quote (virtual, zero-sum with the curve) and pays the
    // difference to its own price as a real fee: it gets exactly its limit price, and the
    // AMM's price improvement is money that moved, not money that appeared.
    const realised = applyFill(s, m, maker, sign * qty, -sign * swap.quote);
    settlePnl(s, m, maker);
    chargeFee(s, m, maker, surplus, false);
    book.fill(id, qty);
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
