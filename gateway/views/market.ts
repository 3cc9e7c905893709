/**
 * Read-only views of markets for queries and the ticker stream. They read
 * engine state between turns, when everything it holds is committed.
 */
import type { Engine } from '../../core/engine.ts';
import { MARKET_PAUSED, type Market } from '../../core/market.ts';
import type { MarketParams } from '../../core/params.ts';

export interface MarketSummary {
  market: number;
  symbol: string;
  status: 'active' | 'paused';
  markPrice: number;
  oraclePrice: number;
  params: MarketParams;
}

export interface Ticker {
  market: number;
  symbol: string;
  status: 'active' | 'paused';
  markPrice: number;
  /** The oracle (index) price, 0 before the first oracle update. */
  indexPrice: number;
  oracleConfidence: number;
  lastFundingRateE6: number;
  lastFundingTs: number;
  nextFundingTs: number;
  /** Open interest in base units, per side. */
  openInterestLong: number;
  openInterestShort: number;
  /** The exchange-wide USDC insurance fund (quote units); per-asset holdings: the insurance query. */
  insuranceFund: number;
  /** Engine time (ms) of the last applied command. */
  ts: number;
}

function status(m: Market): 'active' | 'paused' {
  return m.status === MARKET_PAUSED ? 'paused' : 'active';
}

export function marketSummary(m: Market): MarketSummary {
  return {
    market: m.id,
    symbol: m.symbol,
    status: status(m),
    markPrice: m.markPrice,
    oraclePrice: m.oraclePrice,
    params: m.params,
  };
}

export function ticker(engine: Engine, m: Market): Ticker {
  return {
    market: m.id,
    symbol: m.symbol,
    status: status(m),
    markPrice: m.markPrice,
    indexPrice: m.oraclePrice,
    oracleConfidence: m.oracleConfidence,
    lastFundingRateE6: m.lastFundingRateE6,
    lastFundingTs: m.fundingTs,
    nextFundingTs: m.fundingTs + m.params.fundingIntervalMs,
    openInterestLong: m.openInterestLong,
    openInterestShort: m.openInterestShort,
    insuranceFund: engine.insuranceFund,
    ts: engine.lastTs,
  };
}

/** A market by id, or undefined. */
export function marketById(engine: Engine, id: number): Market | undefined {
  return Number.isSafeInteger(id) ? engine.markets[id] : undefined;
}

/** A market named by id ("0") or symbol ("BTC-PERP") in a URL. */
export function marketByRef(engine: Engine, ref: string): Market | undefined {
  if (/^\d{1,7}$/.test(ref)) return engine.markets[Number(ref)];
  const id = engine.marketBySymbol.get(ref);
  return id === undefined ? undefined : engine.markets[id];
}
