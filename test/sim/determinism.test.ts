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

  it('runs the same with and without a journal (the oracle commands are reused only without one)', () => {
    const plain = simulate(findScenario(SCENARIO), { seed: 7, maxSteps: STEPS });
    const kept = simulate(findScenario(SCENARIO), { seed: 7, maxSteps: STEPS, journal: true });
    expect(JSON.stringify(plain.summary)).toBe(JSON.stringify(kept.summary));
    expect(Array.from(plain.series.markets[0].mark)).toEqual(Array.from(kept.series.markets[0].mark));
    // Each journaled oracle command is its own object and still holds the price of its step.
    const oracles = (kept.turns.journal ?? []).filter(({ cmd }) => cmd.type === 'oracle');
    expect(new Set(oracles.map(({ cmd }) => cmd)).size).toBe(oracles.length);
    const steps = kept.grid.ts.length;
    expect(oracles.length).toBe(kept.spec.markets.length * steps);
    const wrong = oracles.filter(({ ts, cmd }) => {
      if (cmd.type !== 'oracle') return true;
      const step = kept.grid.ts.indexOf(ts);
      return cmd.publishTs !== ts || cmd.price !== kept.grid.prices[cmd.market][step];
    });
    expect(wrong).toEqual([]);
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
