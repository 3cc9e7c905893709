/**
 * Market orders against the vAMM, with every expected number worked out by
 * hand. The market (helpers.ts marketFixture) is "ETH" at $100, 1,000 units
 * deep: baseReserve = quoteReserve = 1e12, k = 1e24, peg = 100e6. Default
 * parameters: taker fee 500 E6 (0.05%), base spread 500 E6, i.e. 250 E6 per
 * side while volatility, confidence and inventory are zero; IM 10%; a fill may
 * take 5% of the base reserve; price band 10% around the oracle.
 *
 * The curve cost of base s taken from base reserve B is
 *   (k/(B − s) − k/B) × peg / 1e9 quote units,
 * rounded up when the trader pays and down when the trader receives.
 * One unit (1e9) from 1e12: 1e24/999e9 − 1e12 = 1,001,001,001.001 → × 0.1
 *   = 100,100,100.1001 → a buyer pays 100,100,101, a seller gets 100,100,100.
 */
import { describe, expect, it } from 'vitest';
import {
  curvePrice,
  eventsOf,
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

describe('a buy then a sell of the same size', () => {
  it('returns the curve to where it was and costs exactly fees + spread + rounding', () => {
    const { e, market } = marketFixture({ deposits: [1_000 * USD] });
    const buy = oneEvent(ok(e, orderCmd(0, 'buy', UNIT), T0), 'fill');
    // Buyer pays ⌈100,100,100.1001⌉; fee ⌈100,100,101 × 0.0005⌉ = ⌈50,050.05⌉; spread ⌈× 0.00025⌉ = ⌈25,025.03⌉.
    expect(buy).toMatchObject({ base: UNIT, quote: 100_100_101, fee: 50_051, spreadFee: 25_026, realisedPnl: 0 });

    const sell = oneEvent(ok(e, orderCmd(0, 'sell', UNIT), T0), 'fill');
    // Seller gets ⌊100,100,100.1001⌋; fee ⌈50,050.05⌉; spread ⌈25,025.025⌉; realised 100,100,100 − 100,100,101.
    expect(sell).toMatchObject({ base: UNIT, quote: 100_100_100, fee: 50_051, spreadFee: 25_026, realisedPnl: -1 });
    expect(sell.positionBase).toBe(0);

    const fees = 2 * 50_051;
    const spread = 2 * 25_026;
    const rounding = 1;
    expect(1_000 * USD - e.accounts.collateral[0]).toBe(fees + spread + rounding); // 150,155
    expect(market.feePool).toBe(fees + spread);
    expect(market.pnlPool).toBe(rounding);
    expect(market.baseReserve).toBe(1e12);
    expect(market.quoteReserve).toBe(1e12);
    expect(market.positions.quoteEntry[0]).toBe(0);
  });
});

describe('realised PnL and the PnL pool', () => {
  // A buys 1 unit (1e12 → 999e9), B buys 2 (999e9 → 997e9), A sells 1 (997e9 → 998e9):
  //   A pays ⌈100,100,100.1⌉ = 100,100,101; B pays ⌈(1e24/997e9 − 1e24/999e9) × 0.1⌉ = 200,802,609;
  //   A gets ⌊(1e24/997e9 − 1e24/998e9) × 0.1⌋ = 100,501,906 → realised +401,805.
  // B sells 1 (998e9 → 999e9): gets ⌊100,300,701.3⌋; releases ⌊−200,802,609 / 2⌋ = −100,401,305 → −100,604.
  // B sells 1 (999e9 → 1e12): gets 100,100,100; releases the rest, −100,401,304 → −301,204.
  it('pays a profit only as far as the pool holds; the rest stays unsettled until settlePnl after the pool refills', () => {
    const { e, market } = marketFixture();
    ok(e, orderCmd(0, 'buy', UNIT), T0);
    ok(e, orderCmd(1, 'buy', 2 * UNIT), T0);
    const colA = e.accounts.collateral[0];

    const aSells = ok(e, orderCmd(0, 'sell', UNIT), T0);
    expect(oneEvent(aSells, 'fill').realisedPnl).toBe(401_805);
    expect(eventsOf(aSells, 'pnlSettled')).toEqual([]); // the pool is empty: nothing is paid
    expect(market.positions.pnl[0]).toBe(401_805);
    const sellFees = 50_251 + 25_126; // ⌈100,501,906 × 0.0005⌉, ⌈× 0.00025⌉
    expect(e.accounts.collateral[0]).toBe(colA - sellFees);

    const bSells = ok(e, orderCmd(1, 'sell', UNIT), T0);
    expect(oneEvent(bSells, 'fill').realisedPnl).toBe(-100_604);
    expect(market.pnlPool).toBe(100_604); // B's loss, paid from B's collateral into the pool

    const partly = ok(e, { type: 'settlePnl', account: 0, market: 0 }, T0);
    expect(oneEvent(partly, 'pnlSettled')).toMatchObject({ amount: 100_604, unsettled: 301_201 });
    expect(market.pnlPool).toBe(0);
    expect(market.positions.pnl[0]).toBe(301_201);

    expect(oneEvent(ok(e, orderCmd(1, 'sell', UNIT), T0), 'fill').realisedPnl).toBe(-301_204);
    const rest = ok(e, { type: 'settlePnl', account: 0, market: 0 }, T0);
    expect(oneEvent(rest, 'pnlSettled')).toMatchObject({ amount: 301_201, unsettled: 0 });
    expect(market.positions.pnl[0]).toBe(0);
    expect(market.pnlPool).toBe(3); // B lost 401,808, A won 401,805: the rounding stays with the pool
    expect(e.accounts.collateral[0]).toBe(colA - sellFees + 401_805);
  });
});

describe('reduce-only orders', () => {
  it('are rejected from a flat position and on the side that would grow the position', () => {
    const { e } = marketFixture();
    rejects(e, orderCmd(0, 'sell', UNIT, { reduceOnly: true }), T0, 'REDUCE_ONLY');
    ok(e, orderCmd(0, 'buy', UNIT), T0);
    rejects(e, orderCmd(0, 'buy', UNIT, { reduceOnly: true }), T0, 'REDUCE_ONLY');
    ok(e, orderCmd(1, 'sell', UNIT), T0);
    rejects(e, orderCmd(1, 'sell', 1, { reduceOnly: true }), T0, 'REDUCE_ONLY');
  });

  it('are resized to the position, so they close it and never flip it', () => {
    const { e, market } = marketFixture();
    ok(e, orderCmd(0, 'buy', 3 * UNIT), T0);
    const close = oneEvent(ok(e, orderCmd(0, 'sell', 10 * UNIT, { reduceOnly: true }), T0), 'fill');
    expect(close.base).toBe(3 * UNIT);
    expect(close.positionBase).toBe(0);
    expect(market.positions.base[0]).toBe(0);

    ok(e, orderCmd(1, 'sell', 2 * UNIT), T0);
    const cover = oneEvent(ok(e, orderCmd(1, 'buy', 5 * UNIT, { reduceOnly: true }), T0), 'fill');
    expect(cover.base).toBe(2 * UNIT);
    expect(market.positions.base[1]).toBe(0);
  });

  it('fill only what was asked when smaller than the position', () => {
    const { e, market } = marketFixture();
    ok(e, orderCmd(0, 'buy', 3 * UNIT), T0);
    expect(oneEvent(ok(e, orderCmd(0, 'sell', UNIT, { reduceOnly: true }), T0), 'fill').base).toBe(UNIT);
    expect(market.positions.base[0]).toBe(2 * UNIT);
  });
});

describe('the price band', () => {
  // Band 1% (10,000 E6). A buy of 10 units moves the curve to 100 × (1e12/990e9)² = 102.03: outside.
  // A buy of 4 units moves it to 100 × (1e12/996e9)² = 100.80: inside.
  it('rejects an opening trade that would push the curve beyond the band around the oracle', () => {
    const { e, market } = marketFixture({ params: { priceBandE6: 10_000 } });
    rejects(e, orderCmd(0, 'buy', 10 * UNIT), T0, 'PRICE_BAND');
    ok(e, orderCmd(0, 'buy', 4 * UNIT), T0);
    expect(curvePrice(market)).toBeCloseTo(100_804_825.73, 1);
  });

  it('lets a reducing trade past the band, but not the same trade that opens or flips a position', () => {
    const { e, market } = marketFixture({ params: { priceBandE6: 10_000 } });
    ok(e, orderCmd(0, 'buy', 4 * UNIT), T0);
    // The oracle moves to 101.6: selling 4 units takes the curve back to 100.0, 1.57% below it.
    oraclePrice(e, 0, 101_600_000, T0 + 1_000);
    rejects(e, orderCmd(1, 'sell', 4 * UNIT), T0 + 1_000, 'PRICE_BAND'); // opens a short
    rejects(e, orderCmd(0, 'sell', 5 * UNIT), T0 + 1_000, 'PRICE_BAND'); // flips the long: not reducing
    const close = oneEvent(ok(e, orderCmd(0, 'sell', 4 * UNIT), T0 + 1_000), 'fill');
    expect(close.positionBase).toBe(0);
    expect(curvePrice(market)).toBe(100_000_000);
  });
});

describe('the maximum fill', () => {
  // 5% of a 1e12 base reserve: ⌊1e12 × 50,000 / 1e6⌋ = 5e10 base units.
  const wide = { params: { priceBandE6: 1_000_000 }, deposits: [100_000 * USD, 100_000 * USD] };

  it('rejects a buy one unit over the limit and fills one exactly at it', () => {
    const { e, market } = marketFixture(wide);
    rejects(e, orderCmd(0, 'buy', 5e10 + 1), T0, 'FILL_TOO_LARGE');
    expect(oneEvent(ok(e, orderCmd(0, 'buy', 5e10), T0), 'fill').base).toBe(5e10);
    expect(market.baseReserve).toBe(950e9);
  });

  it('rejects a sell one unit over the limit and fills one exactly at it', () => {
    const { e, market } = marketFixture(wide);
    rejects(e, orderCmd(1, 'sell', 5e10 + 1), T0, 'FILL_TOO_LARGE');
    const fill = oneEvent(ok(e, orderCmd(1, 'sell', 5e10), T0), 'fill');
    // ⌊(1e24/1e12 − 1e24/1,050e9) × 0.1⌋ = ⌊4,761,904,761.9⌋
    expect(fill).toMatchObject({ base: 5e10, quote: 4_761_904_761 });
    expect(market.baseReserve).toBe(1_050e9);
  });
});

describe('worst price', () => {
  // A buy fills until the curve, with the 250 E6 spread on top, reaches the worst price:
  // curve target 101e6 / 1.00025 = 100,974,756.31; reserve √(1e24 × 100e6 / target) = 995,161,562,086.4…
  // → at most ⌊1e12 − 995,161,562,086.4⌋ = 4,838,437,913 base units.
  it('fills a buy partially, up to the worst price, and drops the rest', () => {
    const { e, market } = marketFixture();
    const fill = oneEvent(ok(e, orderCmd(0, 'buy', 10 * UNIT, { worstPrice: 101_000_000 }), T0), 'fill');
    expect(fill.base).toBe(4_838_437_913);
    expect(market.positions.base[0]).toBe(4_838_437_913);
    expect(curvePrice(market) * 1.00025).toBeLessThanOrEqual(101_000_000);
    // One more base unit would have crossed the worst price.
    const oneMore = (market.k / (market.baseReserve - 1) ** 2) * market.pegE6;
    expect(oneMore * 1.00025).toBeGreaterThan(101_000_000);
  });

  // Sell: curve target 99e6 / 0.99975 = 99,024,756.19; reserve up to ⌊√(1e24 × 100e6 / target)⌋ = 1,004,912,177,679.
  it('fills a sell partially, down to the worst price', () => {
    const { e, market } = marketFixture();
    const fill = oneEvent(ok(e, orderCmd(1, 'sell', 10 * UNIT, { worstPrice: 99_000_000 }), T0), 'fill');
    expect(fill.base).toBe(4_912_177_679);
    expect(market.positions.base[1]).toBe(-4_912_177_679);
    expect(curvePrice(market) * 0.99975).toBeGreaterThanOrEqual(99_000_000);
  });

  it('rejects an order when nothing can fill within the worst price, changing nothing', () => {
    const { e } = marketFixture();
    rejects(e, orderCmd(0, 'buy', UNIT, { worstPrice: 99_000_000 }), T0, 'WORST_PRICE');
    rejects(e, orderCmd(0, 'sell', UNIT, { worstPrice: 101_000_000 }), T0, 'WORST_PRICE');
    // The spread alone puts the best ask at 100.025: a worst price of 100.02 cannot fill.
    rejects(e, orderCmd(0, 'buy', UNIT, { worstPrice: 100_020_000 }), T0, 'WORST_PRICE');
  });

  it('fills the whole order when the worst price is far enough, and treats 0 as no limit', () => {
    const { e } = marketFixture();
    expect(oneEvent(ok(e, orderCmd(0, 'buy', UNIT, { worstPrice: 110_000_000 }), T0), 'fill').base).toBe(UNIT);
    expect(oneEvent(ok(e, orderCmd(1, 'buy', UNIT, { worstPrice: 0 }), T0), 'fill').base).toBe(UNIT);
  });
});

describe('paused markets', () => {
  it('reject orders and funding ticks until resumed, and keep accepting oracle prices', () => {
    const { e } = marketFixture();
    ok(e, { type: 'pauseMarket', market: 0 }, T0);
    rejects(e, { type: 'pauseMarket', market: 0 }, T0, 'MARKET_PAUSED');
    rejects(e, orderCmd(0, 'buy', UNIT), T0, 'MARKET_PAUSED');
    rejects(e, { type: 'fundingTick', market: 0 }, T0, 'MARKET_PAUSED');
    oraclePrice(e, 0, 100_000_000, T0 + 1_000);
    ok(e, { type: 'resumeMarket', market: 0 }, T0 + 1_000);
    rejects(e, { type: 'resumeMarket', market: 0 }, T0 + 1_000, 'MARKET_ACTIVE');
    expect(oneEvent(ok(e, orderCmd(0, 'buy', UNIT), T0 + 1_000), 'fill').base).toBe(UNIT);
  });
});
