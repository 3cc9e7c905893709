/**
 * Ticker streams: after every turn, every market with ticker subscribers
 * gets its ticker published if any field changed since the last one (the
 * `ts` field alone does not count), so the ticker that follows a turn holds
 * that turn's tick (its mark). A new subscriber gets the current ticker at
 * once, with the stream's current seq.
 */
import type { Engine } from '../../core/engine.ts';
import { type Ticker, ticker } from '../views/market.ts';
import type { Publisher } from './publisher.ts';

function sameTicker(a: Ticker, b: Ticker): boolean {
  return (
    a.markPrice === b.markPrice &&
    a.indexPrice === b.indexPrice &&
    a.oracleConfidence === b.oracleConfidence &&
    a.lastFundingRateE6 === b.lastFundingRateE6 &&
    a.nextFundingTs === b.nextFundingTs &&
    a.openInterestLong === b.openInterestLong &&
    a.openInterestShort === b.openInterestShort &&
    a.insuranceFund === b.insuranceFund &&
    a.status === b.status
  );
}

export class TickerFeed {
  private readonly last = new Map<number, Ticker>();

  constructor(
    private readonly engine: Engine,
    private readonly publisher: Publisher,
  ) {}

  publishChanged(): void {
    const markets = this.engine.markets;
    for (let i = 0; i < markets.length; i++) {
      if (this.publisher.marketSubscribers('ticker', i) === 0) continue;
      const t = ticker(this.engine, markets[i]);
      const prev = this.last.get(i);
      if (prev !== undefined && sameTicker(prev, t)) continue;
      this.last.set(i, t);
      this.publisher.publish('ticker', { market: i }, t);
    }
  }
}
