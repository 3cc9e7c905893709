/**
 * sim.commands: commands per second through Engine.apply during a whole
 * simulation — commands applied (setup and ticks included) divided by the
 * wall time of the whole simulate() call: price grid, population setup,
 * agents deciding, metrics, time series and the summary included — on the
 * three-market May 2021 crash with the default population. Peer, measured
 * in the same run: the same command stream replayed through a fresh engine
 * alone (engine.replay), so the ratio is the share of the time the engine
 * gets.
 *
 * Protocol: a full run of another seed warms the JIT first (the crash
 * exercises liquidation and bankruptcy paths a partial run never reaches);
 * one timed run follows (what this figure was before the rounds: the note
 * still prints it), then the run that records the journal, then ROUNDS
 * rounds of one timed simulation and one timed replay, interleaved, so the
 * two are timed at the same point of the JIT's warm-up. Each figure is the
 * median of its rounds. The single second run was timed while the replay
 * came after three more runs, and the rate still climbs for several runs:
 * the ratio charged the harness with the JIT's warm-up.
 */
import { Engine } from '../core/engine.ts';
import { findScenario } from '../sim/scenarios.ts';
import { simulate } from '../sim/simulate.ts';
import { type BenchOptions, elapsedMs, note, nowNs, type Report, round, wants } from './harness.ts';

const SCENARIO = 'may-2021';
const SEED = 1;
const WARMUP_SEED = 2;
/** Timed simulation + replay rounds; the figures are their medians. */
const ROUNDS = 5;

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

export async function run(report: Report, options: BenchOptions): Promise<void> {
  if (!wants(options, 'sim.commands')) return;
  const spec = findScenario(SCENARIO);
  simulate(spec, { seed: WARMUP_SEED });

  const secondStart = nowNs();
  simulate(spec, { seed: SEED });
  const secondMs = elapsedMs(secondStart);

  const recorded = simulate(spec, { seed: SEED, journal: true });
  const journal = recorded.turns.journal ?? [];
  const commands = recorded.summary.commands;
  if (journal.length !== commands) throw new Error('sim.commands: the journal does not hold every applied command');

  const simPerSec: number[] = [];
  const replayPerSec: number[] = [];
  for (let k = 0; k < ROUNDS; k++) {
    const start = nowNs();
    const r = simulate(spec, { seed: SEED });
    const ms = elapsedMs(start);
    if (r.summary.stateHash !== recorded.summary.stateHash || r.summary.commands !== commands)
      throw new Error('sim.commands: the same seed gave a different run');
    simPerSec.push((commands / ms) * 1000);

    const e = new Engine();
    const replayStart = nowNs();
    for (let i = 0; i < journal.length; i++) e.apply(journal[i].cmd, journal[i].ts);
    const replayMs = elapsedMs(replayStart);
    if (e.stateHash() !== recorded.summary.stateHash)
      throw new Error('sim.commands: the replay did not reproduce the run');
    replayPerSec.push((journal.length / replayMs) * 1000);
  }
  const perSec = median(simPerSec);
  const replayMedian = median(replayPerSec);

  const kinds = new Map<string, number>();
  for (const { cmd } of journal) kinds.set(cmd.type, (kinds.get(cmd.type) ?? 0) + 1);
  const mix = [...kinds]
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  const list = (xs: number[]) => xs.map((x) => Math.round(x)).join(' ');
  note(
    `sim.commands: ${SCENARIO} seed ${SEED}, ${recorded.summary.steps} steps, ${commands} commands; ` +
      `median of ${ROUNDS} rounds ${Math.round(perSec)}/s (${list(simPerSec)}); engine alone replays them at ` +
      `${Math.round(replayMedian)}/s (${list(replayPerSec)}); the process's second run (the figure before ` +
      `rounds): ${round(secondMs, 1)} ms (${Math.round((commands / secondMs) * 1000)}/s); mix: ${mix}`,
  );
  report({
    bench: 'sim.commands',
    value: Math.round(perSec),
    unit: 'commands/s',
    peer: 'engine.replay',
    peer_value: Math.round(replayMedian),
    ratio: round(perSec / replayMedian, 3),
    scenario: SCENARIO,
    steps: recorded.summary.steps,
    commands,
    agents: recorded.population.all.length,
    rounds: ROUNDS,
    second_run: Math.round((commands / secondMs) * 1000),
  });
}
