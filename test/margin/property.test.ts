/**
 * Property tests of the margin engine over random command streams with
 * violent price paths (stream.ts describes the streams and the checks).
 * Each property enables one category of check, so each fails for one reason;
 * the others are counted and printed. Reproduce a failure with FC_SEED=<seed>.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fcSeed } from './helpers.ts';
import { addStats, type Category, emptyStats, setupArb, stepArb, World } from './stream.ts';

const seed = fcSeed();

const NUM_RUNS = 60;
const STEPS = 300;

/** Each property draws its own streams: seed + offset (FC_SEED=<printed seed> reproduces all of them). */
function property(mode: 'strict' | 'loose' | 'mixed', check: Category, offset: number) {
  const total = emptyStats();
  const run = fc.check(
    fc.property(setupArb(mode), fc.array(stepArb, { minLength: STEPS, maxLength: STEPS }), (setup, steps) => {
      const w = new World(setup, check);
      w.run(steps);
      addStats(total, w.stats);
    }),
    // Shrinking 240-step streams is slow: opt in with FC_SHRINK=1.
    { seed: seed + offset, numRuns: NUM_RUNS, endOnFailure: process.env.FC_SHRINK === undefined },
  );
  console.log(`${mode} ${check}`, JSON.stringify(total));
  if (run.failed) {
    // The stream itself is long; the seed, the path and the engine's own message say enough.
    const cause = run.errorInstance instanceof Error ? run.errorInstance.message : String(run.errorInstance);
    throw new Error(
      `${mode} ${check}: failed on run ${run.numRuns} (FC_SEED=${seed}, property seed ${run.seed}, path "${run.counterexamplePath}")\n${cause}`,
    );
  }
  return total;
}

describe('margin engine under random command streams with violent price paths', () => {
  it('keeps every invariant after every command, and a rejection changes nothing', () => {
    const total = property('mixed', 'ledger', 0);
    expect(total.ticks).toBeGreaterThan(NUM_RUNS * 20);
    expect(total.takeovers + total.backstops).toBeGreaterThan(0);
  });

  it('moves the insurance fund exactly by penalties, bankruptcies and deposits; insurance pays before socialising', () => {
    const total = property('mixed', 'insurance', 1);
    expect(total.bankruptcies).toBeGreaterThan(0);
  });

  it('leaves every liquidated unit at maintenance + buffer, or its position closed', () => {
    property('mixed', 'restore', 2);
  });

  it('leaves no account below maintenance after a tick, except inside its window or when max fill, a stale oracle or the band limited it', () => {
    property('loose', 'maintenance', 3);
  });

  it('with liquidatorWindowTicks 0, a 50% max fill and a 100% band, leaves no account below maintenance after any tick', () => {
    property('strict', 'maintenance', 4);
  });
});
