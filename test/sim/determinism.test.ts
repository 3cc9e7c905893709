/**
 * The simulator is a pure function of scenario and seed: the same seed
 * prints the same summary to the byte, a different seed a different run,
 * and replaying the run's journal into a fresh engine reproduces its state.
 */
import { describe, expect, it } from 'vitest';
import { Engine } from '../../core/engine.ts';
import { findScenario } from '../../sim/scenarios.ts';
import { simulate } from '../../sim/simulate.ts';

const SCENARIO = 'ftx-2022';
const STEPS = 1_500;

describe('simulator determinism', () => {
  it('prints the same summary, byte for byte, for the same seed', () => {
    const a = JSON.stringify(simulate(findScenario(SCENARIO), { seed: 7, maxSteps: STEPS }).summary);
    const b = JSON.stringify(simulate(findScenario(SCENARIO), { seed: 7, maxSteps: STEPS }).summary);
    expect(b).toBe(a);
  });

  it('gives a different run for a different seed', () => {
    const a = simulate(findScenario(SCENARIO), { seed: 7, maxSteps: STEPS }).summary;
    const b = simulate(findScenario(SCENARIO), { seed: 8, maxSteps: STEPS }).summary;
    expect(b.stateHash).not.toBe(a.stateHash);
  });

  it('leaves a journal whose replay through Engine.apply reproduces the state hash', () => {
    const r = simulate(findScenario(SCENARIO), { seed: 7, maxSteps: STEPS, journal: true });
    const journal = r.turns.journal ?? [];
    expect(journal.length).toBe(r.summary.commands);
    const e = new Engine();
    for (const { cmd, ts } of journal) e.apply(cmd, ts);
    expect(e.stateHash()).toBe(r.summary.stateHash);
  });
});
