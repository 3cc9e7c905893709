/**
 * sim.commands: commands per second through Engine.apply during a whole
 * simulation — commands applied (setup and ticks included) divided by the
 * wall time of the whole simulate() call: price grid, population setup,
 * agents deciding, metrics, time series and the summary included — on the
 * three-market May 2021 crash with the default population. A full run of
 * another seed warms the JIT first (the crash exercises liquidation and
 * bankruptcy paths a partial run never reaches). Peer, measured in the same
 * run: the same command stream replayed through a fresh engine alone
 * (engine.replay), so the ratio is the share of the time the engine gets.
 */
import { Engine } from '../core/engine.ts';
import { findScenario } from '../sim/scenarios.ts';
import { simulate } from '../sim/simulate.ts';
import { type BenchOptions, elapsedMs, note, nowNs, type Report, round, wants } from './harness.ts';

const SCENARIO = 'may-2021';
const SEED = 1;
const WARMUP_SEED = 2;

export async function run(report: Report, options: BenchOptions): Promise<void> {
  if (!wants(options, 'sim.commands')) return;
  const spec = findScenario(SCENARIO);
  simulate(spec, { seed: WARMUP_SEED });

  const start = nowNs();
  const r = simulate(spec, { seed: SEED });
  const ms = elapsedMs(start);
  const commands = r.summary.commands;
  const perSec = (commands / ms) * 1000;

  const journal = simulate(spec, { seed: SEED, journal: true }).turns.journal ?? [];
  if (journal.length !== commands) throw new Error('sim.commands: the journal does not hold every applied command');
  const e = new Engine();
  const replayStart = nowNs();
  for (let i = 0; i < journal.length; i++) e.apply(journal[i].cmd, journal[i].ts);
  const replayMs = elapsedMs(replayStart);
  if (e.stateHash() !== r.summary.stateHash) throw new Error('sim.commands: the replay did not reproduce the run');
  const replayPerSec = (journal.length / replayMs) * 1000;

  const kinds = new Map<string, number>();
  for (const { cmd } of journal) kinds.set(cmd.type, (kinds.get(cmd.type) ?? 0) + 1);
  const mix = [...kinds]
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  note(
    `sim.commands: ${SCENARIO} seed ${SEED}, ${r.summary.steps} steps, ${commands} commands in ${round(ms, 1)} ms ` +
      `(${Math.round(perSec)}/s); engine alone replays them in ${round(replayMs, 1)} ms (${Math.round(replayPerSec)}/s); ` +
      `mix: ${mix}`,
  );
  report({
    bench: 'sim.commands',
    value: Math.round(perSec),
    unit: 'commands/s',
    peer: 'engine.replay',
    peer_value: Math.round(replayPerSec),
    ratio: round(perSec / replayPerSec, 3),
    scenario: SCENARIO,
    steps: r.summary.steps,
    commands,
    agents: r.population.all.length,
  });
}
