/**
 * recovery.replay_1m: start-up from a snapshot plus 1,000,000 journaled
 * commands (market orders in 4096-command turns, each with the loop's tick,
 * over 10k accounts): open the store, load and check the snapshot, replay,
 * check hash checkpoints, in ms. Each start-up runs in a fresh process
 * (bench/recover-child.ts), cold as a real restart is, not in this process
 * whose JIT and heap the live run and earlier benchmarks have shaped; the
 * median of RUNS start-ups is the figure, and each must reproduce the live
 * state hash.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { moduleLoaderArgs, siblingModule } from '../bin/source-files.ts';
import { Engine } from '../core/engine.ts';
import { openStore } from '../persistence/store.ts';
import { type BenchOptions, note, type Report, round, wants } from './harness.ts';
import { benchDir, benchLoop, orderCommands, runAll, setupCommands } from './persistence-workload.ts';

const ACCOUNTS = 10_000;
const COMMANDS = 1_000_000;
const RUNS = 3;
const CHILD = fileURLToPath(siblingModule(import.meta.url, 'recover-child'));

interface Startup {
  ms: number;
  commands: number;
  turns: number;
  checkpointsVerified: number;
  hash: string;
}

function coldStart(dbPath: string): Startup {
  const out = execFileSync(process.execPath, [...moduleLoaderArgs(), CHILD, dbPath], { encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop() ?? '') as Startup;
}

export async function run(report: Report, options: BenchOptions): Promise<void> {
  if (!wants(options, 'recovery.replay_1m')) return;
  const tmp = benchDir();
  try {
    const store = openStore(tmp.dbPath, { history: 'off' });
    const engine = new Engine();
    runAll(benchLoop(engine, store.journal, 65_536), setupCommands(ACCOUNTS));
    const snap = store.writeSnapshot(engine);
    const loop = benchLoop(engine, store.journal);
    runAll(loop, orderCommands(COMMANDS, 11, ACCOUNTS));
    const liveHash = engine.stateHash();
    const journaled = engine.seq - snap.seq;
    await store.close();

    const runs: Startup[] = [];
    for (let i = 0; i < RUNS; i++) {
      const r = coldStart(tmp.dbPath);
      if (r.hash !== liveHash) throw new Error('recovery.replay_1m: the recovered state does not match the live one');
      runs.push(r);
    }
    const times = runs.map((r) => r.ms).sort((a, b) => a - b);
    const ms = times[Math.floor(times.length / 2)];
    const r = runs[0];
    note(
      `recovery: snapshot at seq ${snap.seq} + ${r.commands} commands in ${r.turns} turns, cold start in a fresh ` +
        `process: median ${round(ms, 0)} ms of ${times.map((t) => round(t, 0)).join('/')} ` +
        `(${Math.round((r.commands / ms) * 1000)} commands/s), ${r.checkpointsVerified} checkpoints verified`,
    );
    report({
      bench: 'recovery.replay_1m',
      value: round(ms, 0),
      unit: 'ms',
      min_ms: round(times[0], 0),
      max_ms: round(times[times.length - 1], 0),
      runs: RUNS,
      commands: r.commands,
      journaled_after_snapshot: journaled,
      turns: r.turns,
      commands_per_s: Math.round((r.commands / ms) * 1000),
      checkpoints_verified: r.checkpointsVerified,
      accounts: ACCOUNTS,
    });
  } finally {
    tmp.cleanup();
  }
}
