/**
 * Market orders: an IOC taker over the book and the vAMM (matching.ts) that
 * fills up to its worst price; the rest is dropped. Guards and margin are
 * checked on the result, and any failure rolls the whole command back
 * through the undo log.
 */
import type { MarketOrder } from './commands.ts';
import { type Rejection, reject } from './errors.ts';
import { meetsInitialFor, touchAccount } from './margin/health.ts';
import { MARKET_PAUSED, type Market } from './market.ts';
import { type Taker, take } from './matching.ts';
import { checkOracleForMargin, checkOracleForTrade } from './oracle.ts';
import { portfolioOrderCheck } from './portfolio/check.ts';
import { settleFunding } from './settle.ts';
import type { EngineState } from './state.ts';

/** The taker handed to take() (read during that call only; take() never nests): no allocation per order. */
const taker: Taker = {
  account: 0,
  side: 'buy',
  size: 0,
  limit: 0,
  reducing: false,
  selfTrade: 'cancelMaker',
  orderId: -1,
};

export function marketOrder(s: EngineState, m: Market, cmd: MarketOrder, ts: number): Rejection | null {
  if (m.status === MARKET_PAUSED) return reject('MARKET_PAUSED', `market ${m.id}`);
  const a = cmd.account;
  touchAccount(s, a);
  const pos = m.positions;
  const p = m.params;
  const sign = cmd.side === 'buy' ? 1 : -1;
  if (cmd.size < p.minOrderSize) return reject('BAD_AMOUNT', `size below the minimum ${p.minOrderSize}`);
  settleFunding(s, m, a);
  const b0 = pos.base[a];
  let size = cmd.size;
  if (cmd.reduceOnly === true) {
    if (b0 === 0 || b0 > 0 === sign > 0) return reject('REDUCE_ONLY');
    size = Math.min(size, Math.abs(b0));
  }
  const reducing = b0 !== 0 && b0 > 0 !== sign > 0 && size <= Math.abs(b0);
  if (!reducing && s.accounts.liquidationSince[a] !== 0) return reject('IN_LIQUIDATION', `account ${a}`);
  const guard = reducing ? checkOracleForMargin(m, ts) : checkOracleForTrade(m, ts);
  if (guard !== null) return guard;
  const worst = cmd.worstPrice ?? 0;
  const t = taker;
  t.account = a;
  t.side = cmd.side;
  t.size = size;
  t.limit = worst;
  t.reducing = reducing;
  t.selfTrade = 'cancelMaker';
  t.orderId = -1;
  const r = take(s, m, t, ts);
  if ('code' in r) return r;
  if (r.filled === 0 && !r.expired) return reject('WORST_PRICE', `nothing fills within ${worst}`);
  if (s.accounts.portfolio[a] === 1 && pos.isolated[a] !== 1) return portfolioOrderCheck(s, m, a, b0, reducing, false);
  if (!reducing && !meetsInitialFor(s, m, a)) return reject('INSUFFICIENT_MARGIN');
  return null;
}

/** Kept here too for callers that import it from trade.ts. */
export { spreadsOf } from './spreads.ts';
