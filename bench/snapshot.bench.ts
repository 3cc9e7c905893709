/**
 * snapshot.write_1m: writing a snapshot of 1,000,000 accounts × 3 markets
 * from a warm background replica — takeSnapshot (state hash; the columns
 * are views) on the replica plus coding the columns, writing, fsync and
 * rename of the file — in ms.
 *
 * snapshot.stall_1m: the longest the snapshot kept the loop's thread from
 * running turns: the longest gap between consecutive turns (the loop runs
 * 4096-order turns back to back meanwhile) once the loop thread's own GC
 * pauses inside the gap are taken out, in ms. Those pauses are the loop's,
 * not the snapshot's: scavenges of its own turns' garbage (3–30 ms each at
 * 4096-order turns on this VM), as large in
 * the control — as many turns right after, with no snapshot — and they land
 * between turns or inside one by chance. The raw gaps, with and without a
 * snapshot, and the longest pauses by kind are printed beside the figure
 * (`max_gap_with_gc_ms`, `control_max_gap_with_gc_ms`). Before the window,
 * one full collection clears the setup's garbage (2.2M command objects):
 * collected inside the window, it made gaps of 30–80 ms that no server in a
 * steady state has, with or without a snapshot. The peer is the
 * stall of the in-thread way (store.writeSnapshot: hash, code and write on
 * the loop's thread), beside the state hash alone and a copying takeSnapshot
 * (what copying the columns on the loop's thread would cost), all measured
 * after the loop's window: the copying takeSnapshot leaves 288 MB of garbage,
 * and measured before it, its collection fell inside the window (gaps of
 * 13–20 ms, in the control turns too). `request_to_durable_ms` adds the
 * replica's catch-up (here the worker does not follow the journal between
 * snapshots; with history 'background', as the server runs, it does).
 */
import { Engine } from '../core/engine.ts';
import { takeSnapshot } from '../core/snapshot.ts';
import { openStore } from '../persistence/store.ts';
import { type BenchOptions, elapsedMs, fullGc, GcWatch, note, nowNs, type Report, round, wants } from './harness.ts';
import {
  benchDir,
  benchLoop,
  MARKET_COUNT,
  orderCommands,
  runAll,
  setupCommands,
  TURN_COMMANDS,
} from './persistence-workload.ts';

const ACCOUNTS = 1_000_000;
/** Accounts that trade (and so hold positions) in the setup. */
const TRADERS = 200_000;

const nextTick = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function run(report: Report, options: BenchOptions): Promise<void> {
  if (!wants(options, 'snapshot.write_1m') && !wants(options, 'snapshot.stall_1m')) return;
  const tmp = benchDir();
  const store = openStore(tmp.dbPath, { history: 'off', keepSnapshots: 2 });
  try {
    const engine = new Engine();
    let t0 = nowNs();
    runAll(benchLoop(engine, store.journal, 65_536), setupCommands(ACCOUNTS));
    runAll(benchLoop(engine, store.journal, 65_536), orderCommands(TRADERS, 3, TRADERS));
    note(`snapshot: ${ACCOUNTS} accounts, ${engine.seq} commands journaled in ${round(elapsedMs(t0), 0)} ms`);

    store.startBackground();
    const loop = benchLoop(engine, store.journal);
    runAll(loop, orderCommands(20 * TURN_COMMANDS, 4, TRADERS));
    t0 = nowNs();
    const cold = await store.snapshotInBackground(engine.seq); // first use: the worker builds its replica
    const coldMs = elapsedMs(t0);
    runAll(loop, orderCommands(20 * TURN_COMMANDS, 5, TRADERS));

    // The setup's garbage (2.2M command objects) goes now, not in a full collection inside the window.
    await fullGc();

    // Baseline turn time, then the measured snapshot with turns running back to back.
    const turn = (seed: number) => {
      for (const c of orderCommands(TURN_COMMANDS, seed, TRADERS)) loop.submit(c);
      loop.runTurn();
    };
    const gc = new GcWatch();
    /** Turns back to back (yielding to the event loop between them) until `stop()` says so. */
    const watch = async (seed: number, stop: (turns: number) => boolean) => {
      const gapFrom: number[] = [];
      const gapTo: number[] = [];
      const turnMs: number[] = [];
      let last = performance.now();
      while (!stop(turnMs.length)) {
        const a = performance.now();
        gapFrom.push(last);
        gapTo.push(a);
        turn(seed + turnMs.length);
        last = performance.now();
        turnMs.push(last - a);
        await nextTick();
      }
      return { gapFrom, gapTo, turnMs, end: last };
    };
    /** The longest gap between turns, and the longest once this thread's own GC pauses inside it are taken out. */
    const gaps = (w: { gapFrom: number[]; gapTo: number[] }) => {
      let raw = 0;
      let exGc = 0;
      for (let i = 1; i < w.gapFrom.length; i++) {
        const g = w.gapTo[i] - w.gapFrom[i];
        raw = Math.max(raw, g);
        exGc = Math.max(exGc, g - gc.pausedWithin(w.gapFrom[i], w.gapTo[i]));
      }
      return { raw, exGc };
    };
    const baseline = await watch(100, (n) => n >= 20);
    let done = false;
    const start = nowNs();
    const pending = store.snapshotInBackground(engine.seq).finally(() => {
      done = true;
    });
    const during = await watch(1_000, () => done);
    const warm = await pending;
    const totalMs = elapsedMs(start);
    const turns = during.turnMs.length;
    // Control: as many turns again with no snapshot, so the snapshot's share of the longest gap shows
    // apart from the machine's own (scheduling, the loop's GC) over a window of the same length.
    const control = await watch(1_000_000, (n) => n >= turns);
    await nextTick(); // the GC observer's last entries
    gc.stop();
    const duringGaps = gaps(during);
    const controlGaps = gaps(control);
    const baselineGaps = gaps(baseline);
    const maxTurnMs = Math.max(...during.turnMs);
    const gcInWindowMs = gc.pausedWithin(during.gapFrom[0] ?? 0, during.end);
    const pausesDuring = gc.pausesWithin(during.gapFrom[0] ?? 0, during.end);
    const pausesControl = gc.pausesWithin(control.gapFrom[0] ?? 0, control.end);
    const gcMaxInWindowMs = pausesDuring[0]?.ms ?? 0;
    const longest = (ps: { kind: string; ms: number }[]) =>
      ps
        .slice(0, 4)
        .map((p) => `${p.kind}: ${p.ms.toFixed(2)}`)
        .join(', ');
    // The in-thread way, for comparison: everything below stalls the loop. Measured last, so that
    // its garbage (a copying takeSnapshot makes 288 MB of it) is not collected inside the window above.
    let t1 = nowNs();
    engine.stateHash();
    const hashMs = elapsedMs(t1);
    t1 = nowNs();
    takeSnapshot(engine); // with copies of the columns, as a snapshot the engine runs on from needs
    const takeMs = elapsedMs(t1);
    t1 = nowNs();
    const inThread = store.writeSnapshot(engine); // hash, code and write; no copies
    const inThreadMs = elapsedMs(t1);

    const baseTurnMs = baseline.turnMs.sort((x, y) => x - y)[baseline.turnMs.length >> 1];
    note(
      `snapshot: in-thread ${round(inThreadMs, 0)} ms (hash ${round(hashMs, 0)} + coding and writing ~${round(inThreadMs - hashMs, 0)}; ` +
        `a copying takeSnapshot: ${round(takeMs, 0)} ms, copy ~${round(takeMs - hashMs, 0)}), ` +
        `${inThread.bytes} bytes; background: cold ${round(coldMs, 0)} ms, warm ${round(totalMs, 0)} ms ` +
        `(catch-up ${round(warm.catchUpMs, 0)}, capture ${round(warm.captureMs, 0)}, write ${round(warm.writeMs, 0)}); ` +
        `loop meanwhile: ${turns} turns, longest gap ${round(duringGaps.raw, 2)} ms, ${round(duringGaps.exGc, 2)} ms without the loop's own GC pauses ` +
        `(${turns} turns without a snapshot: ${round(controlGaps.raw, 2)} / ${round(controlGaps.exGc, 2)} ms); GC on the loop's thread in the window: ` +
        `${round(gcInWindowMs, 1)} ms, longest pauses ${longest(pausesDuring)} ms (without a snapshot: ${longest(pausesControl)} ms); ` +
        `longest turn ${round(maxTurnMs, 1)} ms (median without: ${round(baseTurnMs, 1)} ms)`,
    );
    report({
      bench: 'snapshot.write_1m',
      value: round(warm.captureMs + warm.writeMs, 1),
      unit: 'ms',
      capture_ms: round(warm.captureMs, 1),
      file_write_ms: round(warm.writeMs, 1),
      catch_up_ms: round(warm.catchUpMs, 1),
      request_to_durable_ms: round(totalMs, 1),
      cold_request_to_durable_ms: round(coldMs, 1),
      cold_replayed_commands: cold.replayedCommands,
      bytes: warm.bytes,
      accounts: ACCOUNTS,
      markets: MARKET_COUNT,
    });
    report({
      bench: 'snapshot.stall_1m',
      value: round(duringGaps.exGc, 2),
      unit: 'ms',
      max_gap_with_gc_ms: round(duringGaps.raw, 2),
      gc_in_window_ms: round(gcInWindowMs, 1),
      gc_longest_pause_in_window_ms: round(gcMaxInWindowMs, 2),
      peer: 'in-thread writeSnapshot',
      peer_value: round(inThreadMs, 1),
      in_thread_take_snapshot_ms: round(takeMs, 1),
      in_thread_state_hash_ms: round(hashMs, 1),
      in_thread_copy_ms: round(takeMs - hashMs, 1),
      baseline_max_gap_ms: round(baselineGaps.exGc, 2),
      control_max_gap_ms: round(controlGaps.exGc, 2),
      control_max_gap_with_gc_ms: round(controlGaps.raw, 2),
      turns_meanwhile: turns,
      longest_turn_ms: round(maxTurnMs, 1),
      baseline_turn_ms: round(baseTurnMs, 1),
      accounts: ACCOUNTS,
    });
  } finally {
    await store.close();
    tmp.cleanup();
  }
}
