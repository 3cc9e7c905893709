/**
 * recovery.replay_1m: start-up from a snapshot plus 1,000,000 journaled
 * commands (market orders in 4096-command turns, each with the loop's tick,
 * over 10k accounts): open the store, load and check the snapshot, replay,
 * check hash checkpoints, in ms.
 */
import { Engine } from '../core/engine.ts';
import { openStore } from '../persistence/store.ts';
import { type BenchOptions, elapsedMs, note, nowNs, type Report, round, wants } from './harness.ts';
import { benchDir, benchLoop, orderCommands, runAll, setupCommands } from './persistence-workload.ts';

const ACCOUNTS = 10_000;
const COMMANDS = 1_000_000;

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

    const start = nowNs();
    const reopened = openStore(tmp.dbPath, { history: 'off' });
    const { engine: recovered, report: r } = reopened.recovery.recover();
    const ms = elapsedMs(start);
    const ok = recovered.stateHash() === liveHash;
    await reopened.close();
    if (!ok) throw new Error('recovery.replay_1m: the recovered state does not match the live one');
    note(
      `recovery: snapshot at seq ${snap.seq} + ${r.replay.commands} commands in ${r.replay.turns} turns: ${round(ms, 0)} ms ` +
        `(${Math.round((r.replay.commands / ms) * 1000)} commands/s), ${r.replay.checkpointsVerified} checkpoints verified`,
    );
    report({
      bench: 'recovery.replay_1m',
      value: round(ms, 0),
      unit: 'ms',
      commands: r.replay.commands,
      journaled_after_snapshot: journaled,
      turns: r.replay.turns,
      commands_per_s: Math.round((r.replay.commands / ms) * 1000),
      checkpoints_verified: r.replay.checkpointsVerified,
      accounts: ACCOUNTS,
    });
  } finally {
    tmp.cleanup();
  }
}
