/**
 * Funding and the curve adjustments that follow it, hand-computed.
 *
 * Setup for the funding tests: the curve starts at $101 while the oracle
 * says $100 (published at T0, refreshed 1 s before the tick so it is fresh).
 * The first oracle price sets the basis EMA to curve − oracle = $1, so the
 * mark, median(oracle, curve, oracle + basis), is the curve price (capped at
 * $101). One interval (1 h) later:
 *   rate = clamp((markTwap − oracleTwap) / oracleTwap, ±cap);
 *   with the default cap of 1,250 E6 (0.125%) the rate is the cap whenever the
 *   mark is above the oracle by more than that;
 *   quote owed per whole base by a long = 0.00125 × 100,000,000 = 125,000.
 * Repeg and k adjustment are switched off (maxRepegStepE6 = maxKStepE6 = 0)
 * except in the repeg tests.
 */
import { describe, expect, it } from 'vitest';
import { classicEvents } from '../../core/classic-events.ts';
import type { MarketParams } from '../../core/params.ts';
import {
  eventsOf,
  HOUR_MS,
  marketFixture,
  ok,
  oneEvent,
  oraclePrice,
  orderCmd,
  rejects,
  T0,
  UNIT,
  USD,
} from './helpers.ts';

const NO_CURVE_CHANGES: Partial<MarketParams> = { maxRepegStepE6: 0, maxKStepE6: 0 };
const TICK_TS = T0 + HOUR_MS;

/** Refresh the oracle (same price) just before the tick, then tick. */
function tickFunding(e: ReturnType<typeof marketFixture>['e'], price = 100_000_000) {
  oraclePrice(e, 0, price, TICK_TS - 1_000);
  return oneEvent(ok(e, { type: 'fundingTick', market: 0 }, TICK_TS), 'funding');
}

function fundingFixture(initialPrice: number, params: Partial<MarketParams> = {}) {
  return marketFixture({ initialPrice, oraclePrice: 100_000_000, params: { ...NO_CURVE_CHANGES, ...params } });
}

describe('funding rate', () => {
  it('is positive (longs pay) and clamped to the cap when the mark is above the oracle', () => {
    const { e } = fundingFixture(101_000_000);
    const f = tickFunding(e);
    expect(f.markTwap).toBe(101_000_000);
    expect(f.oracleTwap).toBe(100_000_000);
    expect(f.rateE6).toBe(1_250); // +1% clamped to +0.125%
    expect(f.longIndex).toBe(125_000);
    expect(f.shortIndex).toBe(125_000);
  });

  it('is negative (shorts pay) and clamped to −cap when the mark is below the oracle', () => {
    const { e } = fundingFixture(99_000_000);
    const f = tickFunding(e);
    expect(f.rateE6).toBe(-1_250);
    expect(f.longIndex).toBe(-125_000);
  });

  it('is the premium itself when within the cap: (101 − 100) / 100 = 10,000 E6', () => {
    const { e } = fundingFixture(101_000_000, { fundingCapE6: 100_000 });
    expect(tickFunding(e).rateE6).toBeCloseTo(10_000, 6);
  });

  it('cannot tick before the interval has elapsed, counted from the first oracle price', () => {
    const { e } = fundingFixture(101_000_000);
    oraclePrice(e, 0, 100_000_000, TICK_TS - 1_000);
    rejects(e, { type: 'fundingTick', market: 0 }, TICK_TS - 1, 'FUNDING_TOO_EARLY');
    ok(e, { type: 'fundingTick', market: 0 }, TICK_TS);
    rejects(e, { type: 'fundingTick', market: 0 }, TICK_TS + 1, 'FUNDING_TOO_EARLY');
  });

  it('needs a price fresh enough for margin', () => {
    const { e } = fundingFixture(101_000_000);
    rejects(e, { type: 'fundingTick', market: 0 }, TICK_TS, 'ORACLE_STALE');
  });
});

describe('funding payments', () => {
  it('flow from longs to shorts through the PnL pool, settled lazily when each account is next touched', () => {
    // A long 1 unit, B short 1 unit: open interest balanced, the AMM holds nothing.
    const { e, market } = fundingFixture(101_000_000);
    ok(e, orderCmd(0, 'buy', UNIT), T0);
    ok(e, orderCmd(1, 'sell', UNIT), T0);
    const feePool = market.feePool;
    const indexA = market.positions.fundingIndex[0];
    const f = tickFunding(e);
    expect(f).toMatchObject({ rateE6: 1_250, feePoolPaid: 0, capped: false });
    // Nothing moved yet: funding is settled when an account is next touched.
    expect(market.positions.pnl[0]).toBe(0);
    expect(market.positions.pnl[1]).toBe(0);
    expect(market.positions.fundingIndex[0]).toBe(indexA);
    expect(market.feePool).toBe(feePool);

    // B first: its 125,000 is owed, but the pool is empty until A pays.
    const b1 = ok(e, { type: 'settlePnl', account: 1, market: 0 }, TICK_TS);
    expect(oneEvent(b1, 'fundingSettled').amount).toBe(125_000);
    expect(eventsOf(b1, 'pnlSettled')).toEqual([]);
    expect(market.positions.pnl[1]).toBe(125_000);

    const colA = e.accounts.collateral[0];
    const a = ok(e, { type: 'settlePnl', account: 0, market: 0 }, TICK_TS);
    expect(oneEvent(a, 'fundingSettled').amount).toBe(-125_000);
    expect(oneEvent(a, 'pnlSettled')).toMatchObject({ amount: -125_000, unsettled: 0 });
    expect(e.accounts.collateral[0]).toBe(colA - 125_000);
    expect(market.pnlPool).toBe(125_000);

    const colB = e.accounts.collateral[1];
    const b2 = ok(e, { type: 'settlePnl', account: 1, market: 0 }, TICK_TS);
    expect(eventsOf(b2, 'fundingSettled')).toEqual([]); // already settled
    expect(oneEvent(b2, 'pnlSettled')).toMatchObject({ amount: 125_000, unsettled: 0 });
    expect(e.accounts.collateral[1]).toBe(colB + 125_000);
    expect(market.pnlPool).toBe(0);
  });

  it('settle on the next order too, before the order fills', () => {
    const { e, market } = fundingFixture(101_000_000);
    ok(e, orderCmd(0, 'buy', UNIT), T0);
    ok(e, orderCmd(1, 'sell', UNIT), T0);
    tickFunding(e);
    const events = classicEvents(ok(e, orderCmd(0, 'buy', UNIT), TICK_TS));
    expect(oneEvent(events, 'fundingSettled').amount).toBe(-125_000);
    expect(events.findIndex((x) => x.type === 'fundingSettled')).toBeLessThan(
      events.findIndex((x) => x.type === 'fill'),
    );
    expect(market.positions.fundingIndex[0]).toBe(market.cumFundingLong);
  });

  // A long 1 unit, B short 2: the AMM is long 1 unit and, on the receiving side with the shorts, owes
  // 125,000 that no trader pays. The fee pool pays it into the PnL pool at the tick.
  it('on the AMM side come from the fee pool', () => {
    const { e, market } = fundingFixture(101_000_000);
    ok(e, orderCmd(0, 'buy', UNIT), T0);
    ok(e, orderCmd(1, 'sell', 2 * UNIT), T0);
    const feePool = market.feePool;
    expect(feePool).toBeGreaterThan(125_000);
    const f = tickFunding(e);
    expect(f).toMatchObject({ rateE6: 1_250, feePoolPaid: 125_000, capped: false, shortIndex: 125_000 });
    expect(market.feePool).toBe(feePool - 125_000);
    expect(market.pnlPool).toBe(125_000);
    // B receives 2 × 125,000; A pays 125,000.
    expect(oneEvent(ok(e, { type: 'settlePnl', account: 1, market: 0 }, TICK_TS), 'fundingSettled').amount).toBe(
      250_000,
    );
    expect(oneEvent(ok(e, { type: 'settlePnl', account: 0, market: 0 }, TICK_TS), 'fundingSettled').amount).toBe(
      -125_000,
    );
    ok(e, { type: 'settlePnl', account: 1, market: 0 }, TICK_TS);
    expect(market.positions.pnl[1]).toBe(0);
    expect(market.pnlPool).toBe(0);
  });

  it('are capped when the fee pool is empty: the receiving side shares only what the payers pay', () => {
    // No fees and no spread: the fee pool stays at 0.
    const free = { takerFeeE6: 0, makerFeeE6: 0, baseSpreadE6: 0, inventorySpreadScaleE6: 0 };
    const { e, market } = fundingFixture(101_000_000, free);
    ok(e, orderCmd(0, 'buy', UNIT), T0);
    ok(e, orderCmd(1, 'sell', 2 * UNIT), T0);
    expect(market.feePool).toBe(0);
    const f = tickFunding(e);
    // Shorts' index: (125,000 × 1 unit + 0) / 2 units = 62,500 per unit.
    expect(f).toMatchObject({ rateE6: 1_250, feePoolPaid: 0, capped: true, longIndex: 125_000, shortIndex: 62_500 });
    expect(oneEvent(ok(e, { type: 'settlePnl', account: 1, market: 0 }, TICK_TS), 'fundingSettled').amount).toBe(
      125_000,
    );
    expect(oneEvent(ok(e, { type: 'settlePnl', account: 0, market: 0 }, TICK_TS), 'fundingSettled').amount).toBe(
      -125_000,
    );
    ok(e, { type: 'settlePnl', account: 1, market: 0 }, TICK_TS);
    expect(market.pnlPool).toBe(0);
    expect(market.positions.pnl[1]).toBe(0);
  });

  it('are capped at what the fee pool holds when it holds less than the AMM owes', () => {
    // Taker fee 100 E6 only: ⌈101,101,102 × 0.0001⌉ + ⌈202,000,202 × 0.0001⌉ = 10,111 + 20,201 = 30,312.
    const thin = { takerFeeE6: 100, makerFeeE6: 0, baseSpreadE6: 0, inventorySpreadScaleE6: 0 };
    const { e, market } = fundingFixture(101_000_000, thin);
    ok(e, orderCmd(0, 'buy', UNIT), T0);
    ok(e, orderCmd(1, 'sell', 2 * UNIT), T0);
    expect(market.feePool).toBe(30_312);
    const f = tickFunding(e);
    expect(f).toMatchObject({ feePoolPaid: 30_312, capped: true });
    expect(market.feePool).toBe(0);
    // Shorts receive what A pays plus what the fee pool paid: 125,000 + 30,312.
    expect(oneEvent(ok(e, { type: 'settlePnl', account: 1, market: 0 }, TICK_TS), 'fundingSettled').amount).toBe(
      155_312,
    );
  });
});

describe('repeg after funding', () => {
  // Curve at $100, oracle at $110 (first price: the EMA starts there, no jump). A buys 1 unit, so the
  // traders are net long and a higher peg makes the curve owe them more: that is the repeg's cost.
  // Owed to the net long per unit of peg: (k/999e9 − 1e12) / 1e9 = 1.001001001001 quote units.
  // A full step (1% of the peg, 1,000,000) costs ⌈1,001,001.001⌉ = 1,001,002.
  const repegParams: Partial<MarketParams> = { fundingCapE6: 0, maxKStepE6: 0 };

  it('moves the peg one bounded step toward the oracle, paid from the fee pool into the PnL pool', () => {
    // A 10% taker fee fills the fee pool: ⌈100,100,101 × 0.1⌉ + spread 25,026 = 10,035,037.
    const { e, market } = marketFixture({ oraclePrice: 110_000_000, params: { ...repegParams, takerFeeE6: 100_000 } });
    ok(e, orderCmd(0, 'buy', UNIT), T0);
    expect(market.feePool).toBe(10_035_037);
    oraclePrice(e, 0, 110_000_000, TICK_TS - 1_000);
    const events = ok(e, { type: 'fundingTick', market: 0 }, TICK_TS);
    expect(oneEvent(events, 'repeg')).toEqual({
      type: 'repeg',
      market: 0,
      oldPeg: 100_000_000,
      newPeg: 101_000_000,
      cost: 1_001_002,
    });
    expect(market.pegE6).toBe(101_000_000);
    expect(market.feePool).toBe(10_035_037 - 1_001_002);
    expect(market.pnlPool).toBe(1_001_002);

    // The next interval: another step of 1% of the new peg, ⌈1.001001001 × 1,010,000⌉ = 1,011,012.
    oraclePrice(e, 0, 110_000_000, TICK_TS + HOUR_MS - 1_000);
    const next = ok(e, { type: 'fundingTick', market: 0 }, TICK_TS + HOUR_MS);
    expect(oneEvent(next, 'repeg')).toMatchObject({ oldPeg: 101_000_000, newPeg: 102_010_000, cost: 1_011_012 });
    expect(market.pnlPool).toBe(1_001_002 + 1_011_012);
  });

  it('moves the peg only as far as the fee pool can pay', () => {
    // Default fees: the fee pool holds 75,077. ⌊75,077 / 1.001001⌋ = 75,001 units of peg cost ⌈75,076.08⌉.
    const { e, market } = marketFixture({ oraclePrice: 110_000_000, params: repegParams });
    ok(e, orderCmd(0, 'buy', UNIT), T0);
    expect(market.feePool).toBe(75_077);
    oraclePrice(e, 0, 110_000_000, TICK_TS - 1_000);
    const r = oneEvent(ok(e, { type: 'fundingTick', market: 0 }, TICK_TS), 'repeg');
    expect(r).toMatchObject({ oldPeg: 100_000_000, newPeg: 100_075_001, cost: 75_077 });
    expect(market.feePool).toBe(0);
    expect(market.pnlPool).toBe(75_077);
  });

  it('moves the peg down toward a lower oracle, and collects only what the PnL pool holds', () => {
    const { e, market } = marketFixture({ oraclePrice: 92_000_000, params: { ...repegParams, takerFeeE6: 100_000 } });
    ok(e, orderCmd(0, 'buy', UNIT), T0);
    const feePool = market.feePool;
    oraclePrice(e, 0, 92_000_000, TICK_TS - 1_000);
    const r = oneEvent(ok(e, { type: 'fundingTick', market: 0 }, TICK_TS), 'repeg');
    // What the pool receives is rounded against it, toward zero: ⌈−1,001,001.001⌉.
    expect(r).toMatchObject({ oldPeg: 100_000_000, newPeg: 99_000_000, cost: -1_001_001 });
    // The fee pool would receive 1,001,001 from the PnL pool, which is empty: nothing moves.
    expect(market.feePool).toBe(feePool);
    expect(market.pnlPool).toBe(0);
  });

  it('does not repeg while the curve is within the threshold (0.5%) of the oracle', () => {
    const { e, market } = marketFixture({ params: repegParams });
    ok(e, orderCmd(0, 'buy', UNIT), T0); // curve 100.2: 0.2% from the oracle
    oraclePrice(e, 0, 100_000_000, TICK_TS - 1_000);
    expect(eventsOf(ok(e, { type: 'fundingTick', market: 0 }, TICK_TS), 'repeg')).toEqual([]);
    expect(market.pegE6).toBe(100_000_000);
  });
});

describe('lazy funding and withdrawals', () => {
  it('a withdrawal settles the funding a position owes before it is checked', () => {
    const { e, market } = fundingFixture(101_000_000, { fundingCapE6: 100_000 });
    ok(e, orderCmd(0, 'buy', UNIT), T0);
    const f = tickFunding(e); // about 1%: the long owes about 1,000,000 for its one unit
    expect(f.rateE6).toBeGreaterThan(9_999);
    expect(market.positions.pnl[0]).toBe(0);
    const colA = e.accounts.collateral[0];
    const events = ok(e, { type: 'withdraw', account: 0, amount: USD }, TICK_TS);
    // Owed for 1 unit: ⌈1e9 × Δindex / 1e9⌉, rounded against the trader.
    expect(oneEvent(events, 'fundingSettled').amount).toBe(-Math.ceil(f.longIndex));
    expect(oneEvent(events, 'pnlSettled').amount).toBe(-Math.ceil(f.longIndex));
    expect(e.accounts.collateral[0]).toBe(colA - Math.ceil(f.longIndex) - USD);
    expect(market.positions.fundingIndex[0]).toBe(market.cumFundingLong);
  });
});
