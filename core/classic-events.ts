/**
 * The engine's compact events expanded into the classic ones. Three kinds
 * of event stand for several: a `liquidationBatch` (a tick's liquidation
 * rows, liquidation-rows.ts), a `bookMatch` (one fill against a resting
 * order: both fills, the trade and the settlements) and an `ammMatch` (a
 * taker's curve leg: its fill, the trade and its settlement). Consumers that want one object
 * per classic event (acks, history, the simulator, tests) read
 * `classicEvents`; the gateway's router expands them as it routes.
 */
import type { Event } from './events.ts';
import { batchRows, type LiquidationRows } from './liquidation-rows.ts';

type BookMatch = Extract<Event, { type: 'bookMatch' }>;
type AmmMatch = Extract<Event, { type: 'ammMatch' }>;

/** The classic events a match stands for, appended to `out` in the order the engine settles and fills. */
export function expandMatch(e: BookMatch | AmmMatch, out: Event[]): Event[] {
  const market = e.market;
  if (e.type === 'ammMatch') {
    if (e.settled !== 0)
      out.push({ type: 'pnlSettled', account: e.account, market, amount: e.settled, unsettled: e.unsettled });
    out.push(
      {
        type: 'fill',
        account: e.account,
        market,
        side: e.side,
        base: e.base,
        quote: e.quote,
        price: e.price,
        fee: e.fee,
        spreadFee: e.spreadFee,
        realisedPnl: e.realisedPnl,
        liquidity: 'amm',
        positionBase: e.positionBase,
        role: 'taker',
        orderId: e.orderId < 0 ? undefined : e.orderId,
      },
      { type: 'trade', market, price: e.price, size: e.base, takerSide: e.side, liquidity: 'amm' },
    );
    return out;
  }
  if (e.takerSettled !== 0)
    out.push({ type: 'pnlSettled', account: e.taker, market, amount: e.takerSettled, unsettled: e.takerUnsettled });
  if (e.makerSettled !== 0)
    out.push({ type: 'pnlSettled', account: e.maker, market, amount: e.makerSettled, unsettled: e.makerUnsettled });
  const makerSide = e.takerSide === 'buy' ? 'sell' : 'buy';
  out.push(
    {
      type: 'fill',
      account: e.taker,
      market,
      side: e.takerSide,
      base: e.base,
      quote: e.quote,
      price: e.price,
      fee: e.takerFee,
      spreadFee: 0,
      realisedPnl: e.takerRealisedPnl,
      liquidity: 'book',
      positionBase: e.takerPositionBase,
      role: 'taker',
      orderId: e.takerOrderId < 0 ? undefined : e.takerOrderId,
    },
    {
      type: 'fill',
      account: e.maker,
      market,
      side: makerSide,
      base: e.base,
      quote: e.quote,
      price: e.price,
      fee: e.makerFee,
      spreadFee: 0,
      realisedPnl: e.makerRealisedPnl,
      liquidity: 'book',
      positionBase: e.makerPositionBase,
      role: 'maker',
      orderId: e.makerOrderId,
    },
    { type: 'trade', market, price: e.price, size: e.base, takerSide: e.takerSide, liquidity: 'book' },
  );
  return out;
}

/** An outcome's event list with every compact event replaced by the classic events it stands for, in place. */
export function classicEvents(events: readonly Event[]): Event[] {
  let batch: LiquidationRows | null = null;
  let matches = false;
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    if (e.type === 'liquidationBatch') batch = batchRows(e);
    else if (e.type === 'bookMatch' || e.type === 'ammMatch') matches = true;
  }
  if (batch === null && !matches) return events as Event[];
  const out: Event[] = [];
  const rows = batch?.count ?? 0;
  let r = 0;
  for (let i = 0; i < events.length; i++) {
    // A row goes before the object that was pushed after it (its `at` is the list's length then).
    for (; r < rows && batch !== null && batch.at[r] <= i; r++) out.push(batch.event(r));
    const e = events[i];
    if (e.type === 'bookMatch' || e.type === 'ammMatch') expandMatch(e, out);
    else if (e.type !== 'liquidationBatch') out.push(e);
  }
  for (; r < rows && batch !== null; r++) out.push(batch.event(r));
  return out;
}
