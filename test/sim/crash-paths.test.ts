/**
 * With the default market parameters, on every shipped crash path: bad debt
 * stays within the insurance fund, nothing is socialised, the engine's
 * invariants hold throughout, and the Mango-style attacker ends with a loss
 * after the engine refused its withdrawals against unrealised profit.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { CRASH_SCENARIOS, findScenario } from '../../sim/scenarios.ts';
import { type SimResult, simulate } from '../../sim/simulate.ts';

const SEED = 1;
/** Invariants are checked this often during the run, and at the end. */
const INVARIANTS_EVERY_STEPS = 500;

describe.each(CRASH_SCENARIOS)('crash path %s with the default parameters', (name) => {
  let r: SimResult;
  beforeAll(() => {
    r = simulate(findScenario(name), { seed: SEED, invariantsEverySteps: INVARIANTS_EVERY_STEPS });
  });

  it('keeps bad debt within the insurance fund and socialises nothing', () => {
    const s = r.summary;
    expect(s.badDebtUsd, `seed ${SEED}`).toBeLessThanOrEqual(s.insuranceFund.startUsd);
    expect(s.socialisedLossUsd, `seed ${SEED}`).toBe(0);
    expect(s.feePoolCoveredUsd, `seed ${SEED}`).toBe(0);
    expect(s.insuranceFund.minUsd).toBeGreaterThan(0);
  });

  it('ends with the engine invariants intact', () => {
    expect(r.summary.invariantViolations).toEqual([]);
  });

  it('liquidates: the crash actually stressed the population', () => {
    expect(r.summary.liquidations.count).toBeGreaterThan(0);
  });

  it('makes the Mango-style attacker lose, its profit-backed withdrawals refused', () => {
    const a = r.summary.attacker;
    expect(a).not.toBeNull();
    if (a === null) return;
    expect(a.phase).toBe('done');
    expect(a.peakMarkProfitUsd).toBeGreaterThan(0);
    expect(a.blockedByLossesOnlyRule, `seed ${SEED}`).toBeGreaterThan(0);
    expect(a.pnlUsd, `seed ${SEED}`).toBeLessThan(0);
  });
});
