/**
 * The fast book's invariant pass (Drift's validation-after-every-mutation
 * habit): each violation is a sentence naming what broke. The invariants are
 * listed in store.ts; tests run this after every operation.
 */
import { FLAG_GTT, NIL } from './columns.ts';
import {
  type BookStore,
  M_ASK_ORDERS,
  M_BID_ORDERS,
  M_FREE_LEVELS,
  M_FREE_SLOTS,
  M_LEVELS_USED,
  M_ORDERS,
  M_SLOTS_USED,
} from './store.ts';
import { ASK, BID, NO_CLIENT_ID } from './types.ts';
import { isPositiveSafeInteger } from './validate.ts';

export function checkInvariants(b: BookStore): string[] {
  const out: string[] = [];
  const o = b.o;
  const l = b.l;
  const m = b.meta;
  const seen = new Set<number>();
  let total = 0;
  let gttCount = 0;
  let clientCount = 0;
  for (const side of [BID, ASK] as const) {
    const ladder = b.ladder(side);
    let sideOrders = 0;
    for (let i = 0; i < ladder.length; i++) {
      const level = ladder.levels[i];
      const key = ladder.keys[i];
      if (i > 0 && !(ladder.keys[i - 1] < key)) out.push(`side ${side}: ladder keys not increasing at ${i}`);
      if (l.price[level] !== (side === BID ? key : -key)) out.push(`level ${level}: price ≠ ladder key`);
      let sum = 0;
      let n = 0;
      let prev = NIL;
      let lastSeq = -1;
      for (let s = l.head[level]; s !== NIL; s = o.next[s]) {
        if (seen.has(s)) {
          out.push(`slot ${s} reached twice`);
          break;
        }
        seen.add(s);
        if (o.prev[s] !== prev) out.push(`slot ${s}: prev link broken`);
        if (o.level[s] !== level) out.push(`slot ${s}: level ${o.level[s]}, found in ${level}`);
        if (o.side[s] !== side || o.price[s] !== l.price[level]) out.push(`slot ${s}: side/price ≠ its level`);
        if (!isPositiveSafeInteger(o.size[s])) out.push(`slot ${s}: size ${o.size[s]}`);
        if (!(o.seq[s] > lastSeq)) out.push(`slot ${s}: seq not increasing within level ${level}`);
        if (b.byId.get(o.id[s], 0) !== s) out.push(`order ${o.id[s]}: byId does not point at slot ${s}`);
        if (o.clientId[s] !== NO_CLIENT_ID) {
          clientCount++;
          if (b.byClient.get(o.account[s], o.clientId[s]) !== s) out.push(`order ${o.id[s]}: byClient mismatch`);
        }
        if (o.flags[s] & FLAG_GTT) {
          gttCount++;
          if (b.o.heap[o.heapPos[s]] !== s) out.push(`order ${o.id[s]}: not at its heap position`);
        }
        lastSeq = o.seq[s];
        sum += o.size[s];
        n++;
        prev = s;
      }
      if (l.tail[level] !== prev) out.push(`level ${level}: tail is not the last order`);
      if (n === 0) out.push(`level ${level}: empty but in the ladder`);
      if (n !== l.count[level]) out.push(`level ${level}: count ${l.count[level]}, holds ${n}`);
      if (sum !== l.size[level]) out.push(`level ${level}: size ${l.size[level]}, holds ${sum}`);
      sideOrders += n;
    }
    if (sideOrders !== m[side === BID ? M_BID_ORDERS : M_ASK_ORDERS]) out.push(`side ${side}: order count mismatch`);
    total += sideOrders;
  }
  if (total !== m[M_ORDERS]) out.push(`order count ${m[M_ORDERS]}, holds ${total}`);
  if (b.byId.size !== total) out.push(`byId holds ${b.byId.size}, book ${total}`);
  if (b.byClient.size !== clientCount) out.push(`byClient holds ${b.byClient.size}, book ${clientCount}`);
  if (b.expiry.length !== gttCount) out.push(`expiry heap holds ${b.expiry.length}, book ${gttCount} GTT`);
  if (m[M_FREE_SLOTS] + total !== m[M_SLOTS_USED]) out.push('slots: free + resting ≠ used');
  if (m[M_FREE_LEVELS] + b.bids.length + b.asks.length !== m[M_LEVELS_USED]) {
    out.push('levels: free + laddered ≠ used');
  }
  let accountTotal = 0;
  for (let acc = 0; acc < b.a.capacity; acc++) {
    const count = b.a.count[acc];
    if (count === 0) continue;
    let n = 0;
    let prev = NIL;
    let lastSeq = -1;
    for (let s = b.a.head[acc]; s !== NIL && n <= count; s = o.accountNext[s]) {
      if (!seen.has(s)) out.push(`account ${acc}: slot ${s} is not resting`);
      if (o.account[s] !== acc) out.push(`account ${acc}: list holds slot ${s} of account ${o.account[s]}`);
      if (o.accountPrev[s] !== prev) out.push(`account ${acc}: prev link broken at slot ${s}`);
      if (!(o.seq[s] > lastSeq)) out.push(`account ${acc}: list not in seq order`);
      lastSeq = o.seq[s];
      prev = s;
      n++;
    }
    if (n !== count) out.push(`account ${acc}: count ${count}, list holds ${n}`);
    if (b.a.tail[acc] !== prev) out.push(`account ${acc}: tail is not the last order`);
    accountTotal += count;
  }
  if (accountTotal !== total) out.push(`accounts hold ${accountTotal} orders, book ${total}`);
  out.push(...b.byId.check(), ...b.byClient.check(), ...b.expiry.check());
  return out;
}
