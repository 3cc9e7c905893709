/**
 * Liquidation by the portfolio requirement. A hedge (long 10 A, short 10 B,
 * correlatedSet) backed by $30 is far below cross maintenance ($125) but
 * above its portfolio maintenance (≈ $17.21): it is left alone, even when its
 * charge goes stale (the tick prices a distressed portfolio account exactly
 * before it decides). Once the legs diverge past the portfolio maintenance
 * it is liquidated, by the backstop or by a liquidator. The backstop closes
 * both legs by the same fraction and stops at portfolio maintenance + buffer
 * — when the penalty on what it closes is below the requirement that closing
 * releases (a 0.25% penalty here; the default 1.25% is more than this tight
 * hedge's whole maintenance per unit of notional, so it would close it all).
 */
import { describe, expect, it } from 'vitest';
import { crossHealth } from '../../core/margin/health.ts';
import { eventsOf, oneEvent } from '../margin/helpers.ts';
import {
  correlatedSet,
  installSet,
  PRICE,
  portfolioMode,
  portfolioViolations,
  twoMarkets,
  UNIT,
  USD,
} from './helpers.ts';

function thinHedge() {
  const sc = twoMarkets({ liquidationPenaltyE6: 2_500 });
  installSet(sc, correlatedSet());
  const a = sc.account(120);
  portfolioMode(sc, a);
  sc.order(a, 0, 'buy', 10 * UNIT);
  sc.order(a, 1, 'sell', 10 * UNIT);
  sc.ok({ type: 'withdraw', account: a, amount: 90 * USD }); // ≈ $30 left; IM ≈ $21.51
  const liquidator = sc.account(100_000);
  return { sc, a, liquidator };
}

describe('a thin hedge on portfolio margin', () => {
  it('is left alone while it meets its portfolio maintenance, even on a stale charge', () => {
    const { sc, a } = thinHedge();
    sc.at(1_000).oracle(0, 99 * PRICE);
    sc.oracle(1, 99 * PRICE); // both legs −1%: the hedge holds
    expect(sc.tick()).toEqual([]);
    sc.at(60_000);
    const events = sc.tick();
    // The charge aged out (announced), the account is below cross maintenance, and priced exactly it is fine.
    expect(eventsOf(events, 'portfolioFallback')).toEqual([
      { type: 'portfolioFallback', account: a, active: true, reason: 'STALE_CHARGE' },
    ]);
    expect(eventsOf(events, 'liquidationStarted')).toEqual([]);
    expect(sc.e.accounts.portfolioChargeTs[a]).toBe(sc.ts);
    expect(eventsOf(sc.tick(), 'portfolioFallback')).toMatchObject([{ active: false }]);
    expect(portfolioViolations(sc.e)).toEqual([]);
  });

  it('is liquidated by the backstop with its portfolio maintenance once the legs diverge, and not closed out', () => {
    const { sc, a } = thinHedge();
    sc.at(1_000).oracle(0, 98.5 * PRICE); // long A −$15: equity ≈ $15 < ≈ $17.2
    const started = oneEvent(sc.tick(), 'liquidationStarted');
    expect(started.account).toBe(a);
    expect(started.maintenance / USD).toBeGreaterThan(12);
    expect(started.maintenance / USD).toBeLessThan(25); // cross maintenance would be ≈ $124
    const closed = eventsOf(sc.at(1).tick(), 'liquidation');
    expect(closed.length).toBeGreaterThan(0);
    expect(closed.every((x) => x.liquidator === -1)).toBe(true);
    // Both legs cut by the same share, and most of the hedge kept: the backstop stopped at the target.
    const left = sc.e.markets.map((m) => m.positions.base[a] / UNIT);
    expect(left[0]).toBeGreaterThan(3);
    expect(left[0]).toBeLessThan(10);
    expect(left[1]).toBeCloseTo(-left[0], 1);
    const h = crossHealth(sc.e, a);
    expect(Math.floor(h.equityMaintenance)).toBeGreaterThanOrEqual(Math.ceil(h.maintenanceRequirement));
    expect(portfolioViolations(sc.e)).toEqual([]);
  });

  it('is open to a liquidator only below its portfolio maintenance, priced exactly', () => {
    const { sc, a, liquidator } = thinHedge();
    const take = { type: 'liquidate', liquidator, account: a, market: 0, size: 10 * UNIT };
    sc.rejects(take, 'ACCOUNT_HEALTHY'); // below cross maintenance, above portfolio
    sc.at(1_000).oracle(0, 98.5 * PRICE);
    const ev = sc.ok(take);
    const liq = oneEvent(ev, 'liquidation');
    expect(liq.liquidator).toBe(liquidator);
    expect(liq.base).toBeLessThan(10 * UNIT); // only what restores maintenance + buffer
  });
});
