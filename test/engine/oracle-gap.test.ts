/**
 * After an oracle gap larger than the price band (the simulator's
 * black-thursday reproduction): arbitrage toward the oracle is never
 * refused, the mark does not stay with the stale curve, and the liquidation
 * backstop never pushes the curve beyond the band.
 */
import { describe, expect, it } from 'vitest';
import { classicEvents } from '../../core/classic-events.ts';
import type { Command } from '../../core/commands.ts';
import { Engine } from '../../core/engine.ts';
import { curvePriceE6 } from '../../vamm/curve.ts';

const BAND_E6 = 100_000; // the default 10%

function gapped(): { e: Engine; ts: number } {
  const e = new Engine();
  let ts = 1_000_000;
  const must = (c: Command) => {
    const r = e.apply(c, ts);
    if (!r.ok) throw new Error(`${c.type}: ${r.code} ${r.message}`);
  };
  must({ type: 'createMarket', symbol: 'X-PERP', initialPrice: 100_000_000, baseReserve: 1_000_000_000_000 });
  must({ type: 'oracle', market: 0, source: 0, price: 100_000_000, confidence: 10_000, publishTs: ts });
  for (let a = 0; a < 3; a++) {
    must({ type: 'createAccount' });
    must({ type: 'deposit', account: a, amount: 1_000_000_000_000 });
  }
  // A gap of −18% well after the last update: the jump guard's EMA has caught up, no jump fires.
  ts += 900_000;
  must({ type: 'oracle', market: 0, source: 0, price: 82_000_000, confidence: 10_000, publishTs: ts });
  return { e, ts };
}

describe('an oracle gap beyond the price band', () => {
  it('lets a sell that moves the curve toward the oracle through, even when it ends outside the band', () => {
    const { e, ts } = gapped();
    const before = curvePriceE6(e.markets[0]);
    const r = e.apply({ type: 'marketOrder', account: 0, market: 0, side: 'sell', size: 10_000_000_000 }, ts);
    expect(r.ok ? 'ok' : r.code).toBe('ok');
    const after = curvePriceE6(e.markets[0]);
    expect(after).toBeLessThan(before);
    expect(Math.abs(after - 82_000_000) / 82_000_000).toBeGreaterThan(BAND_E6 / 1e6); // still outside: the rule is "toward"
  });

  it('refuses a buy that moves the out-of-band curve further from the oracle', () => {
    const { e, ts } = gapped();
    const r = e.apply({ type: 'marketOrder', account: 0, market: 0, side: 'buy', size: 1_000_000_000 }, ts);
    expect(r.ok ? 'ok' : r.code).toBe('PRICE_BAND');
  });

  it('keeps the mark within half the band of the oracle while the curve is stale', () => {
    const { e } = gapped();
    const m = e.markets[0];
    expect(curvePriceE6(m)).toBeCloseTo(100_000_000, -3);
    expect(m.markPrice).toBeGreaterThanOrEqual(82_000_000 * (1 - BAND_E6 / 2e6) - 1);
    expect(m.markPrice).toBeLessThanOrEqual(82_000_000 * (1 + BAND_E6 / 2e6) + 1);
  });

  it('lets the backstop close a long only as far as the band edge below the oracle', () => {
    const e = new Engine();
    let ts = 1_000_000;
    const ap = (c: Command) => e.apply(c, ts);
    // A wide band to open a position large for the curve; the default band is restored before the crash.
    ap({
      type: 'createMarket',
      symbol: 'X-PERP',
      initialPrice: 100_000_000,
      baseReserve: 1_000_000_000_000,
      params: { liquidatorWindowTicks: 0, maxFillFractionE6: 500_000, priceBandE6: 1_000_000 },
    });
    ap({ type: 'oracle', market: 0, source: 0, price: 100_000_000, confidence: 10_000, publishTs: ts });
    ap({ type: 'createAccount' });
    ap({ type: 'createAccount' });
    ap({ type: 'deposit', account: 0, amount: 2_500_000_000 });
    ap({ type: 'deposit', account: 1, amount: 1_000_000_000_000 });
    // 100 units long on a 1,000-unit curve (the curve rises to ~$123).
    expect(ap({ type: 'marketOrder', account: 0, market: 0, side: 'buy', size: 100_000_000_000 }).ok).toBe(true);
    expect(ap({ type: 'updateMarket', market: 0, params: { priceBandE6: BAND_E6 } }).ok).toBe(true);
    ts += 900_000;
    ap({ type: 'oracle', market: 0, source: 0, price: 80_000_000, confidence: 10_000, publishTs: ts });
    // An arbitrageur sells the curve down to the new oracle (toward it: allowed though out of band).
    const arb = ap({
      type: 'marketOrder',
      account: 1,
      market: 0,
      side: 'sell',
      size: 500_000_000_000,
      worstPrice: 80_000_000,
    });
    expect(arb.ok ? 'ok' : arb.code).toBe('ok');
    // Closing 100 units from ~$80 would take the curve to ~$56: below the band edge at $72.
    const r = ap({ type: 'tick' });
    expect(r.ok).toBe(true);
    expect(r.ok && classicEvents(r.events).some((x) => x.type === 'liquidation')).toBe(true);
    const lowerEdge = 80_000_000 * (1 - BAND_E6 / 1e6);
    expect(curvePriceE6(e.markets[0])).toBeGreaterThanOrEqual(lowerEdge - 1);
    expect(e.markets[0].positions.base[0]).toBeGreaterThan(0); // the rest waits: no fire sale past the band
    expect(e.validateInvariants()).toEqual([]);
  });
});
