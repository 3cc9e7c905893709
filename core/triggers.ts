/**
 * Stop-market, stop-limit and take-profit orders wait off the book until
 * their trigger price is crossed by the mark or the oracle (chosen per
 * order). Every tick evaluates them in order-id order — deterministic — and
 * executes each fired order as a new taker; an execution that fails (margin,
 * band, oracle) is undone alone and the order is cancelled with the reason.
 *   stop:        buy when price ≥ trigger, sell when price ≤ trigger
 *   take-profit: buy when price ≤ trigger, sell when price ≥ trigger
 */
import type { Market, TriggerOrder } from './market.ts';
import { execute, removeTrigger } from './orders.ts';
import type { EngineState } from './state.ts';

export function fired(t: TriggerOrder, price: number): boolean {
  const up = price >= t.trigger.price;
  const down = price <= t.trigger.price;
  if (t.trigger.kind === 'stop') return t.side === 'buy' ? up : down;
  return t.side === 'buy' ? down : up;
}

export function evaluateTriggers(s: EngineState, m: Market, ts: number): void {
  if (m.triggers.length === 0) return;
  // Walk a copy: executing an order can add or remove triggers (reduce-only upkeep).
  const pending = m.triggers.slice();
  for (const t of pending) {
    const price = t.trigger.source === 'mark' ? m.markPrice : m.oraclePrice;
    if (price <= 0 || !fired(t, price)) continue;
    const index = m.triggers.indexOf(t);
    if (index < 0) continue;
    removeTrigger(s, m, index, null);
    // The book takes ids in increasing order: the fired order gets a fresh one, named in the event.
    const newId = s.nextOrderId;
    s.undo.set(s, 'nextOrderId', newId + 1);
    s.events.push({
      type: 'orderTriggered',
      account: t.account,
      market: m.id,
      orderId: t.orderId,
      newOrderId: newId,
      triggerPrice: t.trigger.price,
      price,
    });
    const undoMark = s.undo.mark();
    const eventMark = s.events.length;
    const r = execute(
      s,
      m,
      newId,
      {
        type: 'placeOrder',
        account: t.account,
        market: m.id,
        side: t.side,
        size: t.size,
        price: t.price,
        // A triggered market order never rests; a stop-limit keeps its time in force.
        timeInForce: t.price === 0 ? 'IOC' : t.timeInForce,
        expiryTs: t.expiryTs,
        reduceOnly: t.reduceOnly,
        postOnly: t.postOnly,
        clientId: t.clientId < 0 ? undefined : t.clientId,
        selfTrade: t.selfTrade,
      },
      ts,
    );
    if (r !== null) {
      s.undo.rollback(undoMark);
      s.events.length = eventMark;
      s.events.push({
        type: 'orderCancelled',
        account: t.account,
        market: m.id,
        orderId: newId,
        remaining: t.size,
        reason: 'triggerFailed',
      });
    }
  }
}
