/**
 * The engine's compact events expanded into the classic ones. Two kinds of
 * event stand for several: a `liquidationBatch` (a tick's liquidation rows,
 * liquidation-rows.ts) and a `takerMatches` (a taker's fills in a row,
 * match-rows.ts: per fill against a resting order both fills, the trade and
 * the settlements; per curve leg its fill, the trade and its settlement).
 * Consumers that want one object
 * per classic event (acks, history, the simulator, tests) read
 * `classicEvents`; the gateway's router expands them as it routes.
 */
import type { Event } from './events.ts';
import { batchRows, type LiquidationRows } from './liquidation-rows.ts';
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
  matchRows,
  ROW_AMM,
  type TakerMatches,
} from './match-rows.ts';

/** The classic events a batch of a taker's fills stands for, appended to `out` in the order the engine settles and fills. */
export function expandMatches(e: TakerMatches, out: Event[]): Event[] {
  const c = matchRows(e);
  const market = e.market;
  const takerSide = e.takerSide;
  const takerOrderId = e.takerOrderId < 0 ? undefined : e.takerOrderId;
  for (let r = e.first; r < e.first + e.count; r++) {
    const at = r * MATCH_CELLS;
    const book = c[at + M_KIND] !== ROW_AMM;
    const liquidity = book ? 'book' : 'amm';
    const price = c[at + M_PRICE];
    const base = c[at + M_BASE];
    const quote = c[at + M_QUOTE];
    settlement(out, e.taker, market, c[at + M_TAKER_SETTLED], c[at + M_TAKER_UNSETTLED]);
    if (book) settlement(out, c[at + M_MAKER], market, c[at + M_MAKER_SETTLED], c[at + M_MAKER_UNSETTLED]);
    out.push({
      type: 'fill',
      account: e.taker,
      market,
      side: takerSide,
      base,
      quote,
      price,
      fee: c[at + M_TAKER_FEE],
      spreadFee: book ? 0 : c[at + M_SPREAD_FEE],
      realisedPnl: c[at + M_TAKER_REALISED],
      liquidity,
      positionBase: c[at + M_TAKER_POSITION],
      role: 'taker',
      orderId: takerOrderId,
    });
    if (book) {
      out.push({
        type: 'fill',
        account: c[at + M_MAKER],
        market,
        side: takerSide === 'buy' ? 'sell' : 'buy',
        base,
        quote,
        price,
        fee: c[at + M_MAKER_FEE],
        spreadFee: 0,
        realisedPnl: c[at + M_MAKER_REALISED],
        liquidity,
        positionBase: c[at + M_MAKER_POSITION],
        role: 'maker',
        orderId: c[at + M_MAKER_ORDER],
      });
    }
    out.push({ type: 'trade', market, price, size: base, takerSide, liquidity });
  }
  return out;
}

/** A fill's settlement of one side, when it moved anything. */
function settlement(out: Event[], account: number, market: number, amount: number, unsettled: number): void {
  if (amount !== 0) out.push({ type: 'pnlSettled', account, market, amount, unsettled });
}

/** An outcome's event list with every compact event replaced by the classic events it stands for, in place. */
export function classicEvents(events: readonly Event[]): Event[] {
  let batch: LiquidationRows | null = null;
  let matches = false;
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    if (e.type === 'liquidationBatch') batch = batchRows(e);
    else if (e.type === 'takerMatches') matches = true;
  }
  if (batch === null && !matches) return events as Event[];
  const out: Event[] = [];
  const rows = batch?.count ?? 0;
  let r = 0;
  for (let i = 0; i < events.length; i++) {
    // A row goes before the object that was pushed after it (its `at` is the list's length then).
    for (; r < rows && batch !== null && batch.at[r] <= i; r++) out.push(batch.event(r));
    const e = events[i];
    if (e.type === 'takerMatches') expandMatches(e, out);
    else if (e.type !== 'liquidationBatch') out.push(e);
  }
  for (; r < rows && batch !== null; r++) out.push(batch.event(r));
  return out;
}
