/**
 * Answers to queries: reads of engine state between turns (committed state),
 * the recent-trade and funding rings, and the history source. Private
 * queries act on the key's account; an admin key may name any account.
 */
import type { Engine } from '../core/engine.ts';
import { reject } from '../core/errors.ts';
import { accountsInLiquidation } from '../core/liquidation-queue.ts';
import type { KeyRecord } from './auth/keys.ts';
import { type WireError, wireError } from './errors.ts';
import type { GatewayLimits } from './limits.ts';
import type { DepthSource } from './streams/depth-source.ts';
import type { RecentRing } from './streams/recent.ts';
import type { FundingRecord, PublicTrade } from './streams/router.ts';
import { accountView, positionsOf } from './views/account.ts';
import { insuranceView, liquidatableView } from './views/liquidation.ts';
import { marketSummary, ticker } from './views/market.ts';
import { openOrders } from './views/orders.ts';

/** What the history query pages through. */
export type HistoryKind = 'fill' | 'funding' | 'deposit' | 'withdrawal' | 'liquidation';

/** Account history, paginated: what persistence/ serves. Any of its methods may be async. */
export interface HistorySource {
  query(
    kind: string,
    account: number,
    fromTs: number | undefined,
    toTs: number | undefined,
    cursor: string | null,
    limit: number,
  ): { items: unknown[]; nextCursor: string | null } | Promise<{ items: unknown[]; nextCursor: string | null }>;
}

export interface QueryDeps {
  engine: Engine;
  limits: GatewayLimits;
  depthSource: DepthSource;
  trades: RecentRing<PublicTrade>;
  funding: RecentRing<FundingRecord>;
  history: HistorySource | null;
  clock: () => number;
}

export type QueryAnswer = unknown | WireError;

function engineError(e: { code: string; message: string }): WireError {
  return e as WireError;
}

export function isWireError(x: unknown): x is WireError {
  return typeof x === 'object' && x !== null && 'code' in x && 'message' in x && !('ok' in x);
}

/** The account a private query addresses, or FORBIDDEN / UNKNOWN_ACCOUNT. */
export function targetAccount(engine: Engine, key: KeyRecord, requested: unknown): number | WireError {
  const account = typeof requested === 'number' ? requested : key.account;
  if (account !== key.account && !key.roles.includes('admin')) {
    return wireError('FORBIDDEN', `key ${key.keyId} is bound to account ${key.account}`);
  }
  if (!engine.accounts.exists(account)) return engineError(reject('UNKNOWN_ACCOUNT', `account ${account}`));
  return account;
}

function market(engine: Engine, id: unknown) {
  const m = typeof id === 'number' ? engine.markets[id] : undefined;
  return m === undefined ? engineError(reject('UNKNOWN_MARKET', `market ${String(id)}`)) : m;
}

export function runQuery(
  op: string,
  p: Record<string, unknown>,
  key: KeyRecord | null,
  d: QueryDeps,
): QueryAnswer | Promise<QueryAnswer> {
  const e = d.engine;
  switch (op) {
    case 'ping':
      return { pong: true, ts: d.clock() };
    case 'time':
      return { ts: d.clock(), engineTs: e.lastTs, seq: e.seq };
    case 'markets':
      return e.markets.map(marketSummary);
    case 'ticker': {
      const m = market(e, p.market);
      return 'code' in m ? m : ticker(e, m);
    }
    case 'depth': {
      const m = market(e, p.market);
      if ('code' in m) return m;
      const levels = Math.min((p.levels as number | undefined) ?? d.limits.depthLevelsDefault, d.limits.depthLevelsMax);
      const depth = d.depthSource(m.id, levels);
      return depth === null ? engineError(reject('UNKNOWN_MARKET')) : { market: m.id, levels, ...depth };
    }
    case 'trades': {
      const m = market(e, p.market);
      if ('code' in m) return m;
      return d.trades.latest(m.id, Math.min((p.limit as number | undefined) ?? 100, d.limits.recentTradesPerMarket));
    }
    case 'fundingHistory': {
      const m = market(e, p.market);
      if ('code' in m) return m;
      return d.funding.latest(m.id, Math.min((p.limit as number | undefined) ?? 100, d.limits.recentFundingPerMarket));
    }
    case 'insurance':
      return insuranceView(e);
    case 'liquidatable': {
      if (p.market === undefined) {
        const inLiquidation = accountsInLiquidation(e); // one scan for every market
        return e.markets.map((m) => liquidatableView(e, m, inLiquidation));
      }
      const m = market(e, p.market);
      return 'code' in m ? m : liquidatableView(e, m);
    }
    case 'account':
    case 'positions':
    case 'orders':
    case 'history': {
      if (key === null) return wireError('UNAUTHORIZED');
      const account = targetAccount(e, key, p.account);
      if (typeof account !== 'number') return account;
      if (op === 'account') return accountView(e, account);
      if (op === 'positions') return positionsOf(e, account);
      if (op === 'orders') return openOrders(e, account, p.market as number | undefined);
      if (d.history === null) return wireError('NOT_AVAILABLE', 'this gateway has no history store');
      return d.history.query(
        p.kind as string,
        account,
        p.fromTs as number | undefined,
        p.toTs as number | undefined,
        (p.cursor as string | undefined) ?? null,
        (p.limit as number | undefined) ?? 100,
      );
    }
    default:
      return wireError('NOT_AVAILABLE', `query ${op}`);
  }
}
