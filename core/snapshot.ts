/**
 * Engine snapshots: a plain description of the whole state — metadata as
 * JSON-able values plus the typed columns copied out — that persistence can
 * write and restoreEngine() can turn back into an identical engine (same
 * stateHash). Columns are copies by default, so the engine can run on while
 * the copy is written elsewhere.
 */

import { ACCOUNT_COLUMNS } from './accounts.ts';
import type { CollateralAsset } from './assets.ts';
import type { RestingOrder } from './book/types.ts';
import { bookOrders, restoreBook } from './book-state.ts';
import { Engine } from './engine.ts';
import { type ApiKey, sortedKeys } from './keys.ts';
import { MARKET_FIELD_COUNT, Market, POSITION_COLUMNS, type TriggerOrder } from './market.ts';
import { rebuildGttIndex } from './orders.ts';
import type { MarketParams } from './params.ts';
import { type PortfolioSnapshot, portfolioSnapshot, restorePortfolio } from './portfolio/persist.ts';

/** 2: portfolio margin (account columns, the scenario set and parameters). */
export const SNAPSHOT_FORMAT_VERSION = 2;

export interface MarketSnapshot {
  symbol: string;
  /** Resting orders, bids then asks, each side in priority order. */
  orders: RestingOrder[];
  triggers: TriggerOrder[];
  params: MarketParams;
  /** The market's scalar column (market.ts, MF), in index order. */
  scalars: number[];
  sources: [price: number, confidence: number, publishTs: number][];
}

export interface EngineSnapshot {
  version: number;
  seq: number;
  lastTs: number;
  /** stateHash() of the state this snapshot holds. */
  hash: string;
  accountCount: number;
  insuranceFund: number;
  totalDeposits: number;
  totalWithdrawals: number;
  tickCount: number;
  nextOrderId: number;
  apiKeys: ApiKey[];
  /** Collateral assets after USDC (asset 1, 2, …). */
  assets: CollateralAsset[];
  markets: MarketSnapshot[];
  /** Portfolio-margin parameters and the scenario set in force. */
  portfolio: PortfolioSnapshot;
  /**
   * Named columns, each `accountCount` long: the account columns (ACCOUNT_COLUMNS:
   * `collateral`, `liquidationSince`, `warned`, the portfolio columns), `asset<i>`
   * balances, then `m<id>.<column>`.
   */
  columns: Map<string, Float64Array>;
}

/**
 * A snapshot of `e`. With `copy: false` the columns are views of the
 * engine's own, valid only until the engine next changes: for a caller that
 * writes the snapshot out before it applies anything else (the background
 * worker's replica, a stopped loop), it saves copying every column.
 */
export function takeSnapshot(e: Engine, options: { copy?: boolean } = {}): EngineSnapshot {
  const n = e.accounts.count;
  const take = options.copy === false ? (c: Float64Array) => c.subarray(0, n) : (c: Float64Array) => c.slice(0, n);
  const columns = new Map<string, Float64Array>();
  for (const c of ACCOUNT_COLUMNS) columns.set(c, take(e.accounts[c]));
  for (let i = 1; i < e.assets.length; i++) columns.set(`asset${i}`, take(e.accounts.balances[i]));
  const markets: MarketSnapshot[] = e.markets.map((m) => {
    for (const c of POSITION_COLUMNS) columns.set(`m${m.id}.${c}`, take(m.positions[c]));
    return {
      symbol: m.symbol,
      orders: bookOrders(m.book),
      triggers: m.triggers.map((t) => ({ ...t, trigger: { ...t.trigger } })),
      params: { ...m.params },
      scalars: Array.from(m.f),
      sources: m.sources.map((x) => [x.price, x.confidence, x.publishTs] as [number, number, number]),
    };
  });
  return {
    version: SNAPSHOT_FORMAT_VERSION,
    seq: e.seq,
    lastTs: e.lastTs,
    hash: e.stateHash(),
    accountCount: n,
    insuranceFund: e.insuranceFund,
    totalDeposits: e.totalDeposits,
    totalWithdrawals: e.totalWithdrawals,
    tickCount: e.tickCount,
    nextOrderId: e.nextOrderId,
    apiKeys: sortedKeys(e).map((k) => ({ ...k })),
    assets: e.assets.slice(1).map((a) => ({ ...a })),
    markets,
    portfolio: portfolioSnapshot(e),
    columns,
  };
}

/** Rebuild an engine from a snapshot. Throws on a malformed snapshot; the caller falls back to an older one. */
export function restoreEngine(s: EngineSnapshot): Engine {
  if (s.version !== SNAPSHOT_FORMAT_VERSION)
    throw new Error(`snapshot format ${s.version} is not ${SNAPSHOT_FORMAT_VERSION}`);
  const e = new Engine();
  const n = s.accountCount;
  e.reserveAccounts(n);
  e.accounts.count = n;
  for (const a of s.assets) {
    e.assets.push({ ...a });
    e.accounts.addAssetColumn();
    e.accounts.balances[a.id].set(column(s, `asset${a.id}`, n));
  }
  for (const c of ACCOUNT_COLUMNS) e.accounts[c].set(column(s, c, n));
  e.tickCount = s.tickCount;
  e.nextOrderId = s.nextOrderId;
  for (const k of s.apiKeys) e.apiKeys.set(k.keyId, { ...k });
  restorePortfolio(e, s.portfolio);
  e.insuranceFund = s.insuranceFund;
  e.totalDeposits = s.totalDeposits;
  e.totalWithdrawals = s.totalWithdrawals;
  e.seq = s.seq;
  e.lastTs = s.lastTs;
  s.markets.forEach((ms, id) => {
    const m = new Market(id, ms.symbol, ms.params, 1, 1, 0, e.accounts.capacity);
    if (ms.scalars.length !== MARKET_FIELD_COUNT) {
      throw new Error(`market ${id}: snapshot has ${ms.scalars.length} scalars, expected ${MARKET_FIELD_COUNT}`);
    }
    m.f.set(ms.scalars);
    if (ms.sources.length !== m.sources.length) throw new Error(`market ${id}: oracle source count mismatch`);
    ms.sources.forEach(([price, confidence, publishTs], i) => {
      m.sources[i] = { price, confidence, publishTs };
    });
    for (const c of POSITION_COLUMNS) m.positions[c].set(column(s, `m${id}.${c}`, n));
    m.book = e.newBook(e.undo);
    restoreBook(m.book, ms.orders);
    e.undo.commit();
    rebuildGttIndex(m);
    for (const t of ms.triggers) m.triggers.push({ ...t, trigger: { ...t.trigger } });
    e.markets.push(m);
    e.marketBySymbol.set(ms.symbol, id);
  });
  e.rebuildCaches();
  const hash = e.stateHash();
  if (hash !== s.hash) throw new Error(`snapshot at seq ${s.seq}: restored hash ${hash} ≠ recorded ${s.hash}`);
  return e;
}

function column(s: EngineSnapshot, name: string, n: number): Float64Array {
  const c = s.columns.get(name);
  if (c === undefined || c.length !== n) throw new Error(`snapshot column ${name} missing or not ${n} long`);
  return c;
}
