/**
 * Admin commands: markets (create, parameters, pause/resume) and collateral
 * assets. Market parameters are validated field by field (params.ts).
 */
import type { CreateAsset, CreateMarket, UpdateMarket } from './commands.ts';
import { type Rejection, reject } from './errors.ts';
import { MARKET_ACTIVE, MARKET_PAUSED, Market, MF } from './market.ts';
import { resolveParams } from './params.ts';
import { type EngineState, MAX_ASSETS, MAX_MARKETS } from './state.ts';

export function createMarket(s: EngineState, cmd: CreateMarket, ts: number): Rejection | null {
  if (s.markets.length >= MAX_MARKETS) return reject('TOO_MANY_MARKETS', `at most ${MAX_MARKETS}`);
  if (s.marketBySymbol.has(cmd.symbol)) return reject('DUPLICATE_MARKET', cmd.symbol);
  const params = resolveParams(cmd.params as Record<string, unknown> | undefined);
  if (typeof params === 'string') return reject('INVALID_PARAMS', params);
  if (!Number.isSafeInteger(cmd.baseReserve * 2)) return reject('OUT_OF_RANGE', 'baseReserve');
  const id = s.markets.length;
  const m = new Market(id, cmd.symbol, params, cmd.initialPrice, cmd.baseReserve, ts, s.accounts.capacity);
  m.book = s.newBook(s.undo);
  s.markets.push(m);
  s.marketBySymbol.set(cmd.symbol, id);
  s.undo.onRollback(() => {
    s.markets.pop();
    s.marketBySymbol.delete(cmd.symbol);
  });
  s.events.push({ type: 'marketCreated', market: id, symbol: cmd.symbol, params });
  return null;
}

export function updateMarket(s: EngineState, m: Market, cmd: UpdateMarket): Rejection | null {
  const params = resolveParams({ ...m.params, ...cmd.params });
  if (typeof params === 'string') return reject('INVALID_PARAMS', params);
  if (params.oracleSources !== m.params.oracleSources) return reject('INVALID_PARAMS', 'oracleSources cannot change');
  s.undo.set(m, 'params', params);
  // Static floors apply at once; volatility targets follow on the next tick.
  const u = s.undo;
  if (m.initialRatioE6 < params.initialMarginE6) u.atField(m, MF.initialRatioE6, params.initialMarginE6);
  if (m.maintenanceRatioE6 < params.maintenanceMarginE6)
    u.atField(m, MF.maintenanceRatioE6, params.maintenanceMarginE6);
  s.marketsDirty[m.id] = true;
  s.events.push({ type: 'marketUpdated', market: m.id, params });
  return null;
}

export function setPaused(s: EngineState, m: Market, pause: boolean): Rejection | null {
  if (pause && m.status === MARKET_PAUSED) return reject('MARKET_PAUSED', `market ${m.id}`);
  if (!pause && m.status === MARKET_ACTIVE) return reject('MARKET_ACTIVE', `market ${m.id}`);
  s.undo.atField(m, MF.status, pause ? MARKET_PAUSED : MARKET_ACTIVE);
  s.events.push({ type: pause ? 'marketPaused' : 'marketResumed', market: m.id });
  return null;
}

export function createAsset(s: EngineState, cmd: CreateAsset): Rejection | null {
  if (s.assets.length >= MAX_ASSETS) return reject('TOO_MANY_ASSETS', `at most ${MAX_ASSETS}`);
  if (s.assets.some((a) => a.symbol === cmd.symbol)) return reject('DUPLICATE_ASSET', cmd.symbol);
  if (s.markets[cmd.priceMarket] === undefined) return reject('UNKNOWN_MARKET', `price market ${cmd.priceMarket}`);
  const w0 = cmd.initialWeightE6;
  const w1 = cmd.maintenanceWeightE6;
  if (!Number.isSafeInteger(w0) || !Number.isSafeInteger(w1) || w0 < 0 || w1 < w0 || w1 > 1_000_000) {
    return reject('INVALID_PARAMS', 'weights must satisfy 0 ≤ initialWeightE6 ≤ maintenanceWeightE6 ≤ 1,000,000');
  }
  const id = s.assets.length;
  s.assets.push({
    id,
    symbol: cmd.symbol,
    priceMarket: cmd.priceMarket,
    initialWeightE6: w0,
    maintenanceWeightE6: w1,
    deposits: 0,
    withdrawals: 0,
    insuranceHoldings: 0,
  });
  s.accounts.addAssetColumn();
  s.undo.onRollback(() => {
    s.assets.pop();
    s.accounts.balances.pop();
  });
  s.events.push({ type: 'assetCreated', asset: id, symbol: cmd.symbol, priceMarket: cmd.priceMarket });
  return null;
}
