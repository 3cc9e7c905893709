/**
 * journal.overhead_ratio: engine throughput through the loop with the
 * journal on (SQLite WAL, synchronous=NORMAL, history written by the
 * background worker, WAL checkpoints there too) divided by the same loop
 * with no journal, in 4096-command turns of market orders over 10k accounts.
 * Rounds alternate the modes on fresh engines; medians are compared. Extra
 * fields: the ratio with history inline (in the turn's transaction), with no
 * history, and with synchronous=FULL; per-turn commit times.
 */
import { Engine } from '../core/engine.ts';
import { openStore, type Store } from '../persistence/store.ts';
import { type BenchOptions, elapsedMs, note, nowNs, percentile, type Report, round, wants } from './harness.ts';
import { benchDir, benchLoop, orderCommands, runAll, setupCommands } from './persistence-workload.ts';

const ACCOUNTS = 10_000;
const TURNS = 80;
const ROUNDS = 3;
/** FULL fsyncs every commit; on a slow disk that is 5–150 ms a turn, so it gets a shorter run. */
const FULL_TURNS = 10;

type Mode = 'off' | 'background' | 'inline' | 'none' | 'full';
const HISTORY: Record<Exclude<Mode, 'off'>, 'background' | 'inline' | 'off'> = {
  background: 'background',
  inline: 'inline',
  none: 'off',
  full: 'background',
};

async function oneRun(
  mode: Mode,
  round: number,
  turns: number,
): Promise<{ opsPerSec: number; commitMs: number[]; historyLagMs: number }> {
  const tmp = benchDir();
  let store: Store | null = null;
  try {
    if (mode !== 'off') {
      store = openStore(tmp.dbPath, {
        synchronous: mode === 'full' ? 'FULL' : 'NORMAL',
        history: HISTORY[mode],
      });
      store.startBackground();
    }
    const engine = new Engine();
    const journal = store?.journal ?? null;
    const commitMs: number[] = [];
    const timed =
      journal === null
        ? null
        : {
            commitTurn: (...args: Parameters<typeof journal.commitTurn>) => {
              const t0 = nowNs();
              journal.commitTurn(...args);
              commitMs.push(elapsedMs(t0));
            },
          };
    runAll(benchLoop(engine, timed, 65_536), setupCommands(ACCOUNTS));
    const loop = benchLoop(engine, timed);
    runAll(loop, orderCommands(Math.min(20, turns) * 4096, 7 + round, ACCOUNTS)); // warm-up
    commitMs.length = 0;
    const cmds = orderCommands(turns * 4096, 42 + round, ACCOUNTS);
    const start = nowNs();
    runAll(loop, cmds);
    const ms = elapsedMs(start);
    let historyLagMs = 0;
    if (store !== null && mode === 'background') {
      const t0 = nowNs();
      await store.background!.followThrough(engine.seq);
      historyLagMs = elapsedMs(t0);
    }
    return { opsPerSec: (cmds.length / ms) * 1000, commitMs, historyLagMs };
  } finally {
    if (store !== null) await store.close();
    tmp.cleanup();
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export async function run(report: Report, options: BenchOptions): Promise<void> {
  if (!wants(options, 'journal.overhead_ratio')) return;
  const modes: Mode[] = ['off', 'background', 'inline', 'none', 'full'];
  const ops = new Map<Mode, number[]>(modes.map((m) => [m, []]));
  const commits = new Map<Mode, number[]>(modes.map((m) => [m, []]));
  const lags: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    for (const mode of modes) {
      if (mode === 'full' && r > 0) continue;
      const res = await oneRun(mode, r, mode === 'full' ? FULL_TURNS : TURNS);
      ops.get(mode)!.push(res.opsPerSec);
      commits.get(mode)!.push(...res.commitMs);
      if (mode === 'background') lags.push(res.historyLagMs);
    }
  }
  const off = median(ops.get('off')!);
  const ratio = (m: Mode) => round(median(ops.get(m)!) / off, 3);
  const commitP = (m: Mode, p: number) => round(percentile(Float64Array.from(commits.get(m)!).sort(), p), 3);
  note(
    `journal: off ${Math.round(off)} ops/s; on (NORMAL, background history) ${Math.round(median(ops.get('background')!))} ops/s ` +
      `= ${ratio('background')}; history inline ${ratio('inline')}; no history ${ratio('none')}; FULL ${ratio('full')}; ` +
      `commit p50 ${commitP('background', 50)} ms, p99 ${commitP('background', 99)} ms per 4096-command turn ` +
      `(inline history: p50 ${commitP('inline', 50)} ms); background history caught up ${round(median(lags), 0)} ms after the last turn`,
  );
  report({
    bench: 'journal.overhead_ratio',
    value: ratio('background'),
    unit: 'ratio',
    peer: 'no journal',
    peer_value: Math.round(off),
    on_ops_s: Math.round(median(ops.get('background')!)),
    background_history_lag_ms: round(median(lags), 0),
    inline_history_ratio: ratio('inline'),
    no_history_ratio: ratio('none'),
    full_ratio: ratio('full'),
    commit_p50_ms: commitP('background', 50),
    commit_p99_ms: commitP('background', 99),
    inline_history_commit_p50_ms: commitP('inline', 50),
    full_commit_p50_ms: commitP('full', 50),
    turn_commands: 4096,
    accounts: ACCOUNTS,
    rounds: ROUNDS,
  });
}
