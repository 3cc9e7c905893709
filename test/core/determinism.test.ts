/**
 * Determinism: the same command log always produces the same state, hash by
 * hash, and a snapshot restored at any point continues exactly like the
 * engine it was taken from. Logs come from the same random streams as the
 * property test (harness.ts). Reproduce a failure with FC_SEED=<seed>.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classicEvents } from '../../core/classic-events.ts';
import type { Command } from '../../core/commands.ts';
import { Engine, type Outcome } from '../../core/engine.ts';
import { restoreEngine, takeSnapshot } from '../../core/snapshot.ts';
import { Harness, runArb, type Setup, type Step } from './harness.ts';
import { show } from './helpers.ts';

const seed = Number(process.env.FC_SEED ?? Date.now() % 2 ** 31);
console.log('fast-check seed', seed);

const NUM_RUNS = 10;
const COMMANDS_PER_RUN = 600;

type Log = Harness['log'];

function generate(setup: Setup, steps: Step[]): Harness {
  const h = new Harness(setup);
  for (const [i, s] of steps.entries()) h.step(s, i);
  return h;
}

/** The parts of an outcome that must replay identically (seq included). */
function comparable(o: Outcome): unknown {
  return o.ok ? { ok: true, seq: o.seq, events: classicEvents(o.events) } : { ok: false, seq: o.seq, code: o.code };
}

/** Apply log[from, to) to `e`, checking the hash and the outcome of every command against the original run. */
function replayChecked(e: Engine, log: Log, hashes: readonly string[], from: number, to: number, who: string): void {
  for (let i = from; i < to; i++) {
    const { cmd, ts, outcome } = log[i];
    const out = e.apply(cmd as Command, ts);
    const hash = e.stateHash();
    if (hash !== hashes[i]) throw new Error(`${who}: state hash diverged at command ${i}: ${show(cmd)} at ts ${ts}`);
    expect(comparable(out), `${who}: outcome of command ${i} ${show(cmd)}`).toEqual(comparable(outcome));
  }
}

const logArb = runArb(COMMANDS_PER_RUN);

describe('determinism', () => {
  it('two engines fed the same command log have the same state hash and outcomes after every command', () => {
    fc.assert(
      fc.property(logArb, ([setup, steps]) => {
        const original = generate(setup, steps);
        const twin = new Engine();
        replayChecked(twin, original.log, original.hashes, 0, original.log.length, 'twin');
        expect(twin.seq).toBe(original.e.seq);
        expect(twin.lastTs).toBe(original.e.lastTs);
      }),
      { seed, numRuns: NUM_RUNS },
    );
  }, 120_000);

  it('a snapshot taken at any point, restored and continued, matches straight replay hash by hash', () => {
    fc.assert(
      fc.property(logArb, fc.double({ min: 0, max: 1, noNaN: true }), ([setup, steps], at) => {
        const original = generate(setup, steps);
        const { log, hashes } = original;
        const cut = Math.floor(at * log.length);
        const source = new Engine();
        replayChecked(source, log, hashes, 0, cut, 'source');
        // A deep copy shares nothing with the engine it came from (as after a write to disk).
        const snapshot = structuredClone(takeSnapshot(source));
        const restored = restoreEngine(snapshot);
        if (cut > 0) expect(restored.stateHash()).toBe(hashes[cut - 1]);
        expect(restored.seq).toBe(source.seq);
        expect(restored.lastTs).toBe(source.lastTs);
        expect(restored.validateInvariants()).toEqual([]);
        replayChecked(restored, log, hashes, cut, log.length, `restored at ${cut}`);
        // Taking the snapshot did not disturb the engine it was taken from.
        replayChecked(source, log, hashes, cut, log.length, 'source after the snapshot');
      }),
      { seed, numRuns: NUM_RUNS },
    );
  }, 120_000);

  it('restoring a snapshot whose contents do not match its recorded hash throws', () => {
    const [[setup, steps]] = fc.sample(logArb, { seed, numRuns: 1 });
    const { e } = generate(setup, steps.slice(0, 100));
    const snapshot = takeSnapshot(e);
    expect(restoreEngine(structuredClone(snapshot)).stateHash()).toBe(e.stateHash());
    const tampered = structuredClone(snapshot);
    const collateral = tampered.columns.get('collateral');
    if (collateral === undefined) throw new Error('snapshot has no collateral column');
    collateral[0] += 1;
    expect(() => restoreEngine(tampered)).toThrow(/hash/);
  });
});
