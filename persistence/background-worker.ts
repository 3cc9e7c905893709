/**
 * The background worker: everything slow that must not stall the loop.
 *
 * A replica. The worker keeps an engine that it brings forward by replaying
 * the durable journal (loading the newest snapshot first), with every hash
 * checkpoint checked on the way, so it also proves that replay reproduces the
 * live state.
 *
 * Snapshots. On request the worker brings the replica to the requested seq,
 * snapshots it and writes the file. The loop's thread posts one message and
 * never copies or hashes its own columns, so a snapshot of a million
 * accounts does not stall it.
 *
 * History (mode 'background'). After each committed turn the loop posts its
 * seq; the worker replays to it and writes the history rows of the events
 * into the history database, with the seq they are complete through in the
 * same transaction. The loop's thread writes no history at all.
 *
 * WAL checkpoints. The loop's connection has auto-checkpointing off while the
 * worker runs; the worker checkpoints (PASSIVE, never blocking the writer)
 * when asked, so the fsyncs of a checkpoint happen off the loop's thread.
 */
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import type { Engine, Outcome } from '../core/engine.ts';
import type { JournalEntry } from '../core/loop.ts';
import { takeSnapshot } from '../core/snapshot.ts';
import type {
  BackgroundConfig,
  BackgroundRequest,
  BackgroundResponse,
  BackgroundSnapshot,
  CheckpointResult,
  FollowResult,
} from './background-protocol.ts';
import { openDatabase } from './database.ts';
import { PersistenceError } from './errors.ts';
import { HistoryWriter } from './history-writer.ts';
import { JournalReader } from './journal-reader.ts';
import { Recovery } from './recovery.ts';
import { replayJournal } from './replay.ts';
import { META_HISTORY_THROUGH, readMeta } from './schema.ts';
import { writeSnapshotFile } from './snapshot-file.ts';
import { SnapshotStore } from './snapshot-store.ts';

/** History rows per transaction in the history database (flushed at turn ends). */
const HISTORY_FLUSH_ROWS = 16_384;

const config = workerData as BackgroundConfig;
const port = parentPort!;
try {
  // On Linux a nice value belongs to one thread: this lowers the worker, not the loop.
  setPriority(config.nice);
} catch {
  // Not permitted or not supported: run at the default priority.
}
const dbOptions = { synchronous: config.synchronous, readonly: false, cacheSizeMiB: config.cacheSizeMiB };
const db = openDatabase(config.dbPath, dbOptions);
const historyDb = config.historyPath === null ? null : openDatabase(config.historyPath, dbOptions, 'history');
const history = historyDb === null ? null : new HistoryWriter(historyDb);
const reader = new JournalReader(db);
const snapshots = new SnapshotStore(config.snapshotDir, config.keepSnapshots, false);
const recovery = new Recovery(reader, snapshots, null, null);
let replica: Engine | null = null;

function historyThrough(): number {
  return historyDb === null ? Number.POSITIVE_INFINITY : Number(readMeta(historyDb, META_HISTORY_THROUGH) ?? 0);
}

/**
 * Bring the replica to `seq`, writing history for every command past the
 * history database's mark. Returns the commands replayed and rows written.
 */
function advance(seq: number): { replayedCommands: number; historyRows: number } {
  let replayedCommands = 0;
  let historyRows = 0;
  try {
    if (replica === null) {
      const r = recovery.recover({ toSeq: Math.min(seq, historyThrough()), repairTornTail: false });
      replica = r.engine;
      replayedCommands += r.report.replay.commands;
    }
    if (replica.seq >= seq) return { replayedCommands, historyRows };
    const through = historyThrough();
    const entries: JournalEntry[] = [];
    const outcomes: Outcome[] = [];
    const flush = (engine: Engine) => {
      if (history === null || engine.seq <= through) return;
      historyRows += history.writeThrough(entries, outcomes, engine.seq);
      entries.length = 0;
      outcomes.length = 0;
      // Written: the rows start over for the outcomes collected next (held until the next flush).
      engine.holdMatchRows();
    };
    // The outcomes collected for history are read at the flush, several turns later: their rows are held until then.
    if (history !== null) replica.holdMatchRows();
    const r = replayJournal(replica, reader, {
      toSeq: seq,
      onOutcome:
        history === null
          ? undefined
          : (e, o) => {
              if (e.seq <= through) return;
              entries.push(e);
              outcomes.push(o);
            },
      afterTurn: (_turn, engine) => {
        if (entries.length >= HISTORY_FLUSH_ROWS) flush(engine);
      },
    });
    flush(replica);
    replica.releaseMatchRows();
    replayedCommands += r.commands;
  } catch (err) {
    replica = null; // part-replayed: rebuild it next time
    throw err;
  }
  return { replayedCommands, historyRows };
}

function follow(seq: number): FollowResult {
  const r = advance(seq);
  return { seq: replica?.seq ?? 0, ...r };
}

function snapshot(seq: number): BackgroundSnapshot {
  const t0 = performance.now();
  let engine: Engine;
  let replayedCommands: number;
  if (replica !== null && replica.seq > seq) {
    // An older seq than the replica holds: build it aside, keep the replica.
    const r = recovery.recover({ toSeq: seq, repairTornTail: false });
    engine = r.engine;
    replayedCommands = r.report.replay.commands;
  } else {
    replayedCommands = advance(seq).replayedCommands;
    engine = replica!;
  }
  if (engine.seq !== seq) {
    throw new PersistenceError(
      'JOURNAL_GAP',
      `the journal ends at seq ${engine.seq}, before the requested seq ${seq}`,
      seq,
    );
  }
  const t1 = performance.now();
  // Views of the replica's columns, not copies: nothing applies to the replica until the file is written.
  const snap = takeSnapshot(engine, { copy: false });
  const t2 = performance.now();
  const { path, bytes } = writeSnapshotFile(snapshots.dir, snap);
  const removed = snapshots.retain();
  const t3 = performance.now();
  return {
    seq,
    hash: snap.hash,
    path,
    bytes,
    removed,
    replayedCommands,
    catchUpMs: t1 - t0,
    captureMs: t2 - t1,
    writeMs: t3 - t2,
  };
}

function checkpoint(): CheckpointResult {
  const [r] = db.pragma('wal_checkpoint(PASSIVE)') as CheckpointResult[];
  if (historyDb !== null) historyDb.pragma('wal_checkpoint(PASSIVE)');
  return r;
}

function handle(req: BackgroundRequest): unknown {
  switch (req.type) {
    case 'snapshot':
      return snapshot(req.seq);
    case 'follow':
      return follow(req.seq);
    case 'checkpoint':
      return checkpoint();
    case 'close':
      return null;
  }
}

port.on('message', (req: BackgroundRequest) => {
  let res: BackgroundResponse;
  try {
    res = { id: req.id, ok: true, value: handle(req) };
  } catch (err) {
    const e = err instanceof PersistenceError ? err : null;
    res = {
      id: req.id,
      ok: false,
      error: { code: e?.code ?? null, message: err instanceof Error ? err.message : String(err), seq: e?.seq ?? null },
    };
  }
  if (req.type === 'close') {
    db.close();
    historyDb?.close();
    port.postMessage(res);
    port.close();
    return;
  }
  port.postMessage(res);
});
