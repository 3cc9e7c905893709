/**
 * Initial margin on orders and withdrawals, hand-computed on the standard
 * fixture ("ETH" $100, 1,000 units deep, IM 10%; see trading.test.ts for the
 * curve arithmetic). After buying one unit from a fresh curve:
 *   paid 100,100,101 + fee 50,051 + spread 25,026;
 *   mark = median(oracle 100e6, curve 100.2e6, oracle + basis 100e6) = 100e6,
 *   so the position is worth 100,000,000 − 100,100,101 = −100,101
 *   and needs initial margin 10% × 100,000,000 = 10,000,000.
 */
import { describe, expect, it } from 'vitest';
import { marketFixture, ok, oneEvent, orderCmd, rejects, T0, UNIT, USD } from './helpers.ts';

const FEES = 50_051 + 25_026;
const VALUE = -100_101;
const INITIAL_MARGIN = 10_000_000;

describe('initial margin on orders', () => {
  // Equity after the buy = D − FEES + VALUE must be ≥ 10,000,000: D ≥ 10,175,178.
  it('fills an order that leaves the account exactly at initial margin', () => {
    const { e, market } = marketFixture({ deposits: [INITIAL_MARGIN + FEES - VALUE] });
    expect(INITIAL_MARGIN + FEES - VALUE).toBe(10_175_178);
    ok(e, orderCmd(0, 'buy', UNIT), T0);
    expect(market.markPrice).toBe(100_000_000);
    expect(e.accounts.collateral[0] + VALUE).toBe(INITIAL_MARGIN);
  });

  it('rejects with INSUFFICIENT_MARGIN an order that would leave the account one unit short of it', () => {
    const { e } = marketFixture({ deposits: [10_175_177] });
    rejects(e, orderCmd(0, 'buy', UNIT), T0, 'INSUFFICIENT_MARGIN');
  });

  it('rejects with INSUFFICIENT_COLLATERAL an order whose fees the collateral cannot pay', () => {
    const { e } = marketFixture({ deposits: [FEES - 1] });
    rejects(e, orderCmd(0, 'buy', UNIT), T0, 'INSUFFICIENT_COLLATERAL');
  });

  it('never refuses a reducing order for margin', () => {
    const { e, market } = marketFixture({ deposits: [10_175_178] });
    ok(e, orderCmd(0, 'buy', UNIT), T0);
    // Raise initial margin to 100%: the account is now far below it, and may still cut its position.
    ok(e, { type: 'updateMarket', market: 0, params: { initialMarginE6: 1_000_000 } }, T0);
    rejects(e, orderCmd(0, 'buy', 1_000), T0, 'INSUFFICIENT_MARGIN');
    ok(e, orderCmd(0, 'sell', UNIT / 2), T0);
    expect(market.positions.base[0]).toBe(UNIT / 2);
  });
});

describe('withdrawals', () => {
  it('keep initial margin: the largest withdrawal leaves equity (losses only) exactly at it', () => {
    const { e } = marketFixture({ deposits: [1_000 * USD] });
    ok(e, orderCmd(0, 'buy', UNIT), T0);
    const collateral = 1_000 * USD - FEES;
    expect(e.accounts.collateral[0]).toBe(collateral);
    const most = collateral + VALUE - INITIAL_MARGIN; // 989,824,822
    rejects(e, { type: 'withdraw', account: 0, amount: most + 1 }, T0, 'INSUFFICIENT_MARGIN');
    const out = oneEvent(ok(e, { type: 'withdraw', account: 0, amount: most }, T0), 'withdrawn');
    expect(out.amount).toBe(989_824_822);
    expect(e.accounts.collateral[0]).toBe(INITIAL_MARGIN - VALUE);
    expect(e.totalWithdrawals).toBe(most);
  });

  it('cannot take more than the collateral', () => {
    const { e } = marketFixture({ deposits: [1_000 * USD] });
    rejects(e, { type: 'withdraw', account: 0, amount: 1_000 * USD + 1 }, T0, 'INSUFFICIENT_COLLATERAL');
    ok(e, { type: 'withdraw', account: 0, amount: 1_000 * USD }, T0);
    expect(e.accounts.collateral[0]).toBe(0);
  });

  // Same trades as trading.test.ts "realised PnL and the PnL pool": A realises +401,805 that the
  // empty pool cannot pay, so it stays as an unsettled claim.
  it('cannot take unsettled profit: only the collateral itself can leave, the claim stays', () => {
    const { e, market } = marketFixture();
    ok(e, orderCmd(0, 'buy', UNIT), T0);
    ok(e, orderCmd(1, 'buy', 2 * UNIT), T0);
    ok(e, orderCmd(0, 'sell', UNIT), T0);
    expect(market.positions.pnl[0]).toBe(401_805);
    const collateral = e.accounts.collateral[0];
    expect(collateral).toBe(10_000 * USD - FEES - (50_251 + 25_126));
    rejects(e, { type: 'withdraw', account: 0, amount: collateral + 1 }, T0, 'INSUFFICIENT_COLLATERAL');
    ok(e, { type: 'withdraw', account: 0, amount: collateral }, T0);
    expect(e.accounts.collateral[0]).toBe(0);
    expect(market.positions.pnl[0]).toBe(401_805);
    // Once B realises losses the claim is paid, and can then be withdrawn.
    ok(e, orderCmd(1, 'sell', 2 * UNIT), T0);
    ok(e, { type: 'settlePnl', account: 0, market: 0 }, T0);
    expect(e.accounts.collateral[0]).toBe(401_805);
    ok(e, { type: 'withdraw', account: 0, amount: 401_805 }, T0);
  });

  it('do not count unrealised profit', () => {
    const { e, market } = marketFixture({ deposits: [1_000 * USD, 10_000 * USD] });
    ok(e, orderCmd(0, 'buy', UNIT), T0);
    // Another account pushes the curve up and the oracle follows: account 0 is in profit on paper.
    ok(e, orderCmd(1, 'buy', 20 * UNIT), T0);
    ok(
      e,
      { type: 'oracle', market: 0, source: 0, price: 104_000_000, confidence: 0, publishTs: T0 + 400_000 },
      T0 + 400_000,
    );
    const value = (market.positions.base[0] * market.markPrice) / UNIT + market.positions.quoteEntry[0];
    expect(value).toBeGreaterThan(0);
    const requirement = Math.ceil((market.markPrice * 100_000) / 1_000_000);
    const most = e.accounts.collateral[0] - requirement;
    rejects(e, { type: 'withdraw', account: 0, amount: most + 1 }, T0 + 400_000, 'INSUFFICIENT_MARGIN');
    ok(e, { type: 'withdraw', account: 0, amount: most }, T0 + 400_000);
  });
});
