/**
 * Freshness: which requirement a portfolio account is held to, and when the
 * engine says it changed. The tick announces each flip of the source once
 * (portfolioFallback); the hot loop never lets a stale charge — or its cross
 * fallback — decide an order or a withdrawal that adds risk: it computes the
 * exact charge including the change. The pool's charges are the hot loop's,
 * bit for bit.
 */
import { describe, expect, it } from 'vitest';
import type { Command } from '../../core/commands.ts';
import { crossHealth } from '../../core/margin/health.ts';
import { chargeBatch, portfolioLoss } from '../../core/risk/portfolio.ts';
import { markPrices, positionRow, snapshotOf } from '../../core/risk/snapshot.ts';
import { eventsOf } from '../margin/helpers.ts';
import { correlatedSet, installSet, portfolioMode, twoMarkets, UNIT, USD, volatileSet } from './helpers.ts';

const fallbacks = (events: ReturnType<ReturnType<typeof twoMarkets>['tick']>) =>
  eventsOf(events, 'portfolioFallback').map((x) => [x.active, x.reason]);

describe('the tick announces each flip of the requirement source once', () => {
  it('no charge → a charge → stale → a pool result → a new scenario set', () => {
    const sc = twoMarkets();
    const a = sc.account(500);
    portfolioMode(sc, a);
    expect(fallbacks(sc.tick())).toEqual([[true, 'NO_CHARGE']]);
    expect(fallbacks(sc.tick())).toEqual([]);
    installSet(sc, correlatedSet());
    expect(fallbacks(sc.tick())).toEqual([]); // still no charge: nothing flipped
    sc.order(a, 0, 'buy', UNIT); // no charge in force: the order computed the exact one
    expect(fallbacks(sc.tick())).toEqual([[false, null]]);
    sc.at(15_000);
    expect(fallbacks(sc.tick())).toEqual([]); // 15 s old: still in force
    sc.at(1);
    expect(fallbacks(sc.tick())).toEqual([[true, 'STALE_CHARGE']]);
    const charge = Math.ceil(portfolioLoss(positionRow(sc.e, a), markPrices(sc.e), correlatedSet()));
    sc.ok({ type: 'portfolioMargin', version: 1, seqUsed: sc.e.seq, tsUsed: sc.ts, accounts: [a], charges: [charge] });
    expect(fallbacks(sc.tick())).toEqual([[false, null]]);
    installSet(sc, correlatedSet(2));
    expect(fallbacks(sc.tick())).toEqual([[true, 'SCENARIOS_CHANGED']]);
  });

  it('announces by account id, whatever order accounts switched in', () => {
    const sc = twoMarkets();
    const ids = [sc.account(1), sc.account(1), sc.account(1)];
    for (const a of [ids[2], ids[0], ids[1]]) portfolioMode(sc, a);
    expect(eventsOf(sc.tick(), 'portfolioFallback').map((x) => x.account)).toEqual(ids);
  });
});

describe('the hot loop', () => {
  it('checks an order that adds risk against the fresh portfolio requirement, not a stale charge’s cross fallback', () => {
    const sc = twoMarkets();
    installSet(sc, volatileSet());
    const a = sc.account(250);
    portfolioMode(sc, a);
    sc.order(a, 0, 'buy', 10 * UNIT); // charge $150, IM $187.50
    sc.at(60_000).tick(); // stale: held to cross (IM $100 for 10 A, $150 for 15 A)
    expect(crossHealth(sc.e, a).initialRequirement).toBe(100 * USD);
    // Cross would take 5 more A ($150 ≤ $250); the exact portfolio IM is 1.25 × $225.
    sc.rejects({ type: 'marketOrder', account: a, market: 0, side: 'buy', size: 5 * UNIT }, 'INSUFFICIENT_MARGIN');
    sc.order(a, 0, 'buy', UNIT); // 1.25 × $165 ≤ $250
    expect(sc.e.accounts.portfolioChargeTs[a]).toBe(sc.ts);
    expect(sc.e.accounts.portfolioCharge[a] / USD).toBeCloseTo(165, 3);
  });

  it('checks a withdrawal exactly: a stale charge neither blocks nor allows it', () => {
    const sc = twoMarkets();
    installSet(sc, correlatedSet());
    const hedged = sc.account(120);
    const naked = sc.account(300);
    portfolioMode(sc, hedged);
    portfolioMode(sc, naked);
    sc.order(hedged, 0, 'buy', 10 * UNIT);
    sc.order(hedged, 1, 'sell', 10 * UNIT);
    sc.order(naked, 0, 'buy', 10 * UNIT); // $60 charge, IM $75
    sc.at(60_000); // stale: cross IM $200 and $100
    sc.ok({ type: 'withdraw', account: hedged, amount: 90 * USD }); // portfolio IM ≈ $21.51 ≤ $30
    expect(sc.e.accounts.portfolioChargeTs[hedged]).toBe(sc.ts);
    // Cross would let `naked` keep $100 ($200 out); portfolio keeps $75, so $225 may go but not more.
    sc.rejects({ type: 'withdraw', account: naked, amount: 225 * USD + 1 }, 'INSUFFICIENT_MARGIN');
    sc.ok({ type: 'withdraw', account: naked, amount: 224 * USD });
  });

  it('raises a maker’s stored charge by the bound at a fill, never below the exact charge', () => {
    const sc = twoMarkets();
    installSet(sc, correlatedSet());
    const maker = sc.account(1_000);
    const taker = sc.account(1_000);
    portfolioMode(sc, maker);
    sc.ok({ type: 'placeOrder', account: maker, market: 0, side: 'buy', size: 5 * UNIT, price: 99_990_000 });
    const before = sc.e.accounts.portfolioCharge[maker];
    // The curve fills the taker down to the bid (≈ 50 A at 1,000,000 deep), then the bid fills.
    sc.ok({ type: 'marketOrder', account: taker, market: 0, side: 'sell', size: 60 * UNIT, worstPrice: 99_990_000 });
    expect(sc.e.markets[0].positions.base[maker]).toBe(5 * UNIT);
    expect(sc.e.accounts.positionSeq[maker]).toBe(sc.e.seq);
    const exact = portfolioLoss(positionRow(sc.e, maker), markPrices(sc.e), correlatedSet());
    const stored = sc.e.accounts.portfolioCharge[maker];
    expect(stored).toBeGreaterThan(before);
    expect(stored).toBeGreaterThanOrEqual(Math.ceil(exact));
    expect(stored).toBeLessThan(exact * 1.001 + 10);
  });

  it('stores exactly the charge the pool computes for the same positions and prices', () => {
    const sc = twoMarkets();
    const set = correlatedSet();
    installSet(sc, set);
    const a = sc.account(120);
    portfolioMode(sc, a);
    sc.order(a, 0, 'buy', 10 * UNIT);
    sc.order(a, 1, 'sell', 10 * UNIT); // the bound does not cover it: the exact charge is stored
    const snap = snapshotOf(sc.e, [a]);
    const charges = new Float64Array(1);
    chargeBatch(set, snap.positions, snap.prices, 0, 1, charges);
    expect(sc.e.accounts.portfolioCharge[a]).toBe(charges[0]);
  });

  it('never refuses what a reduce-only order rests, as cross margin does not; other resting orders are checked', () => {
    const sc = twoMarkets();
    installSet(sc, volatileSet());
    const a = sc.account(200);
    portfolioMode(sc, a);
    sc.order(a, 0, 'buy', 10 * UNIT);
    sc.at(1_000).oracle(0, 98 * 1_000_000); // equity ≈ $180 < IM 1.25 × $147, above MM $147
    sc.tick();
    const ask = {
      type: 'placeOrder',
      account: a,
      market: 0,
      side: 'sell',
      size: 5 * UNIT,
      price: 101_000_000,
    } as const;
    sc.rejects({ ...ask, clientId: 1 }, 'INSUFFICIENT_MARGIN');
    sc.ok({ ...ask, clientId: 2, reduceOnly: true });
  });

  it('charges open orders as lone positions in the initial requirement', () => {
    const sc = twoMarkets();
    installSet(sc, correlatedSet());
    const a = sc.account(100);
    portfolioMode(sc, a);
    // A resting bid for 10 A, valued at the mark: 1.25 × $60 = $75 ≤ $100; a second would make it $150.
    const bid = (clientId: number) =>
      ({
        type: 'placeOrder',
        account: a,
        market: 0,
        side: 'buy',
        size: 10 * UNIT,
        price: 90_000_000,
        clientId,
      }) as Command;
    sc.ok(bid(1));
    expect(crossHealth(sc.e, a).initialRequirement / USD).toBeCloseTo(75, 3);
    sc.rejects(bid(2), 'INSUFFICIENT_MARGIN');
  });
});
