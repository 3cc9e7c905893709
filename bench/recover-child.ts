/**
 * One cold start-up, as the server does it: a fresh process opens the store
 * at argv[2], recovers (latest good snapshot + journal replay, hash checks)
 * and prints one JSON line: the time from opening the store to the recovered
 * engine, the replay's counts and the recovered state hash. Used by
 * bench/recovery.bench.ts, which spawns it.
 */
import { performance } from 'node:perf_hooks';
import { tuneInlining } from '../bin/v8-flags.ts';
import { openStore } from '../persistence/store.ts';

// As the server runs (bin/v8-flags.ts).
tuneInlining();

const path = process.argv[2];
if (path === undefined) throw new Error('usage: recover-child.ts JOURNAL_PATH');
const t0 = performance.now();
const store = openStore(path, { history: 'off' });
const { engine, report } = store.recovery.recover();
const ms = performance.now() - t0;
const hash = engine.stateHash();
await store.close();
process.stdout.write(
  `${JSON.stringify({
    ms,
    commands: report.replay.commands,
    turns: report.replay.turns,
    checkpointsVerified: report.replay.checkpointsVerified,
    hash,
  })}\n`,
);
