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
import { type Rejection, reject } from './errors.ts';
import { HeldPosition } from './held-position.ts';
import { afterFill } from './liquidation.ts';
import { refreshMark } from './mark.ts';
import { type Market, MF } from './market.ts';
import {
  M_BASE,
  M_KIND,
  M_MAKER,
  M_MAKER_FEE,
  M_MAKER_ORDER,
  M_MAKER_POSITION,
  M_MAKER_REALISED,
  M_MAKER_SETTLED,
  M_MAKER_UNSETTLED,
  M_PRICE,
  M_QUOTE,
  M_SPREAD_FEE,
  M_TAKER_FEE,
  M_TAKER_POSITION,
  M_TAKER_REALISED,
  M_TAKER_SETTLED,
  M_TAKER_UNSETTLED,
  MATCH_CELLS,
  ROW_AMM,
  ROW_BOOK,
  type TakerMatches,
} from './match-rows.ts';
import { enforceReduceOnly, fillBestResting, removeFromBook } from './orders.ts';
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

/**
 * The walk's taker, held from the first fill to the end of the walk and
 * written once (held-position.ts): a sweep of five levels used to write its
 * columns at every one. Nothing a walk runs reads them meanwhile: a fill's
 * upkeep touches only its maker. The maker of each book fill, and of each
 * resting order the curve fills (ammFillsCrossedOrders), is held for that
 * fill alone.
 */
const tk = new HeldPosition();
const mk = new HeldPosition();

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

/**
 * The walk's open batch of fills: the last event of the command while the
 * walk's fills follow one another. take() closes it at its start; any other
 * event pushed after it (a fill's upkeep, a mark refresh's) closes it too.
 */
let openBatch: TakerMatches | null = null;

/**
 * A new row for one of the taker's fills (its first cell): in the open
 * batch while it is still the command's last event (then the rows since its
 * first are its own), else in a new batch.
 */
function matchRow(s: EngineState, m: Market, t: Taker): number {
  const rows = s.matchRows;
  const at = rows.append();
  const events = s.events;
  const open = openBatch;
  if (open !== null && events[events.length - 1] === open) {
    open.count++;
    return at;
  }
  const batch: TakerMatches = {
    type: 'takerMatches',
    market: m.id,
    takerSide: t.side,
    taker: t.account,
    takerOrderId: t.orderId,
    first: at / MATCH_CELLS,
    count: 1,
    rows,
    epoch: rows.epoch,
  };
  events.push(batch);
  openBatch = batch;
  return at;
}

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
  mk.load(s, m, maker);
  tk.settleFunding(s, m);
  mk.settleFunding(s, m);
  const buy = t.side === 'buy';
  const sign = buy ? 1 : -1;
  const realisedTaker = tk.trade(s, m, sign * qty, -sign * quote);
  const realisedMaker = mk.trade(s, m, -sign * qty, sign * quote);
  fillBestResting(s, m, buy ? ASK : BID, makerId, maker, qty);
  const pos = m.positions;
  const open = buy ? pos.openAsks : pos.openBids;
  s.undo.at(open, maker, open[maker] - qty);
  const takerSettled = tk.settle(s, m);
  const makerSettled = mk.settle(s, m);
  const takerFee = Math.ceil((quote * p.takerFeeE6) / RATIO_PRECISION);
  const paid = tk.pay(s, m, takerFee, !t.reducing);
  if (paid !== null) return paid;
  let makerFee = 0;
  if (p.makerFeeE6 > 0) {
    makerFee = Math.ceil((quote * p.makerFeeE6) / RATIO_PRECISION);
    mk.pay(s, m, makerFee, false);
  } else if (p.makerFeeE6 < 0) {
    makerFee = -mk.receiveRebate(s, m, Math.floor((quote * -p.makerFeeE6) / RATIO_PRECISION));
  }
  const makerUnsettled = mk.pnl;
  const makerPositionBase = mk.base;
  mk.store(s, m);
  const at = matchRow(s, m, t);
  const c = s.matchRows.cells;
  c[at + M_KIND] = ROW_BOOK;
  c[at + M_PRICE] = price;
  c[at + M_BASE] = qty;
  c[at + M_QUOTE] = quote;
  c[at + M_TAKER_FEE] = takerFee;
  c[at + M_TAKER_REALISED] = realisedTaker;
  c[at + M_TAKER_POSITION] = tk.base;
  c[at + M_TAKER_SETTLED] = takerSettled;
  c[at + M_TAKER_UNSETTLED] = tk.pnl;
  c[at + M_MAKER] = maker;
  c[at + M_MAKER_ORDER] = makerId;
  c[at + M_MAKER_FEE] = makerFee;
  c[at + M_MAKER_REALISED] = realisedMaker;
  c[at + M_MAKER_POSITION] = makerPositionBase;
  c[at + M_MAKER_SETTLED] = makerSettled;
  c[at + M_MAKER_UNSETTLED] = makerUnsettled;
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
  tk.settleFunding(s, m);
  const sign = long ? 1 : -1;
  u.atField(m, MF.baseReserve, newBaseReserve);
  u.atField(m, MF.quoteReserve, newQuoteReserve);
  u.atField(m, MF.ammNetBase, m.ammNetBase - sign * qty);
  const realised = tk.trade(s, m, sign * qty, -sign * quote);
  const settled = tk.settle(s, m);
  const paid = tk.pay(s, m, fee + spreadFee, !t.reducing);
  if (paid !== null) return paid;
  refreshMark(s, m, ts);
  const at = matchRow(s, m, t);
  const c = s.matchRows.cells;
  c[at + M_KIND] = ROW_AMM;
  c[at + M_PRICE] = Math.round(avgPrice);
  c[at + M_BASE] = qty;
  c[at + M_QUOTE] = quote;
  c[at + M_TAKER_FEE] = fee;
  c[at + M_SPREAD_FEE] = spreadFee;
  c[at + M_TAKER_REALISED] = realised;
  c[at + M_TAKER_POSITION] = tk.base;
  c[at + M_TAKER_SETTLED] = settled;
  c[at + M_TAKER_UNSETTLED] = tk.pnl;
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
  openBatch = null;
  tk.load(s, m, t.account);
  let remaining = t.size;
  let expired = false;
  // The spreads depend on the AMM's inventory and reserve, the realised variance and the oracle's
  // confidence, and the curve's quote on its reserves and peg too. A book fill moves none of them,
  // so the walk computes both again only after one of these inputs changed (a curve leg, or
  // anything a fill's upkeep did to the market).
  const f = m.f;
  const sp: Spreads = spreadsOfInto(m, walkSpreads);
  let quote = quoteWith(m, buy, sp);
  let spNet = f[MF.ammNetBase];
  let spReserve = f[MF.baseReserve];
  let spQuoteReserve = f[MF.quoteReserve];
  let spPeg = f[MF.pegE6];
  let spVariance = f[MF.varianceRatePerMs];
  let spConfidence = f[MF.oracleConfidence];
  let spOracle = f[MF.oraclePrice];
  for (let step = 0; step < MAX_MATCH_STEPS && remaining > 0; step++) {
    if (
      f[MF.ammNetBase] !== spNet ||
      f[MF.baseReserve] !== spReserve ||
      f[MF.quoteReserve] !== spQuoteReserve ||
      f[MF.pegE6] !== spPeg ||
      f[MF.varianceRatePerMs] !== spVariance ||
      f[MF.oracleConfidence] !== spConfidence ||
      f[MF.oraclePrice] !== spOracle
    ) {
      spreadsOfInto(m, walkSpreads);
      quote = quoteWith(m, buy, sp);
      spNet = f[MF.ammNetBase];
      spReserve = f[MF.baseReserve];
      spQuoteReserve = f[MF.quoteReserve];
      spPeg = f[MF.pegE6];
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
    if (bookOk && better(buy, bookPrice, quote)) {
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
    tk.store(s, m);
    enforceReduceOnly(s, m, t.account);
    // A taker that adds risk is checked for initial margin right after (a failure rolls the whole
    // command back); one that reduces and is left below maintenance is queued for the next tick by
    // the threshold refresh after the command (afterFill resolves only a close into debt).
    afterFill(s, m, t.account, wasLong);
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
    mk.load(s, m, maker);
    mk.settleFunding(s, m);
    const sign = direction === 'long' ? 1 : -1;
    u.atField(m, MF.baseReserve, swap.baseReserve);
    u.atField(m, MF.quoteReserve, swap.quoteReserve);
    u.atField(m, MF.ammNetBase, m.ammNetBase - sign * qty);
    // The maker trades the curve's quote (virtual, zero-sum with the curve) and pays the
    // difference to its own price as a real fee: it gets exactly its limit price, and the
    // AMM's price improvement is money that moved, not money that appeared.
    const realised = mk.trade(s, m, sign * qty, -sign * swap.quote);
    const settled = mk.settle(s, m);
    if (settled !== 0)
      s.events.push({ type: 'pnlSettled', account: maker, market: m.id, amount: settled, unsettled: mk.pnl });
    mk.pay(s, m, surplus, false);
    mk.store(s, m);
    fillBestResting(s, m, direction === 'long' ? BID : ASK, id, maker, qty);
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
