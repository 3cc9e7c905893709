/**
 * The start-up warm-up (core/warmup.ts): its crash population puts exactly
 * the risky tenth under maintenance after the drop, the crash liquidates each
 * of them in the tick and leaves none below, and the warm-up reports those
 * liquidations.
 */
import { describe, expect, it } from 'vitest';
import { classicEvents } from '../../core/classic-events.ts';
import { belowMaintenance, crossHealth } from '../../core/margin/health.ts';
import { crashOracle, crashPopulation, warmLiquidationPath } from '../../core/warmup.ts';

describe('warm-up crash', () => {
  it('liquidates the risky tenth of the population in the tick, and nobody else', () => {
    const accounts = 2_000;
    const { e, ts } = crashPopulation(accounts, 0.1);
    expect(e.validateInvariants()).toEqual([]);
    const t = ts + 1_000;
    expect(e.apply(crashOracle(t), t).ok).toBe(true);
    const below: number[] = [];
    for (let a = 0; a < accounts; a++) if (belowMaintenance(crossHealth(e, a))) below.push(a);
    expect(below).toEqual(Array.from({ length: 200 }, (_, a) => a));
    const out = e.apply({ type: 'tick' }, t);
    if (!out.ok) throw new Error(out.code);
    const liquidated = classicEvents(out.events).flatMap((x) => (x.type === 'liquidation' ? [x.account] : []));
    expect(liquidated.sort((x, y) => x - y)).toEqual(below);
    for (let a = 0; a < accounts; a++) expect(belowMaintenance(crossHealth(e, a))).toBe(false);
    expect(e.validateInvariants()).toEqual([]);
    expect(warmLiquidationPath(2, accounts)).toBe(400);
  });
});
