/**
 * Bad input to the margin engine: each command is rejected with its own
 * stable code, and the state hash is the same before and after (rejects()
 * in helpers.ts checks both).
 */
import { describe, expect, it } from 'vitest';
import { crossHealth } from '../../core/margin/health.ts';
import { oneEvent, PRICE, QUIET, Scenario, UNIT, USD } from './helpers.ts';

const HAND = { ...QUIET, basisEmaWindowMs: 7 * 86_400_000 };

/** ETH at $100 on a 1,000-unit curve; A long 10 units with $111, B short 10, L a rich liquidator. */
function fixture(params: Record<string, number> = {}) {
  const s = new Scenario();
  const eth = s.market('ETH', 100, 1_000, { ...HAND, ...params });
  const a = s.account(111);
  const b = s.account(1_000);
  const l = s.account(10_000);
  s.oracle(eth, 100 * PRICE);
  s.order(a, eth, 'buy', 10 * UNIT);
  s.order(b, eth, 'sell', 10 * UNIT);
  return { s, eth, a, b, l };
}

describe('liquidation commands', () => {
  it('rejects liquidating a healthy account with ACCOUNT_HEALTHY', () => {
    const { s, eth, a, l } = fixture();
    // A: $111 − $1,010.10 + $1,000 = $100.90 of equity against $62.50 of maintenance.
    expect(crossHealth(s.e, a).equityMaintenance).toBeGreaterThan(crossHealth(s.e, a).maintenanceRequirement);
    s.rejects({ type: 'liquidate', liquidator: l, account: a, market: eth, size: UNIT }, 'ACCOUNT_HEALTHY');
  });

  it('rejects a takeover that would leave the liquidator under initial margin with LIQUIDATOR_MARGIN', () => {
    const { s, eth, a } = fixture();
    const poor = s.account(5); // $5 cannot carry the IM of even 1 unit at $95 ($9.50)
    s.at(1).oracle(eth, 95 * PRICE); // A: $111 − $1,010.10 + $950 = $50.90 < MM $59.375
    s.rejects({ type: 'liquidate', liquidator: poor, account: a, market: eth, size: 10 * UNIT }, 'LIQUIDATOR_MARGIN');
  });

  it('rejects self-liquidation with SELF_LIQUIDATION', () => {
    const { s, eth, a } = fixture();
    s.at(1).oracle(eth, 95 * PRICE);
    s.rejects({ type: 'liquidate', liquidator: a, account: a, market: eth, size: UNIT }, 'SELF_LIQUIDATION');
  });

  it('rejects liquidating a market where the account holds nothing with NOTHING_TO_LIQUIDATE', () => {
    const { s, eth, l } = fixture();
    const flat = s.account(100);
    s.rejects({ type: 'liquidate', liquidator: l, account: flat, market: eth, size: UNIT }, 'NOTHING_TO_LIQUIDATE');
  });

  it('rejects a takeover on a stale oracle with ORACLE_STALE', () => {
    const { s, eth, a, l } = fixture();
    s.at(1).oracle(eth, 95 * PRICE);
    s.at(60_001); // past oracleMaxStaleMarginMs (60 s)
    s.rejects({ type: 'liquidate', liquidator: l, account: a, market: eth, size: UNIT }, 'ORACLE_STALE');
  });

  it('rejects an unknown liquidator with UNKNOWN_ACCOUNT and a zero size with BAD_AMOUNT', () => {
    const { s, eth, a, l } = fixture();
    s.at(1).oracle(eth, 95 * PRICE);
    s.rejects({ type: 'liquidate', liquidator: 99, account: a, market: eth, size: UNIT }, 'UNKNOWN_ACCOUNT');
    s.rejects({ type: 'liquidate', liquidator: l, account: a, market: eth, size: 0 }, 'BAD_AMOUNT');
  });
});

describe('isolated transfers and margin mode', () => {
  it('rejects moving more into an isolated position than the cross collateral holds with INSUFFICIENT_COLLATERAL', () => {
    const s = new Scenario();
    const eth = s.market('ETH', 100, 1_000, HAND);
    const a = s.account(100);
    s.oracle(eth, 100 * PRICE);
    s.ok({ type: 'setMarginMode', account: a, market: eth, isolated: true });
    s.rejects({ type: 'transferIsolated', account: a, market: eth, amount: 100 * USD + 1 }, 'INSUFFICIENT_COLLATERAL');
    s.ok({ type: 'transferIsolated', account: a, market: eth, amount: 40 * USD });
    s.rejects(
      { type: 'transferIsolated', account: a, market: eth, amount: -(40 * USD + 1) },
      'INSUFFICIENT_COLLATERAL',
    );
  });

  it('rejects a transfer that would leave the cross account under initial margin with INSUFFICIENT_MARGIN', () => {
    const s = new Scenario();
    const eth = s.market('ETH', 100, 1_000, HAND);
    const btc = s.market('BTC', 20_000, 1_000, HAND);
    const a = s.account(200);
    const b = s.account(1_000);
    s.oracle(eth, 100 * PRICE);
    s.oracle(btc, 20_000 * PRICE);
    s.order(a, eth, 'buy', 10 * UNIT); // cross: IM $100 against $200 − $10.10 = $189.90
    s.order(b, eth, 'sell', 10 * UNIT);
    s.ok({ type: 'setMarginMode', account: a, market: btc, isolated: true });
    // Moving $95 out leaves $105 − $10.10 = $94.90 < $100 on the cross side.
    s.rejects({ type: 'transferIsolated', account: a, market: btc, amount: 95 * USD }, 'INSUFFICIENT_MARGIN');
    s.ok({ type: 'transferIsolated', account: a, market: btc, amount: 85 * USD });
  });

  it('rejects taking collateral out of an isolated position below its initial margin with INSUFFICIENT_MARGIN', () => {
    const s = new Scenario();
    const eth = s.market('ETH', 100, 1_000, HAND);
    const a = s.account(1_000);
    s.oracle(eth, 100 * PRICE);
    s.ok({ type: 'setMarginMode', account: a, market: eth, isolated: true });
    s.ok({ type: 'transferIsolated', account: a, market: eth, amount: 150 * USD });
    s.order(a, eth, 'buy', 10 * UNIT); // isolated: $150 − $10.10 of loss against IM $100
    s.rejects({ type: 'transferIsolated', account: a, market: eth, amount: -45 * USD }, 'INSUFFICIENT_MARGIN');
    s.ok({ type: 'transferIsolated', account: a, market: eth, amount: -35 * USD });
  });

  it('rejects a transfer for a cross position with NOT_ISOLATED', () => {
    const s = new Scenario();
    const eth = s.market('ETH', 100, 1_000, HAND);
    const a = s.account(100);
    s.rejects({ type: 'transferIsolated', account: a, market: eth, amount: USD }, 'NOT_ISOLATED');
  });

  it('rejects a margin-mode change with an open position, or with isolated collateral left, with POSITION_OPEN', () => {
    const { s, eth, a } = fixture();
    s.rejects({ type: 'setMarginMode', account: a, market: eth, isolated: true }, 'POSITION_OPEN');
    const c = s.account(100);
    s.ok({ type: 'setMarginMode', account: c, market: eth, isolated: true });
    s.ok({ type: 'transferIsolated', account: c, market: eth, amount: 10 * USD });
    s.rejects({ type: 'setMarginMode', account: c, market: eth, isolated: false }, 'POSITION_OPEN');
  });

  it('rejects withdrawals, transfers and new risk while the account is in liquidation with IN_LIQUIDATION', () => {
    const { s, eth, a } = fixture({ liquidatorWindowTicks: 1_000 });
    s.at(1).oracle(eth, 95 * PRICE);
    oneEvent(s.tick(), 'liquidationStarted');
    s.rejects({ type: 'withdraw', account: a, amount: 1 }, 'IN_LIQUIDATION');
    s.rejects({ type: 'marketOrder', account: a, market: eth, side: 'buy', size: UNIT }, 'IN_LIQUIDATION');
    // Cutting risk stays open to it.
    s.ok({ type: 'marketOrder', account: a, market: eth, side: 'sell', size: UNIT, reduceOnly: true });
  });
});

describe('collateral assets', () => {
  it('rejects deposits and withdrawals of an unknown asset with UNKNOWN_ASSET', () => {
    const s = new Scenario();
    const btc = s.market('BTC', 20_000, 1_000, HAND);
    s.ok({
      type: 'createAsset',
      symbol: 'BTC',
      priceMarket: btc,
      initialWeightE6: 800_000,
      maintenanceWeightE6: 900_000,
    });
    const a = s.account(100);
    s.rejects({ type: 'deposit', account: a, asset: 2, amount: UNIT }, 'UNKNOWN_ASSET');
    s.rejects({ type: 'withdraw', account: a, asset: 2, amount: 1 }, 'UNKNOWN_ASSET');
  });

  it('rejects withdrawing more of an asset than the account holds with INSUFFICIENT_COLLATERAL', () => {
    const s = new Scenario();
    const btc = s.market('BTC', 20_000, 1_000, HAND);
    s.ok({
      type: 'createAsset',
      symbol: 'BTC',
      priceMarket: btc,
      initialWeightE6: 800_000,
      maintenanceWeightE6: 900_000,
    });
    const a = s.account();
    s.oracle(btc, 20_000 * PRICE);
    s.ok({ type: 'deposit', account: a, asset: 1, amount: UNIT });
    s.rejects({ type: 'withdraw', account: a, asset: 1, amount: UNIT + 1 }, 'INSUFFICIENT_COLLATERAL');
  });

  it('rejects bad weights (INVALID_PARAMS), an unknown price market (UNKNOWN_MARKET) and a second BTC (DUPLICATE_ASSET)', () => {
    const s = new Scenario();
    const btc = s.market('BTC', 20_000, 1_000, HAND);
    s.rejects(
      { type: 'createAsset', symbol: 'BTC', priceMarket: btc, initialWeightE6: 900_000, maintenanceWeightE6: 800_000 },
      'INVALID_PARAMS',
    );
    s.rejects(
      {
        type: 'createAsset',
        symbol: 'BTC',
        priceMarket: btc,
        initialWeightE6: 800_000,
        maintenanceWeightE6: 1_000_001,
      },
      'INVALID_PARAMS',
    );
    s.rejects(
      { type: 'createAsset', symbol: 'BTC', priceMarket: 5, initialWeightE6: 800_000, maintenanceWeightE6: 900_000 },
      'UNKNOWN_MARKET',
    );
    s.ok({
      type: 'createAsset',
      symbol: 'BTC',
      priceMarket: btc,
      initialWeightE6: 800_000,
      maintenanceWeightE6: 900_000,
    });
    s.rejects(
      { type: 'createAsset', symbol: 'BTC', priceMarket: btc, initialWeightE6: 500_000, maintenanceWeightE6: 600_000 },
      'DUPLICATE_ASSET',
    );
  });
});
