/**
 * Engine defects found while writing the margin suites. Each test pins the
 * behaviour the design asks for with the smallest command sequence that
 * showed the defect; a failing test here is an open engine bug.
 */
import { describe, expect, it } from 'vitest';
import type { Command } from '../../core/commands.ts';
import { belowMaintenance, crossHealth } from '../../core/margin/health.ts';
import { eventsOf, PRICE, QUIET, Scenario, show, UNIT, USD } from './helpers.ts';

const HAND = { ...QUIET, basisEmaWindowMs: 7 * 86_400_000 };

describe('liquidation inside one tick', () => {
  /**
   * L (long, entry ≈ $112) and S (short, entry ≈ $94) are both below
   * maintenance at a mark of $104.12 that sits on the curve (median of oracle
   * $103, curve $104.12, oracle + basis $113.17). L is worse, so the backstop
   * sells L's long into the curve first; that moves the curve — and the mark —
   * down to $103.51, which lifts S, short, $6.45 above maintenance. S must
   * then be left alone. `topUp` puts S $0.10 under maintenance before the tick.
   */
  function twoSidedTick(topUp: number) {
    const s = new Scenario();
    const eth = s.market('ETH', 100, 1_000, {
      liquidatorWindowTicks: 0,
      volConfidenceE6: 500_000,
      volatilitySpreadScaleE6: 0,
      basisEmaWindowMs: 1_000,
    });
    const L = s.account(150);
    const S = s.account(120);
    const M = s.account(100_000);
    s.oracle(eth, 100 * PRICE);
    s.order(M, eth, 'sell', 25 * UNIT);
    s.at(1_000).oracle(eth, 95 * PRICE);
    s.order(S, eth, 'sell', 10 * UNIT);
    s.at(1_000).oracle(eth, 110 * PRICE);
    s.order(M, eth, 'buy', 50 * UNIT);
    s.order(M, eth, 'buy', 35 * UNIT);
    s.order(L, eth, 'buy', 10 * UNIT);
    s.at(1_000).oracle(eth, 103 * PRICE);
    s.order(M, eth, 'sell', 40 * UNIT, { reduceOnly: true });
    if (topUp > 0) s.ok({ type: 'deposit', account: S, amount: topUp });
    return { s, eth, L, S };
  }

  it('does not liquidate an account that an earlier backstop in the same tick lifted back above maintenance', () => {
    const probe = twoSidedTick(0);
    const hs = crossHealth(probe.s.e, probe.S);
    const topUp = Math.floor(hs.maintenanceRequirement - hs.equityMaintenance) - 100_000;
    const { s, eth, L, S } = twoSidedTick(topUp);
    expect(s.m(eth).markPrice).toBe(104_123_282);
    expect(belowMaintenance(crossHealth(s.e, L))).toBe(true);
    expect(belowMaintenance(crossHealth(s.e, S))).toBe(true);
    const out = s.e.apply({ type: 'tick' } as Command, s.ts);
    // The tick must be applied (at 1a7193c it threw "Cannot read properties of undefined (reading
    // 'market')" in liquidateAccount, and the whole tick was rolled back as INTERNAL_ERROR).
    expect(out.ok ? 'ok' : `${out.code}: ${out.message}`).toBe('ok');
    if (!out.ok) return;
    const liquidated = new Set(eventsOf(out.events, 'liquidation').map((x) => x.account));
    expect(liquidated.has(L)).toBe(true);
    // S was above maintenance when its turn came; a backstop must not close any of it (a version
    // that backstops on the health of the candidate pass closes 2.89 units and takes a penalty).
    expect(liquidated.has(S)).toBe(false);
    expect(s.m(eth).positions.base[S]).toBe(-10 * UNIT);
  });
});

describe('bankruptcy after a self-close', () => {
  /** A long 10 ETH on $111 (cross or isolated); the curve is then sold down to $89.8 with the oracle at $88. */
  function closedIntoDebt(isolated: boolean) {
    const s = new Scenario();
    const eth = s.market('ETH', 100, 1_000, HAND);
    const a = s.account(isolated ? 1_000 : 111);
    const arb = s.account(100_000);
    s.ok({ type: 'insuranceDeposit', amount: 100 * USD });
    if (isolated) {
      s.ok({ type: 'setMarginMode', account: a, market: eth, isolated: true });
      s.ok({ type: 'transferIsolated', account: a, market: eth, amount: 111 * USD });
    }
    s.oracle(eth, 100 * PRICE);
    s.order(a, eth, 'buy', 10 * UNIT); // cost $1,010.10
    s.at(1).oracle(eth, 88 * PRICE);
    s.order(arb, eth, 'sell', 45 * UNIT);
    s.order(arb, eth, 'sell', 20 * UNIT);
    // Before any tick sees it, A cuts its own risk: a reduce-only close is never refused, so it
    // realises 890.02 − 1,010.10 = −$120.08 against $111 of collateral: $9.08 of debt, flat.
    const insuranceBefore = s.e.insuranceFund;
    const closing = s.order(a, eth, 'sell', 10 * UNIT, { reduceOnly: true });
    expect(s.m(eth).positions.base[a]).toBe(0);
    return { s, eth, a, closing, insuranceBefore };
  }

  it('a cross account that closed itself into debt is made bankrupt by the next tick at the latest', () => {
    const { s, eth, a, closing, insuranceBefore } = closedIntoDebt(false);
    // The engine may resolve it in the closing trade itself (it does) or at the next tick.
    const ev = [...closing, ...s.tick(), ...s.tick()];
    expect(s.e.insuranceFund).toBe(insuranceBefore - 9_084_769);
    // The insurance fund ($100) covers the $9.08; the account's debt is cleared.
    const bankrupt = eventsOf(ev, 'bankruptcy');
    expect(bankrupt.map((x) => [x.account, x.shortfall, x.insuranceCovered])).toEqual([[a, 9_084_769, 9_084_769]]);
    expect(s.m(eth).positions.pnl[a]).toBe(0);
    expect(s.e.accounts.liquidationSince[a]).toBe(0);
  });

  it('an isolated position closed into debt is made bankrupt by the next tick at the latest, on its own', () => {
    const { s, eth, a, closing } = closedIntoDebt(true);
    const cross = s.e.accounts.collateral[a];
    const ev = [...closing, ...s.tick(), ...s.tick()];
    const bankrupt = eventsOf(ev, 'bankruptcy');
    expect(bankrupt.map((x) => [x.account, x.market, x.shortfall, x.insuranceCovered])).toEqual([
      [a, eth, 9_084_769, 9_084_769],
    ]);
    expect(s.m(eth).positions.pnl[a]).toBe(0);
    expect(s.e.accounts.collateral[a]).toBe(cross); // the cross collateral is not touched
  });
});

describe('bankruptcy with other collateral', () => {
  it('sells the bankrupt account’s other collateral before the insurance fund and other traders pay', () => {
    const s = new Scenario();
    const btc = s.market('BTC', 20_000, 1_000, HAND);
    const eth = s.market('ETH', 100, 100_000, HAND);
    s.ok({
      type: 'createAsset',
      symbol: 'BTC',
      priceMarket: btc,
      initialWeightE6: 800_000,
      maintenanceWeightE6: 900_000,
    });
    const a = s.account();
    s.ok({ type: 'deposit', account: a, asset: 1, amount: UNIT / 10 }); // 0.1 BTC = $2,000 ($1,800 at 90%)
    const b = s.account(100_000);
    const l = s.account(100_000);
    s.ok({ type: 'insuranceDeposit', amount: 10 * USD }); // a small fund: less than the BTC is worth
    s.oracle(btc, 20_000 * PRICE);
    s.oracle(eth, 100 * PRICE);
    s.order(a, eth, 'sell', 150 * UNIT); // short $15,000 on $1,600 of initial equity
    s.order(b, eth, 'buy', 150 * UNIT);
    s.at(1).oracle(btc, 20_000 * PRICE);
    s.oracle(eth, 111 * PRICE);
    // Loss at $111: 150 × $11 + $22.47 of entry slippage = $1,672.47, less than the BTC is worth
    // even at its 90% maintenance weight ($1,800). A is deep under water in maintenance terms
    // ($1,800 − $1,672.47 = $127.53 against $1,040.63), so the liquidator takes everything.
    const ev = s.ok({ type: 'liquidate', liquidator: l, account: a, market: eth, size: 150 * UNIT });
    const bankrupt = eventsOf(ev, 'bankruptcy');
    const passedOn = bankrupt.reduce((t, x) => t + x.insuranceCovered + x.socialised + x.feePoolCovered, 0);
    // A's own collateral covers its debt: neither the insurance fund nor the longs may pay any of it.
    // (The engine skips selling the BTC because the fund holds less than it is worth, then covers
    // the debt from the fund and socialises the rest, and A keeps its 0.1 BTC.)
    expect({ passedOn, btcLeft: s.e.accounts.balances[1][a], bankrupt: show(bankrupt) }).toMatchObject({ passedOn: 0 });
  });
});

describe('margin warnings', () => {
  it('warns a cross account by the warning buffer of the market it trades in, not market 0’s', () => {
    const s = new Scenario();
    s.market('BTC', 20_000, 1_000, { ...HAND, warningBufferE6: 0 });
    const eth = s.market('ETH', 100, 1_000, { ...HAND, warningBufferE6: 1_000_000 }); // warn below 2 × MM
    const a = s.account(120);
    const b = s.account(1_200);
    s.oracle(0, 20_000 * PRICE);
    s.oracle(eth, 100 * PRICE);
    s.order(a, eth, 'buy', 10 * UNIT);
    s.order(b, eth, 'sell', 10 * UNIT);
    s.at(1).oracle(eth, 97 * PRICE);
    // A: equity $120 − $1,010.10 + $970 = $79.90; MM 6.25% × $970 = $60.625; 2 × MM = $121.25.
    const h = crossHealth(s.e, a);
    expect(h.equityMaintenance).toBe(79_898_989);
    expect(h.maintenanceRequirement).toBe(60_625_000);
    const warned = eventsOf(s.tick(), 'marginWarning').map((x) => x.account);
    expect(warned).toContain(a);
  });
});

describe('backstop size', () => {
  it('restores maintenance + buffer even when the curve it sells into sits below the mark', () => {
    const s = new Scenario();
    const eth = s.market('ETH', 100, 1_000, { ...HAND, liquidatorWindowTicks: 0 });
    const a = s.account(111);
    const b = s.account(10_000);
    s.oracle(eth, 100 * PRICE);
    s.order(a, eth, 'buy', 10 * UNIT); // cost $1,010.101011, curve → $102.03
    s.order(b, eth, 'sell', 40 * UNIT); // curve → 100 × (1,000/1,030)² = $94.26
    s.at(1).oracle(eth, 95_500_000); // mark = median($95.50, $94.26, $95.50 + basis ≈ 0) = $95.50
    expect(s.m(eth).markPrice).toBe(95_500_000);
    // A: E = 111 − 1,010.101011 + 955 = $55.898989 < MM 6.25% × $955 = $59.6875.
    // closeSize: need = 59.6875 + 2% × 955 − 55.898989 = $22.888511
    //   → x = 22,888,511 × 1e9 / (95,500,000 × 7%) = 3,423,861,032.2 → ceil 3,423,861,033 base units,
    // sized as if the fill happened at the mark. The backstop sells them into the curve at ≈ $94.1,
    // ≈ $1.40 a unit below the mark: ≈ $4.8 more loss than closeSize allowed for.
    const ev = s.tick();
    const liq = eventsOf(ev, 'liquidation').filter((x) => x.account === a);
    expect(liq.length).toBeGreaterThan(0);
    expect(liq[0].price).toBeLessThan(95_500_000 - USD);
    const h = crossHealth(s.e, a);
    const target = h.maintenanceRequirement + 0.02 * h.notional;
    // The engine stops as soon as A is back above maintenance ($46.50 vs $39.25), $5.32 short of
    // maintenance + buffer ($51.81): the next small move liquidates A again, with another penalty.
    expect(h.equityMaintenance).toBeGreaterThanOrEqual(target - 5);
  });
});

describe('mark-to-market after a trade', () => {
  it('flags, at the next tick, an account that its own reduce-only trade left below maintenance while the mark stood still', () => {
    const s = new Scenario();
    const eth = s.market('ETH', 100, 4_000);
    const a = s.account(1_280);
    const mm = s.account(100_000);
    s.oracle(eth, 100 * PRICE);
    s.order(a, eth, 'buy', 100 * UNIT);
    s.order(mm, eth, 'sell', 150 * UNIT);
    s.order(mm, eth, 'sell', 150 * UNIT); // the curve is now $90.70, 9.3% under the oracle
    s.at(1_000).oracle(eth, 100 * PRICE); // mark = median($100, $90.70, $100 + basis) = $99.97
    expect(eventsOf(s.tick(), 'liquidationStarted')).toEqual([]);
    const mark = s.m(eth).markPrice;
    // A (equity $1,012.80 against MM $624.81) sells 90 of its 100 units into the curve at ≈ $88.7:
    // ≈ $11.3 a unit under the mark, $1,038.7 realised against a release of $562.3 of MM.
    s.order(a, eth, 'sell', 90 * UNIT, { reduceOnly: true });
    expect(s.m(eth).markPrice).toBe(mark); // the curve is the lowest of the three: the mark does not move
    const h = crossHealth(s.e, a);
    expect(h.equityMaintenance).toBeLessThan(0); // −$25.95 against MM $62.48: below maintenance
    // The mark did not move, so the tick does not scan the market, and A is neither warned nor watched.
    const ev = s.tick();
    expect(eventsOf(ev, 'liquidationStarted').map((x) => x.account)).toEqual([a]);
  });
  it('checks, at the next tick, a maker that a fill of its resting bid left below maintenance while the mark stood still', () => {
    // The curve sits above the oracle ($106.28 against $100), the mark at the median ($100.02).
    // A rests a bid at $105, under the curve's bid, so only a seller who first takes the curve down
    // fills it: A buys 100 units $4.98 above the mark and drops below maintenance. Nobody checks A's
    // health inside the fill; the threshold refresh after the command must queue A for the tick.
    const s = new Scenario();
    const eth = s.market('ETH', 100, 4_000);
    const mm = s.account(100_000);
    const t = s.account(100_000);
    s.oracle(eth, 100 * PRICE);
    s.order(mm, eth, 'buy', 60 * UNIT);
    s.order(mm, eth, 'buy', 60 * UNIT);
    s.at(1_000).oracle(eth, 100 * PRICE);
    expect(eventsOf(s.tick(), 'liquidationStarted')).toEqual([]);
    const a = s.account(1_100);
    s.ok({ type: 'placeOrder', account: a, market: eth, side: 'buy', size: 100 * UNIT, price: 105 * PRICE });
    const mark = s.m(eth).markPrice;
    const fills = eventsOf(s.order(t, eth, 'sell', 150 * UNIT), 'fill').filter((f) => f.account === a);
    expect(fills.map((f) => [f.role, f.base, f.price])).toEqual([['maker', 100 * UNIT, 105 * PRICE]]);
    expect(s.m(eth).markPrice).toBe(mark); // the curve stays the highest of the three: the mark does not move
    expect(belowMaintenance(crossHealth(s.e, a))).toBe(true);
    expect(eventsOf(s.tick(), 'liquidationStarted').map((x) => x.account)).toEqual([a]);
  });
  it('flags an account whose trade was checked at a mark that then returned to the last tick’s mark', () => {
    // The tick skips a market whose mark, ratio and funding equal what it last scanned at. Here the
    // mark leaves that value and comes back: A buys at a mark the buy itself lifts to $107.39 (its
    // threshold is refreshed there, healthy), then M sells the curve back under the oracle and the
    // mark, median(oracle, curve, oracle + basis), is the oracle again: exactly the last tick's $100,
    // where A is below maintenance. The market is not rescanned, so the refresh must have queued A
    // for an exact check against the mark the next tick compares with, not only the current one.
    const s = new Scenario();
    const eth = s.market('ETH', 100, 1_000, { ...QUIET, basisEmaWindowMs: 1_000, priceBandE6: 200_000 });
    const mm = s.account(100_000);
    const a = s.account(300);
    s.oracle(eth, 100 * PRICE);
    s.order(mm, eth, 'buy', 45 * UNIT);
    s.at(1_000).oracle(eth, 100 * PRICE); // basis EMA ≈ +$9.65: the curve above the oracle
    s.order(mm, eth, 'sell', 45 * UNIT);
    s.order(mm, eth, 'sell', 5 * UNIT); // the curve under the oracle: mark = oracle
    s.tick();
    const mark = s.m(eth).markPrice;
    expect(mark).toBe(100 * PRICE);
    s.order(a, eth, 'buy', 40 * UNIT);
    expect(s.m(eth).markPrice).toBeGreaterThan(107 * PRICE);
    expect(belowMaintenance(crossHealth(s.e, a))).toBe(false);
    s.order(mm, eth, 'sell', 40 * UNIT);
    expect(s.m(eth).markPrice).toBe(mark);
    expect(belowMaintenance(crossHealth(s.e, a))).toBe(true);
    const ev = s.tick();
    expect(eventsOf(ev, 'liquidationStarted').map((x) => x.account)).toEqual([a]);
    expect(s.e.accounts.liquidationSince[a]).not.toBe(0);
  });
});

describe('same-tick cascades', () => {
  it('flags, in the same tick, an account that another account’s backstop pushed below maintenance', () => {
    // L1 and L2 are both long 10 ETH; the mark ($104.12) sits on the curve (oracle $100, oracle +
    // basis $114.39). L1 is below maintenance; L2 has been topped up to $1 above it. The backstop
    // sells L1's long into the curve, the curve — and with it the mark — falls to $103.26, and L2
    // is now $7.08 under maintenance. With a liquidator window of 0, the design's "an account whose
    // equity falls below maintenance is flagged in that same tick" asks for L2 to be flagged (and
    // closed) now; the tick only evaluated its candidates before the first liquidation.
    function build(topUp: number) {
      const s = new Scenario();
      const eth = s.market('ETH', 100, 1_000, {
        ...QUIET,
        liquidatorWindowTicks: 0,
        volatilitySpreadScaleE6: 0,
        basisEmaWindowMs: 1_000,
      });
      // (L1 holds $126: the mark is clamped to oracle ± half the band, $109.20 when L1 buys.)
      const l1 = s.account(126);
      const l2 = s.account(150);
      const mm = s.account(100_000);
      s.oracle(eth, 100 * PRICE);
      s.order(mm, eth, 'buy', 45 * UNIT);
      s.at(1_000).oracle(eth, 104 * PRICE);
      s.order(l1, eth, 'buy', 10 * UNIT);
      s.order(l2, eth, 'buy', 10 * UNIT);
      s.at(1_000).oracle(eth, 100 * PRICE);
      s.order(mm, eth, 'sell', 45 * UNIT, { reduceOnly: true });
      if (topUp > 0) s.ok({ type: 'deposit', account: l2, amount: topUp });
      return { s, eth, l1, l2 };
    }
    const probe = build(0);
    const h = crossHealth(probe.s.e, probe.l2);
    const { s, eth, l1, l2 } = build(Math.ceil(h.maintenanceRequirement - h.equityMaintenance) + USD);
    expect(s.m(eth).markPrice).toBe(104_123_282);
    expect(belowMaintenance(crossHealth(s.e, l1))).toBe(true);
    expect(belowMaintenance(crossHealth(s.e, l2))).toBe(false);
    const ev = s.tick();
    expect(eventsOf(ev, 'liquidation').some((x) => x.account === l1)).toBe(true);
    // L1's backstop moved the mark down far enough to put L2 under: flagged (and, window 0, closed) now.
    expect(s.m(eth).markPrice).toBeLessThan(104_123_282);
    expect(eventsOf(ev, 'liquidationStarted').map((x) => x.account)).toContain(l2);
    expect(belowMaintenance(crossHealth(s.e, l2))).toBe(false);
  });
});

describe('arbitrage back toward the oracle', () => {
  it('accepts a trade that moves a curve lying outside the price band toward the oracle', () => {
    // An oracle gap (or a backstop) can leave the curve far from the oracle (the crash replay saw
    // it 52% under at 1a7193c). A trade that brings it closer must be allowed, or nothing but the
    // hourly repeg (1% a step) can bring it back.
    const s = new Scenario();
    const eth = s.market('ETH', 100, 1_000, { oracleMaxJumpE6: 1_000_000 });
    const arb = s.account(100_000);
    s.oracle(eth, 100 * PRICE);
    s.at(1_000).oracle(eth, 125 * PRICE); // the curve ($100) is 20% under the oracle, the band is 10%
    // The largest fill (5% of the reserve, 50 units) lifts the curve to 100 × (1,000/950)² = $110.80:
    // 11.4% under the oracle, closer than before but still outside the band.
    s.ok({ type: 'marketOrder', account: arb, market: eth, side: 'buy', size: 50 * UNIT });
  });
});
