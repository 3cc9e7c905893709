/**
 * Model-based property test of the engine: random streams mixing every
 * command type (valid, borderline and malformed) against 2–3 live markets and
 * funded accounts. After every command: the engine's invariants hold
 * (exact conservation included), a rejection changed nothing and carries a
 * known code, and the engine agrees with a small reference model (see
 * Harness in harness.ts). Reproduce a failure with FC_SEED=<seed>.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addStats, emptyStats, Harness, runArb } from './harness.ts';

const seed = Number(process.env.FC_SEED ?? Date.now() % 2 ** 31);
console.log('fast-check seed', seed);

const NUM_RUNS = 25;
const COMMANDS_PER_RUN = 600;

describe('engine under random command streams', () => {
  it('keeps its invariants, rejects without side effects and agrees with the model after every command', () => {
    const total = emptyStats();
    fc.assert(
      fc.property(runArb(COMMANDS_PER_RUN), ([setup, steps]) => {
        const h = new Harness(setup);
        for (const [i, s] of steps.entries()) h.step(s, i);
        addStats(total, h.stats);
      }),
      { seed, numRuns: NUM_RUNS },
    );
    console.log('property totals', JSON.stringify(total));
    // The streams must exercise the engine, not just its rejections.
    expect(total.commands).toBeGreaterThanOrEqual(NUM_RUNS * COMMANDS_PER_RUN);
    expect(total.fills).toBeGreaterThan(total.orders / 5);
    expect(total.fundings).toBeGreaterThan(0);
  }, 300_000);
});
