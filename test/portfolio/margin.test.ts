/**
 * Portfolio margin through the engine, by hand. Markets A and B at $100
 * (marks stay at the oracle: no fees, no spread, deep curves), cross IM 10%
 * and MM 6.25%, portfolio floor 10%, initial multiplier 1.25.
 *
 * Hedge (correlatedSet, ρ = 3/√10): long 10 A, short 10 B = ±$1,000.
 *   charge = $1,000 · (R_A + R_B) · √((1 − ρ)/2) ≈ $17.209 (grid principal 2;
 *   the history's worst is 1%)
 *   cross:      IM $200, MM $125
 *   portfolio:  IM max(17.209 · 1.25, 10% · 200) ≈ $21.51, MM max(17.209, 12.5)
 * Unhedged (volatileSet, σ_A = 5%, ρ = 0): long 10 A = $1,000.
 *   charge = $1,000 · 15% = $150 (grid conditional A) > cross MM $62.50
 * Perfect hedge (identicalSet, ρ = 1): the charge is ~0, the floor binds:
 *   MM = 10% · $125 = $12.50, IM = 10% · $200 = $20.
 */
import { describe, expect, it } from 'vitest';
import { crossHealth, crossMarginHealth } from '../../core/margin/health.ts';
import { portfolioLoss } from '../../core/risk/portfolio.ts';
import { markPrices, positionRow } from '../../core/risk/snapshot.ts';
import { naiveCharge } from '../risk/fixtures.ts';
import {
  correlatedSet,
  identicalSet,
  installSet,
  portfolioMode,
  portfolioViolations,
  twoMarkets,
  UNIT,
  USD,
  volatileSet,
} from './helpers.ts';

const RHO = 3 / Math.sqrt(10);
const R_A = 0.06;
const R_B = 3 * Math.sqrt(0.00025);
const HEDGE_CHARGE = 1_000 * USD * (R_A + R_B) * Math.sqrt((1 - RHO) / 2);

describe('a long and a short in two highly correlated markets', () => {
  it('needs clearly less initial margin than cross: the hedge leg cross refuses is accepted', () => {
    const sc = twoMarkets();
    installSet(sc, correlatedSet());
    const cross = sc.account(120);
    const pm = sc.account(120);
    portfolioMode(sc, pm);
    // Cross: the first leg needs $100 of IM, the pair $200 > $120.
    sc.order(cross, 0, 'buy', 10 * UNIT);
    sc.rejects(
      { type: 'marketOrder', account: cross, market: 1, side: 'sell', size: 10 * UNIT },
      'INSUFFICIENT_MARGIN',
    );
    // Portfolio: the first leg needs 1.25 × $60, the pair ≈ $21.51.
    sc.order(pm, 0, 'buy', 10 * UNIT);
    sc.order(pm, 1, 'sell', 10 * UNIT);
    expect(portfolioViolations(sc.e)).toEqual([]);

    // The O(1) bound (≈ $107 × 1.25) did not cover $120: the exact charge was computed and stored.
    const stored = sc.e.accounts.portfolioCharge[pm];
    expect(stored).toBe(Math.ceil(HEDGE_CHARGE));
    expect(stored / USD).toBeCloseTo(17.209, 3);
    expect(sc.e.accounts.portfolioChargeTs[pm]).toBe(sc.ts);
    const h = crossHealth(sc.e, pm);
    const c = crossMarginHealth(sc.e, pm);
    expect(c.initialRequirement).toBe(200 * USD);
    expect(c.maintenanceRequirement).toBe(125 * USD);
    expect(h.maintenanceRequirement).toBe(Math.ceil(HEDGE_CHARGE));
    expect(h.initialRequirement).toBe(Math.ceil(stored * 1.25));
    expect(h.initialRequirement / USD).toBeCloseTo(21.51, 2);
    expect(h.initialRequirement).toBeLessThan(c.initialRequirement / 9);
    // The tick keeps the hedge on portfolio margin: no liquidation, no fallback.
    expect(sc.tick()).toEqual([]);
  });

  it('refuses cutting the short leg of a hedge when that adds risk the collateral cannot carry', () => {
    const sc = twoMarkets();
    installSet(sc, correlatedSet());
    const pm = sc.account(70);
    portfolioMode(sc, pm);
    sc.order(pm, 1, 'sell', 10 * UNIT); // the short first: 1.25 × $47.43 ≈ $59.29 ≤ $70
    sc.order(pm, 0, 'buy', 10 * UNIT); // then the long: the pair ≈ $21.51
    // Buying B back reduces a position, but leaves a lone long A: 1.25 × $60 = $75 > $70.
    sc.rejects({ type: 'marketOrder', account: pm, market: 1, side: 'buy', size: 10 * UNIT }, 'INSUFFICIENT_MARGIN');
    // Selling A back also reduces a position and leaves a lone short B (≈ $59.29): it lowers the charge.
    sc.order(pm, 0, 'sell', 10 * UNIT);
    expect(sc.e.accounts.portfolioCharge[pm] / USD).toBeCloseTo(47.434, 2);
  });
});

describe('an unhedged position', () => {
  it('needs at least its scenario loss, even where that is above cross margin', () => {
    const sc = twoMarkets();
    installSet(sc, volatileSet());
    const cross = sc.account(130);
    const poor = sc.account(130);
    const rich = sc.account(200);
    portfolioMode(sc, poor);
    portfolioMode(sc, rich);
    sc.order(cross, 0, 'buy', 10 * UNIT); // cross IM $100
    // Portfolio IM is 1.25 × $150 = $187.50.
    sc.rejects({ type: 'marketOrder', account: poor, market: 0, side: 'buy', size: 10 * UNIT }, 'INSUFFICIENT_MARGIN');
    sc.order(rich, 0, 'buy', 10 * UNIT);
    const row = positionRow(sc.e, rich);
    const loss = naiveCharge(volatileSet(), row, markPrices(sc.e));
    expect(loss / USD).toBeCloseTo(150, 6);
    expect(portfolioLoss(row, markPrices(sc.e), volatileSet())).toBe(loss);
    const h = crossHealth(sc.e, rich);
    expect(h.maintenanceRequirement).toBeGreaterThanOrEqual(Math.ceil(loss));
    expect(h.maintenanceRequirement).toBeGreaterThan(crossMarginHealth(sc.e, rich).maintenanceRequirement);
    expect(h.initialRequirement).toBeGreaterThanOrEqual(Math.ceil(loss * 1.25));
  });
});

describe('a perfect hedge', () => {
  it('costs the floor: 10% of the cross requirements', () => {
    const sc = twoMarkets();
    installSet(sc, identicalSet());
    const pm = sc.account(120);
    portfolioMode(sc, pm);
    sc.order(pm, 0, 'buy', 10 * UNIT);
    sc.order(pm, 1, 'sell', 10 * UNIT);
    // Force the exact charge (the stored one is the O(1) bound): a withdrawal checks it exactly.
    sc.ok({ type: 'withdraw', account: pm, amount: 90 * USD });
    expect(sc.e.accounts.portfolioCharge[pm]).toBeLessThanOrEqual(1);
    const h = crossHealth(sc.e, pm);
    expect(h.maintenanceRequirement).toBe(12.5 * USD);
    expect(h.initialRequirement).toBe(20 * USD);
    sc.rejects({ type: 'withdraw', account: pm, amount: 10.01 * USD }, 'INSUFFICIENT_MARGIN');
  });
});
