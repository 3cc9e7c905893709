/**
 * Hand-computed cases for each margin formula, the arithmetic in comments.
 * Units: quote 1e-6 USD, base 1e-9, price 1e-6 USD, ratios E6.
 *
 * Most cases use the QUIET parameters (helpers.ts): no fees or spread, so a
 * fill's cost is the curve alone, and z(50%) = 0 so volatility leaves the
 * ratios at their static values. They also stretch the basis EMA to 7 days:
 * with oracle updates 1 ms apart the basis moves by less than a price unit,
 * so the mark (median of oracle, curve, oracle + basis) rounds to the oracle.
 */
import { describe, expect, it } from 'vitest';
import { crossHealth, isolatedHealth, positionValue } from '../../core/margin/health.ts';
import { pendingFunding } from '../../core/settle.ts';
import { E6, eventsOf, oneEvent, PRICE, QUIET, restoreTarget, Scenario, UNIT, USD } from './helpers.ts';

const SEVEN_DAYS_MS = 7 * 86_400_000;
const HAND = { ...QUIET, basisEmaWindowMs: SEVEN_DAYS_MS };

describe('initial and maintenance margin raised by position size (imfFactorE6)', () => {
  it('charges max(IM, imf × √size) and scales MM by MM/IM, and the tick liquidates on the raised MM', () => {
    const s = new Scenario();
    const eth = s.market('ETH', 100, 1_000, { ...HAND, imfFactorE6: 50_000 });
    const a = s.account(200);
    const b = s.account(1_000);
    s.oracle(eth, 100 * PRICE);
    const fill = oneEvent(s.order(a, eth, 'buy', 9 * UNIT), 'fill');
    // Curve 1,000 × 1,000 at $100: buying 9 costs 9 × $100 × 1,000/991 = $908.173562… → ceil 908,173,563.
    expect(fill.quote).toBe(908_173_563);
    s.order(b, eth, 'sell', 9 * UNIT); // the curve returns to $100

    // Mark $100, notional 9 × $100 = $900.
    // IM ratio = max(10%, 5% × √9 = 15%) = 15%          → IM = $135
    // MM ratio = max(6.25%, 5% × √9 × 6.25%/10% = 9.375%) → MM = $84.375
    const h = crossHealth(s.e, a);
    expect(h.notional).toBe(900 * USD);
    expect(h.initialRequirement).toBe(135 * USD);
    expect(h.maintenanceRequirement).toBe(84_375_000);

    // $130 cannot carry 9 units under IMF (equity $130 − $8.17 slippage < $135) ...
    const c = s.account(130);
    s.rejects({ type: 'marketOrder', account: c, market: eth, side: 'buy', size: 9 * UNIT }, 'INSUFFICIENT_MARGIN');
    // ... while 4 units sit at the static ratios: 5% × √4 = 10% = IM, MM stays 6.25%.
    s.order(c, eth, 'buy', 4 * UNIT);
    const hc = crossHealth(s.e, c);
    expect(hc.initialRequirement).toBe(40 * USD); // 4 × $100 × 10%
    expect(hc.maintenanceRequirement).toBe(25 * USD); // 4 × $100 × 6.25%
    s.order(b, eth, 'sell', 4 * UNIT);

    // Oracle $85: A's equity = $200 − $908.173563 + 9 × $85 = $56.826437.
    //   static MM 6.25% × $765 = $47.8125   → A would be safe;
    //   IMF MM 9.375% × $765 = $71.71875    → A is below maintenance.
    s.at(1).oracle(eth, 85 * PRICE);
    expect(s.m(eth).markPrice).toBe(85 * PRICE);
    const ha = crossHealth(s.e, a);
    expect(ha.equityMaintenance).toBe(56_826_437);
    expect(ha.maintenanceRequirement).toBe(71_718_750);
    // C (4 units bought at ≈ $100.40) keeps $130 − $401.60 + $340 = $68.40 against $21.25: healthy.
    // B is short and gained. Only A is flagged, on the raised ratio.
    const started = eventsOf(s.tick(), 'liquidationStarted');
    expect(started).toEqual([
      {
        type: 'liquidationStarted',
        account: a,
        market: -1,
        equity: 56_826_437,
        maintenance: 71_718_750,
        ordersCancelled: 0,
      },
    ]);
  });
});

describe('volatility-indexed ratios', () => {
  it('sets IM to z × σ at once and raises MM by maintenanceRiseE6PerTick toward VaR × MM/IM', () => {
    const s = new Scenario();
    const eth = s.market('ETH', 100, 1_000); // default parameters: λ 0.94, 99% VaR over 1 h, step 0.1%
    s.oracle(eth, 100 * PRICE);
    expect(eventsOf(s.tick(), 'marginRatios')).toEqual([]); // no return yet: σ = 0, static ratios
    // One return r = +0.5% over dt = 1,000 ms:
    //   variance rate = (1 − 0.94) × 0.005² / 1,000 = 1.5e-9 per ms
    //   σ over 1 h    = √(1.5e-9 × 3.6e6) = √0.0054 = 0.0734847
    //   VaR           = z(99%) 2.3263479 × 0.0734847 = 0.1709510 → 170,951 E6
    //   IM            = max(100,000, ⌈170,951⌉ to 1,000) = 171,000
    //   MM target     = ⌈170,951 × 62,500/100,000 = 106,844⌉ to 1,000 = 107,000
    //   MM            = min(107,000, 62,500 + 100) = 62,600
    s.at(1_000).oracle(eth, 100_500_000);
    expect(s.m(eth).varianceRatePerMs).toBeCloseTo(1.5e-9, 20);
    expect(oneEvent(s.tick(), 'marginRatios')).toEqual({
      type: 'marginRatios',
      market: eth,
      initialE6: 171_000,
      maintenanceE6: 62_600,
      maintenanceTargetE6: 107_000,
    });
    // No new price: σ is unchanged, IM stays, MM climbs 100 per tick.
    for (const expected of [62_700, 62_800, 62_900]) {
      expect(oneEvent(s.tick(), 'marginRatios')).toMatchObject({ initialE6: 171_000, maintenanceE6: expected });
    }
    expect(s.m(eth).initialRatioE6).toBe(171_000);
    expect(s.m(eth).maintenanceRatioE6).toBe(62_900);
  });

  it('falls back to the static ratios at once when volatility goes away (λ = 0: only the last return counts)', () => {
    const s = new Scenario();
    const sol = s.market('SOL', 100, 1_000, { volatilityLambdaE6: 0 });
    s.oracle(sol, 100 * PRICE);
    // r = 0.5% over 1,000 ms with λ = 0: variance rate = 0.005² / 1,000 = 2.5e-8 per ms
    //   σ(1 h) = √(2.5e-8 × 3.6e6) = √0.09 = 0.3;  VaR = 2.3263479 × 0.3 = 0.6979044 → 697,905
    //   IM = 698,000; MM target = ⌈697,905 × 0.625 = 436,190⌉ = 437,000; MM = 62,600
    s.at(1_000).oracle(sol, 100_500_000);
    expect(oneEvent(s.tick(), 'marginRatios')).toMatchObject({
      initialE6: 698_000,
      maintenanceE6: 62_600,
      maintenanceTargetE6: 437_000,
    });
    // r = 0: variance 0, both ratios back to static in one tick (maintenance falls at once).
    s.at(1_000).oracle(sol, 100_500_000);
    expect(oneEvent(s.tick(), 'marginRatios')).toMatchObject({
      initialE6: 100_000,
      maintenanceE6: 62_500,
      maintenanceTargetE6: 62_500,
    });
  });

  it('a volatility spike with no price change does not liquidate in the tick where the ratio rises', () => {
    const s = new Scenario();
    // Fees and spread off so the account's equity is easy to follow; volatility ratios ON (default z).
    const eth = s.market('ETH', 100, 1_000, {
      takerFeeE6: 0,
      makerFeeE6: 0,
      baseSpreadE6: 0,
      maxSpreadE6: 0,
      basisEmaWindowMs: SEVEN_DAYS_MS,
    });
    const a = s.account(112);
    const b = s.account(1_000);
    s.oracle(eth, 100 * PRICE);
    s.order(a, eth, 'buy', 10 * UNIT); // costs $1,010.10 (10 × $100 × 1,000/990)
    s.order(b, eth, 'sell', 10 * UNIT);
    // An hour later the price is $98: a slow move, far too little variance to lift IM above 10%:
    //   var = 0.06 × 0.02² / 3.6e6 = 6.7e-12 per ms → VaR = 2.326 × √(2.4e-5) = 1.1% < 10%.
    s.at(3_600_000).oracle(eth, 98 * PRICE);
    expect(eventsOf(s.tick(), 'marginRatios')).toEqual([]);
    // A: equity ≈ $112 − $1,010.10 + $980.12 = $82.0 on $980.1 notional → 8.37%, above 6.25%.
    const before = crossHealth(s.e, a);
    const ratioE6 = (before.equityMaintenance / before.notional) * E6;
    expect(ratioE6).toBeGreaterThan(83_000);
    expect(ratioE6).toBeLessThan(84_000);
    // The spike: +0.5% and straight back within two seconds, no tick in between. The mark ends
    // where it was (to a few price units of basis drift), but the variance rate is ~2.9e-9 per ms:
    //   VaR ≈ 2.326 × √(2.9e-9 × 3.6e6) ≈ 23.7% → IM 23.8%, MM target ≈ 14.9% (above A's 8.37%).
    const mark = s.m(eth).markPrice;
    s.at(1_000).oracle(eth, 98_490_000);
    s.at(1_000).oracle(eth, 98 * PRICE);
    expect(Math.abs(s.m(eth).markPrice - mark)).toBeLessThan(100);
    const first = s.tick();
    const ratios = oneEvent(first, 'marginRatios');
    expect(ratios.initialE6).toBe(238_000);
    expect(ratios.maintenanceTargetE6).toBe(149_000);
    expect(ratios.maintenanceE6).toBe(62_600); // risen by one step only ...
    expect(eventsOf(first, 'liquidationStarted')).toEqual([]); // ... so A is not liquidated in this tick
    // A cannot add risk at the new IM, but keeps its position while MM climbs 100 per tick.
    s.rejects({ type: 'marketOrder', account: a, market: eth, side: 'buy', size: UNIT / 10 }, 'INSUFFICIENT_MARGIN');
    let ticks = 1;
    let startedAt = -1;
    while (startedAt < 0 && ticks < 400) {
      const ev = s.tick();
      ticks++;
      if (eventsOf(ev, 'liquidationStarted').some((x) => x.account === a)) startedAt = s.m(eth).maintenanceRatioE6;
    }
    // A is flagged in the first tick whose maintenance ratio exceeds its 8.37%: 62,500 + 100 × k > 83,7xx.
    const h = crossHealth(s.e, a);
    expect(startedAt).toBeGreaterThan(ratioE6 - 100);
    expect(startedAt).toBeLessThanOrEqual(ratioE6 + 100);
    expect(h.equityMaintenance).toBeLessThan(h.maintenanceRequirement);
  });
});

describe('partial liquidation size (closeSize)', () => {
  /** A long 100 ETH bought with $1,110 on a 10,000-unit curve, B the matching short, L a liquidator. */
  function longAt(price: number, extra: Record<string, number> = {}) {
    const s = new Scenario();
    const eth = s.market('ETH', 100, 10_000, { ...HAND, ...extra });
    const a = s.account(1_110);
    const b = s.account(2_000);
    const l = s.account(10_000);
    s.oracle(eth, 100 * PRICE);
    const fill = oneEvent(s.order(a, eth, 'buy', 100 * UNIT), 'fill');
    // 100 × $100 × 10,000/9,900 = $10,101.010101 → ceil 10,101,010,102.
    expect(fill.quote).toBe(10_101_010_102);
    s.order(b, eth, 'sell', 100 * UNIT);
    s.at(1).oracle(eth, price);
    expect(s.m(eth).markPrice).toBe(price);
    return { s, eth, a, b, l };
  }

  it('closes just enough to restore maintenance + buffer, and splits the penalty by liquidatorShareE6', () => {
    const { s, eth, a, l } = longAt(95_500_000, { liquidatorShareE6: 300_000 });
    // At $95.50: E = $1,110 − $10,101.010102 + 100 × $95.50 = $558.989898
    //   MM = 6.25% × $9,550 = $596.875 (below: liquidatable); buffer 2% × $9,550 = $191
    //   need = 596.875 + 191 − 558.989898 = $228.885102
    //   x = need / (mark × (MM + buffer − penalty)) = 228.885102 / (95.5 × 0.07 = 6.685)
    //     = 34.2386091249… units → ceil 34,238,609,125 base units
    const h = crossHealth(s.e, a);
    expect(h.equityMaintenance).toBe(558_989_898);
    expect(h.maintenanceRequirement).toBe(596_875_000);
    const fund0 = s.e.insuranceFund;
    const col0 = s.e.accounts.collateral[l];
    const ev = oneEvent(
      s.ok({ type: 'liquidate', liquidator: l, account: a, market: eth, size: 100 * UNIT }),
      'liquidation',
    );
    expect(ev.base).toBe(34_238_609_125);
    expect(ev.price).toBe(95_500_000); // takeovers happen at the mark
    // Penalty = ⌈34.238609125 × $95.50 × 1.25%⌉ = ⌈$40.87233964⌉ = 40,872,340
    // Liquidator 30%: ⌊12,261,702.0⌋ = 12,261,702; insurance fund: 40,872,340 − 12,261,702 = 28,610,638
    expect(ev).toMatchObject({ penalty: 40_872_340, liquidatorReward: 12_261_702, insuranceShare: 28_610_638 });
    expect(s.e.insuranceFund - fund0).toBe(28_610_638);
    expect(s.e.accounts.collateral[l] - col0).toBe(12_261_702);
    // After: E' = 558,989,898 − 40,872,340 − 0.4375 (quote rounding) = 518,117,557.56
    //        target = MM' + buffer' = 65.761390875 × 95.5 × 8.25% = 518,117,558.35
    // The account is back above maintenance; it falls short of the buffer target by under
    // one quote unit (the penalty is rounded up, the takeover quote to nearest).
    const after = crossHealth(s.e, a);
    expect(after.equityMaintenance).toBeCloseTo(518_117_557.5625, 3);
    expect(after.equityMaintenance).toBeGreaterThan(restoreTarget(after, 20_000) - 2);
    expect(after.equityMaintenance).toBeGreaterThan(after.maintenanceRequirement);
    // A second takeover finds it healthy.
    s.rejects({ type: 'liquidate', liquidator: l, account: a, market: eth, size: UNIT }, 'ACCOUNT_HEALTHY');
  });

  it('closes the same size through the backstop once the liquidator window has passed', () => {
    const { s, eth, a } = longAt(95_500_000);
    const started = s.tick(); // window 1 tick: flagged now, closed on the next tick
    expect(oneEvent(started, 'liquidationStarted')).toMatchObject({
      account: a,
      equity: 558_989_898,
      maintenance: 596_875_000,
    });
    expect(eventsOf(started, 'liquidation')).toEqual([]);
    const closed = eventsOf(s.tick(), 'liquidation');
    expect(closed.length).toBeGreaterThanOrEqual(1);
    expect(closed[0]).toMatchObject({ account: a, market: eth, liquidator: -1, side: 'sell', base: 34_238_609_125 });
    // The backstop keeps the whole penalty: ⌈34.238609125 × $95.50 × 1.25%⌉ = 40,872,340.
    expect(closed[0]).toMatchObject({ penalty: 40_872_340, liquidatorReward: 0, insuranceShare: 40_872_340 });
  });

  it('closes everything when the unit is deep under water (equity < 50% of maintenance)', () => {
    const { s, eth, a, l } = longAt(92_500_000);
    // At $92.50: E = 1,110 − 10,101.010102 + 9,250 = $258.989898; MM = 6.25% × $9,250 = $578.125
    // 50% × 578.125 = $289.0625 > E → deep under water → the whole 100 units.
    expect(crossHealth(s.e, a).equityMaintenance).toBe(258_989_898);
    const ev = oneEvent(
      s.ok({ type: 'liquidate', liquidator: l, account: a, market: eth, size: 1_000 * UNIT }),
      'liquidation',
    );
    expect(ev.base).toBe(100 * UNIT);
    expect(s.m(eth).positions.base[a]).toBe(0);
  });

  it('closes everything when the position is small (notional < fullLiquidationNotional, $100)', () => {
    const s = new Scenario();
    const eth = s.market('ETH', 100, 10_000, HAND);
    const a = s.account(10);
    const b = s.account(1_000);
    const l = s.account(1_000);
    s.oracle(eth, 100 * PRICE);
    s.order(a, eth, 'buy', 0.9 * UNIT); // $90 notional, IM $9
    s.order(b, eth, 'sell', 0.9 * UNIT);
    // Cost 0.9 × $100 × 10,000/9,999.1 = $90.0081.
    // At $94.80: E = $10 − $90.0081 + $85.32 = $5.3119 vs MM 6.25% × $85.32 = $5.3325 → below by 2 cents;
    //   a partial close would need
    //   (5.3325 + 1.7064 − 5.3119)/(94.8 × 0.07) = 0.26 units, but $85.32 < $100 → all 0.9 units.
    s.at(1).oracle(eth, 94_800_000);
    const h = crossHealth(s.e, a);
    expect(h.equityMaintenance).toBeLessThan(h.maintenanceRequirement);
    expect(h.equityMaintenance).toBeGreaterThan(h.maintenanceRequirement - 0.03 * USD);
    const ev = oneEvent(s.ok({ type: 'liquidate', liquidator: l, account: a, market: eth, size: UNIT }), 'liquidation');
    expect(ev.base).toBe(0.9 * UNIT);
  });
});

describe('bankruptcy', () => {
  it('is covered by the insurance fund first, then socialised over the opposite side’s open interest', () => {
    const s = new Scenario();
    const eth = s.market('ETH', 100, 1_000, HAND);
    const a = s.account(111);
    const b1 = s.account(1_000);
    const b2 = s.account(1_000);
    const l = s.account(5_000);
    s.ok({ type: 'insuranceDeposit', amount: 5 * USD });
    s.oracle(eth, 100 * PRICE);
    const fill = oneEvent(s.order(a, eth, 'buy', 10 * UNIT), 'fill');
    // 10 × $100 × 1,000/990 = $1,010.10101 → ceil 1,010,101,011.
    expect(fill.quote).toBe(1_010_101_011);
    s.order(b1, eth, 'sell', 6 * UNIT); // the opposite side: 6 + 4 = 10 units short
    s.order(b2, eth, 'sell', 4 * UNIT);
    expect(s.m(eth).openInterestShort).toBe(10 * UNIT);
    s.at(1).oracle(eth, 88 * PRICE);
    // A at $88: E = $111 − $1,010.101011 + $880 = −$19.101011 (< 0: under water).
    expect(crossHealth(s.e, a).equityMaintenance).toBe(-19_101_011);
    const value1 = positionValue(s.m(eth), b1);
    const value2 = positionValue(s.m(eth), b2);
    const ev = s.ok({ type: 'liquidate', liquidator: l, account: a, market: eth, size: 10 * UNIT });
    // The liquidator takes all 10 units at $88 (deep under water); A realises 880 − 1,010.101011
    // = −$130.101011, pays its $111 of collateral, has nothing left for the penalty, and owes
    // $19.101011: the insurance fund's $5 first, then $14.101011 socialised over 10 short units.
    expect(oneEvent(ev, 'liquidation')).toMatchObject({ base: 10 * UNIT, penalty: 0 });
    expect(oneEvent(ev, 'bankruptcy')).toEqual({
      type: 'bankruptcy',
      account: a,
      market: eth,
      shortfall: 19_101_011,
      insuranceCovered: 5 * USD,
      socialised: 14_101_011,
      feePoolCovered: 0,
    });
    expect(s.e.insuranceFund).toBe(0);
    expect(s.m(eth).positions.pnl[a]).toBe(0);
    // The shorts' unrealised PnL drops by exactly the socialised amount, pro rata:
    // 6/10 × 14.101011 = 8.4606066 and 4/10 × 14.101011 = 5.6404044.
    expect(value1 - positionValue(s.m(eth), b1)).toBeCloseTo(8.4606066 * USD, 3);
    expect(value2 - positionValue(s.m(eth), b2)).toBeCloseTo(5.6404044 * USD, 3);
    expect(pendingFunding(s.m(eth), b1) + pendingFunding(s.m(eth), b2)).toBeCloseTo(14_101_011, 3);
    // When the shorts settle they pay it, rounded against them (up): 8,460,607 + 5,640,405.
    const settled1 = s.ok({ type: 'settlePnl', account: b1, market: eth });
    const settled2 = s.ok({ type: 'settlePnl', account: b2, market: eth });
    expect(oneEvent(settled1, 'fundingSettled').amount).toBe(-8_460_607);
    expect(oneEvent(settled2, 'fundingSettled').amount).toBe(-5_640_405);
  });
});

describe('collateral weights', () => {
  function btcBacked() {
    const s = new Scenario();
    const btc = s.market('BTC', 20_000, 1_000, HAND);
    const eth = s.market('ETH', 100, 100_000, HAND);
    const asset = oneEvent(
      s.ok({
        type: 'createAsset',
        symbol: 'BTC',
        priceMarket: btc,
        initialWeightE6: 800_000,
        maintenanceWeightE6: 900_000,
      }),
      'assetCreated',
    ).asset;
    const a = s.account();
    s.ok({ type: 'deposit', account: a, asset, amount: UNIT / 2 }); // 0.5 BTC
    const b = s.account(100_000);
    s.oracle(btc, 20_000 * PRICE);
    s.oracle(eth, 100 * PRICE);
    return { s, btc, eth, asset, a, b };
  }

  it('counts other collateral at its initial weight for opening and withdrawing, its maintenance weight for liquidation', () => {
    const { s, eth, asset, a, b } = btcBacked();
    // 0.5 BTC × $20,000 = $10,000: initial equity 80% = $8,000, maintenance equity 90% = $9,000.
    let h = crossHealth(s.e, a);
    expect(h.equityInitial).toBe(8_000 * USD);
    expect(h.equityMaintenance).toBe(9_000 * USD);
    // Short 500 ETH: notional $50,000, IM $5,000, MM $3,125.
    // Entry: the curve pays 500 × $100 × 100,000/100,500 = $49,751.243781 → floor 49,751,243,781.
    const fill = oneEvent(s.order(a, eth, 'sell', 500 * UNIT), 'fill');
    expect(fill.quote).toBe(49_751_243_781);
    s.order(b, eth, 'buy', 500 * UNIT);
    h = crossHealth(s.e, a);
    // Position value at $100: 49,751.243781 − 50,000 = −$248.756219.
    expect(h.equityInitial).toBe(8_000 * USD - 248_756_219);
    expect(h.initialRequirement).toBe(5_000 * USD);
    // Withdrawing 0.1 BTC leaves 0.4 × $20,000 × 80% − $248.76 = $6,151.24 ≥ $5,000: allowed.
    s.ok({ type: 'withdraw', account: a, asset, amount: UNIT / 10 });
    // Another 0.1 BTC would leave $4,551.24 < $5,000.
    s.rejects({ type: 'withdraw', account: a, asset, amount: UNIT / 10 }, 'INSUFFICIENT_MARGIN');
    // ETH rallies to $106.40: notional $53,200, MM $3,325, position value 49,751.243781 − 53,200.
    //   maintenance equity = 0.4 × 20,000 × 90% − 3,448.756219 = $3,751.24 ≥ $3,325 → safe
    //   (at the 80% initial weight it would be $2,951.24 < $3,325: the weights differ).
    s.at(1).oracle(eth, 106_400_000);
    h = crossHealth(s.e, a);
    expect(h.equityMaintenance).toBeCloseTo(3_751_243_781, 0);
    expect(h.maintenanceRequirement).toBe(3_325 * USD);
    expect(eventsOf(s.tick(), 'liquidationStarted')).toEqual([]);
    // At $107.40: maintenance equity 7,200 − (53,700 − 49,751.243781) = $3,251.24 < MM $3,356.25.
    s.at(1).oracle(eth, 107_400_000);
    expect(oneEvent(s.tick(), 'liquidationStarted')).toMatchObject({
      account: a,
      market: -1,
      equity: 3_251_243_781,
      maintenance: 3_356_250_000,
    });
  });

  it('never lets a withdrawal take unrealised profit (only losses count on the equity side)', () => {
    const s = new Scenario();
    const eth = s.market('ETH', 100, 1_000, HAND);
    const a = s.account(150);
    s.oracle(eth, 100 * PRICE);
    s.order(a, eth, 'buy', 10 * UNIT); // cost $1,010.101011
    s.at(1).oracle(eth, 110 * PRICE);
    const h = crossHealth(s.e, a);
    // At $110: position value 1,100 − 1,010.101011 = +$89.898989; equity $239.90, IM 10% × $1,100 = $110.
    // For a withdrawal only losses count: $150 of collateral against $110 of IM.
    expect(h.equityInitial).toBe(239_898_989);
    expect(h.equityLossesOnly).toBe(150 * USD);
    expect(h.initialRequirement).toBe(110 * USD);
    s.rejects({ type: 'withdraw', account: a, amount: 40 * USD + 1 }, 'INSUFFICIENT_MARGIN'); // $109.999999 < $110
    s.ok({ type: 'withdraw', account: a, amount: 40 * USD }); // exactly $110 left: allowed
  });

  it('never pays out profit the PnL pool does not hold (unsettled profit stays unwithdrawable)', () => {
    const s = new Scenario();
    const eth = s.market('ETH', 100, 1_000, HAND);
    const a = s.account(200);
    const pusher = s.account(1_000);
    s.oracle(eth, 100 * PRICE);
    s.order(a, eth, 'buy', 10 * UNIT); // pays 1,010,101,011 (curve to $102.03)
    s.order(pusher, eth, 'buy', 20 * UNIT); // curve to $106.35
    // A sells 10 back into the curve (base reserve 970 → 980 units):
    //   10 × $100 × 1,000,000/(970 × 980) = $1,051.967…, floored → realised ≈ +$41.87.
    const fill = oneEvent(s.order(a, eth, 'sell', 10 * UNIT), 'fill');
    const realised = fill.realisedPnl;
    expect(realised).toBe(fill.quote - 1_010_101_011);
    expect(realised).toBeGreaterThan(40 * USD);
    // Nobody has lost money into the PnL pool yet: the whole profit is unsettled, and none of it can leave.
    expect(s.m(eth).pnlPool).toBe(0);
    expect(s.m(eth).positions.pnl[a]).toBe(realised);
    expect(s.e.accounts.collateral[a]).toBe(200 * USD);
    s.rejects({ type: 'withdraw', account: a, amount: 200 * USD + 1 }, 'INSUFFICIENT_COLLATERAL');
    s.ok({ type: 'withdraw', account: a, amount: 200 * USD });
    // The pusher closes at a loss: its payment funds the pool, and A's claim settles from it.
    s.order(pusher, eth, 'sell', 20 * UNIT, { reduceOnly: true });
    const pool = s.m(eth).pnlPool;
    expect(pool).toBeGreaterThan(0);
    const settled = oneEvent(s.ok({ type: 'settlePnl', account: a, market: eth }), 'pnlSettled');
    expect(settled.amount).toBe(Math.min(realised, pool));
    s.ok({ type: 'withdraw', account: a, amount: settled.amount });
  });
});

describe('isolated positions', () => {
  it('are liquidated and made bankrupt on their own collateral; the cross collateral never moves', () => {
    const s = new Scenario();
    const eth = s.market('ETH', 100, 1_000, HAND);
    const a = s.account(10_000);
    const b = s.account(1_000);
    const arb = s.account(100_000);
    s.ok({ type: 'insuranceDeposit', amount: 5 * USD });
    s.ok({ type: 'setMarginMode', account: a, market: eth, isolated: true });
    s.ok({ type: 'transferIsolated', account: a, market: eth, amount: 111 * USD });
    s.oracle(eth, 100 * PRICE);
    s.order(a, eth, 'buy', 10 * UNIT); // isolated: $111 backing $1,010.10 of cost
    s.order(b, eth, 'sell', 10 * UNIT);
    const cross = s.e.accounts.collateral[a];
    expect(cross).toBe(9_889 * USD);
    // The price falls to $88 and an arbitrageur sells the curve down to it (65 units: 100 × (1,000/1,065)² = $88.17).
    s.at(1).oracle(eth, 88 * PRICE);
    s.order(arb, eth, 'sell', 45 * UNIT);
    s.order(arb, eth, 'sell', 20 * UNIT);
    const h = isolatedHealth(s.m(eth), a);
    expect(h.equityMaintenance).toBeLessThan(0); // 111 − 1,010.10 + 880 < 0
    const shorts = [b, arb];
    const owedBefore = shorts.reduce((t, x) => t + pendingFunding(s.m(eth), x), 0);
    expect(oneEvent(s.tick(), 'liquidationStarted')).toMatchObject({ account: a, market: eth });
    const ev = s.tick(); // window passed: the backstop sells all 10 units into the curve (~$87.5)
    const liq = eventsOf(ev, 'liquidation');
    expect(liq.reduce((t, x) => t + x.base, 0)).toBe(10 * UNIT);
    const bankrupt = oneEvent(ev, 'bankruptcy');
    expect(bankrupt.account).toBe(a);
    expect(bankrupt.insuranceCovered).toBe(5 * USD);
    expect(bankrupt.socialised).toBe(bankrupt.shortfall - 5 * USD);
    // The loss beyond the isolated $111 went to the insurance fund, then to the shorts (b and arb)...
    const owedAfter = shorts.reduce((t, x) => t + pendingFunding(s.m(eth), x), 0);
    expect(owedAfter - owedBefore).toBeCloseTo(bankrupt.socialised, 3);
    // ... and never to A's cross collateral.
    expect(s.e.accounts.collateral[a]).toBe(cross);
    expect(s.m(eth).positions.isolatedCollateral[a]).toBe(0);
    expect(s.m(eth).positions.pnl[a]).toBe(0);
    expect(
      eventsOf(ev, 'pnlSettled')
        .filter((x) => x.account === a)
        .every((x) => x.market === eth),
    ).toBe(true);
  });
});
