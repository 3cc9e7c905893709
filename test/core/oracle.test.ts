/**
 * Oracle aggregation and guards. Defaults: a source is used while it is at
 * most 60 s old (oracleMaxStaleMarginMs); trading needs a price at most 10 s
 * old (oracleMaxStaleTradeMs) with confidence ≤ 2% of it (oracleMaxConfidenceE6)
 * and no jump active (a price more than 15% from the oracle's EMA, whose
 * window is 5 minutes). Withdrawals and reducing trades need only the 60 s
 * freshness. A publish time may run up to 1 s ahead of the sequencer.
 */
import { describe, expect, it } from 'vitest';
import { eventsOf, marketFixture, ok, oneEvent, oraclePrice, orderCmd, rejects, T0, UNIT } from './helpers.ts';

const update = (price: number, publishTs: number, source = 0, confidence = 0) => ({
  type: 'oracle',
  market: 0,
  source,
  price,
  confidence,
  publishTs,
});

describe('aggregation over several sources', () => {
  it('takes the median of three fresh sources (the mean of the middle two when two are fresh)', () => {
    const { e, market } = marketFixture({ params: { oracleSources: 3 }, oraclePrice: null });
    expect(oneEvent(oraclePrice(e, 0, 100_000_000, T0, 0), 'oraclePrice').price).toBe(100_000_000);
    expect(oneEvent(oraclePrice(e, 0, 104_000_000, T0 + 100, 1), 'oraclePrice').price).toBe(102_000_000);
    expect(oneEvent(oraclePrice(e, 0, 101_000_000, T0 + 200, 2), 'oraclePrice').price).toBe(101_000_000);
    expect(market.oraclePrice).toBe(101_000_000);
    // A fourth update moves the median only as far as the middle source.
    expect(oneEvent(oraclePrice(e, 0, 150_000_000, T0 + 300, 0), 'oraclePrice').price).toBe(104_000_000);
  });

  // Sources: 0 → 100 at T0, 1 → 104 and 2 → 101 at T0 + 30 s. Source 1 then publishes 106.
  function threeSources() {
    const f = marketFixture({ params: { oracleSources: 3 }, oraclePrice: null });
    oraclePrice(f.e, 0, 100_000_000, T0, 0);
    oraclePrice(f.e, 0, 104_000_000, T0 + 30_000, 1);
    oraclePrice(f.e, 0, 101_000_000, T0 + 30_000, 2);
    expect(f.market.oraclePrice).toBe(101_000_000);
    return f;
  }

  it('keeps a source exactly 60 s old: median(100, 106, 101) = 101', () => {
    const { e } = threeSources();
    expect(oneEvent(oraclePrice(e, 0, 106_000_000, T0 + 60_000, 1), 'oraclePrice').price).toBe(101_000_000);
  });

  it('excludes a source older than 60 s: median(106, 101) = 103.5, not 101', () => {
    const { e } = threeSources();
    expect(oneEvent(oraclePrice(e, 0, 106_000_000, T0 + 60_001, 1), 'oraclePrice').price).toBe(103_500_000);
  });

  it('accepts an update that is already stale but aggregates nothing from it', () => {
    const { e, market } = marketFixture();
    const events = ok(e, update(90_000_000, T0 + 1_000), T0 + 70_000);
    expect(eventsOf(events, 'oraclePrice')).toEqual([]);
    expect(market.oraclePrice).toBe(100_000_000);
  });
});

describe('update validation', () => {
  it('rejects an unknown source, a repeated or older publish time, and a publish time over 1 s ahead', () => {
    const { e } = marketFixture({ params: { oracleSources: 3 } });
    rejects(e, update(100_000_000, T0 + 10, 3), T0 + 10, 'ORACLE_BAD_SOURCE');
    rejects(e, update(100_000_000, T0), T0 + 10, 'ORACLE_OUT_OF_ORDER'); // same publish time as the fixture's
    rejects(e, update(100_000_000, T0 - 1), T0 + 10, 'ORACLE_OUT_OF_ORDER');
    rejects(e, update(100_000_000, T0 + 10 + 1_001), T0 + 10, 'ORACLE_FUTURE');
    ok(e, update(100_000_000, T0 + 10 + 1_000), T0 + 10); // exactly at the tolerance
    ok(e, update(100_000_000, T0 + 5, 1), T0 + 10); // another source keeps its own order
  });
});

describe('ORACLE_STALE', () => {
  it('blocks opening trades once the price is over 10 s old, and reducing trades and withdrawals over 60 s', () => {
    const { e } = marketFixture({ params: { fundingIntervalMs: 60_000 } });
    ok(e, orderCmd(0, 'buy', UNIT), T0 + 10_000); // exactly 10 s: still fresh
    rejects(e, orderCmd(1, 'buy', UNIT), T0 + 10_001, 'ORACLE_STALE');
    ok(e, orderCmd(0, 'sell', UNIT / 2), T0 + 10_001); // reducing: 60 s is enough
    ok(e, { type: 'withdraw', account: 0, amount: 1 }, T0 + 60_000);
    rejects(e, orderCmd(0, 'sell', UNIT / 4), T0 + 60_001, 'ORACLE_STALE');
    rejects(e, { type: 'withdraw', account: 0, amount: 1 }, T0 + 60_001, 'ORACLE_STALE');
    rejects(e, { type: 'fundingTick', market: 0 }, T0 + 60_001, 'ORACLE_STALE');
    ok(e, { type: 'withdraw', account: 1, amount: 1 }, T0 + 60_001); // no position: no oracle needed
  });

  it('is lifted by a fresh price, which is announced with its publish time', () => {
    const { e } = marketFixture();
    rejects(e, orderCmd(1, 'buy', UNIT), T0 + 20_000, 'ORACLE_STALE');
    const announced = oneEvent(oraclePrice(e, 0, 100_000_000, T0 + 20_000), 'oraclePrice');
    expect(announced.publishTs).toBe(T0 + 20_000);
    ok(e, orderCmd(1, 'buy', UNIT), T0 + 20_000);
  });

  it('blocks every trade on a market that never had a price', () => {
    const { e } = marketFixture({ oraclePrice: null });
    rejects(e, orderCmd(0, 'buy', UNIT), T0, 'ORACLE_STALE');
  });
});

describe('ORACLE_CONFIDENCE', () => {
  it('blocks opening trades when the confidence interval is wider than 2% of the price; 2% exactly is allowed', () => {
    const { e } = marketFixture();
    const wide = oneEvent(ok(e, update(100_000_000, T0 + 1, 0, 2_000_001), T0 + 1), 'oraclePrice');
    expect(wide.confidence).toBe(2_000_001);
    rejects(e, orderCmd(0, 'buy', UNIT), T0 + 1, 'ORACLE_CONFIDENCE');
    ok(e, update(100_000_000, T0 + 2, 0, 2_000_000), T0 + 2);
    ok(e, orderCmd(0, 'buy', UNIT), T0 + 2);
  });

  it('does not block a reducing trade', () => {
    const { e, market } = marketFixture();
    ok(e, orderCmd(0, 'buy', UNIT), T0);
    ok(e, update(100_000_000, T0 + 1, 0, 5_000_000), T0 + 1);
    rejects(e, orderCmd(0, 'buy', UNIT), T0 + 1, 'ORACLE_CONFIDENCE');
    ok(e, orderCmd(0, 'sell', UNIT), T0 + 1);
    expect(market.positions.base[0]).toBe(0);
  });

  it('is announced with an oracleGuard event when it turns on and when it turns off', () => {
    const { e } = marketFixture();
    const on = ok(e, update(100_000_000, T0 + 1, 0, 3_000_000), T0 + 1);
    expect(eventsOf(on, 'oracleGuard')).toEqual([
      { type: 'oracleGuard', market: 0, guard: 'ORACLE_CONFIDENCE', active: true },
    ]);
    const off = ok(e, update(100_000_000, T0 + 2, 0, 0), T0 + 2);
    expect(eventsOf(off, 'oracleGuard')).toEqual([
      { type: 'oracleGuard', market: 0, guard: 'ORACLE_CONFIDENCE', active: false },
    ]);
  });
});

describe('ORACLE_JUMP', () => {
  // EMA 100; a price of 120 one second later is 20% away (> 15%); the EMA moves 1/300 of the way,
  // to 100.07, and 120 is still 19.9% from it: the guard turns on.
  it('turns on with an event when the price jumps more than 15% from its EMA, and blocks opening trades', () => {
    const { e } = marketFixture();
    ok(e, orderCmd(0, 'buy', UNIT), T0);
    const events = oraclePrice(e, 0, 120_000_000, T0 + 1_000);
    expect(eventsOf(events, 'oracleGuard')).toEqual([
      { type: 'oracleGuard', market: 0, guard: 'ORACLE_JUMP', active: true },
    ]);
    rejects(e, orderCmd(1, 'buy', UNIT), T0 + 1_000, 'ORACLE_JUMP');
    rejects(e, orderCmd(1, 'sell', UNIT), T0 + 1_000, 'ORACLE_JUMP');
    ok(e, orderCmd(0, 'sell', UNIT / 2), T0 + 1_000); // reducing is still allowed
  });

  it('turns off with an event when the price comes back near its EMA, and trading resumes', () => {
    const { e } = marketFixture();
    oraclePrice(e, 0, 120_000_000, T0 + 1_000);
    const events = oraclePrice(e, 0, 100_500_000, T0 + 2_000);
    expect(eventsOf(events, 'oracleGuard')).toEqual([
      { type: 'oracleGuard', market: 0, guard: 'ORACLE_JUMP', active: false },
    ]);
    ok(e, orderCmd(1, 'buy', UNIT), T0 + 2_000);
  });

  it('does not turn on for a move of exactly 15%', () => {
    const { e, market } = marketFixture();
    expect(eventsOf(oraclePrice(e, 0, 115_000_000, T0 + 1_000), 'oracleGuard')).toEqual([]);
    expect(market.oracleJumpActive).toBe(false);
  });

  it('turns off when the EMA catches up: a whole EMA window later the same price is no jump', () => {
    const { e, market } = marketFixture();
    oraclePrice(e, 0, 120_000_000, T0 + 1_000);
    expect(market.oracleJumpActive).toBe(true);
    const later = oraclePrice(e, 0, 120_000_000, T0 + 1_000 + 300_000);
    expect(eventsOf(later, 'oracleGuard')).toEqual([
      { type: 'oracleGuard', market: 0, guard: 'ORACLE_JUMP', active: false },
    ]);
    expect(market.oracleJumpActive).toBe(false);
  });
});
