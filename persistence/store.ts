/**
 * openStore(path, options): the journal database at `path`, the snapshot
 * directory and (in history mode 'background') the history database beside
 * it, wired into the objects the process entry point uses:
 *
 *   const store = openStore('data/clearloop.sqlite', { synchronous: 'FULL' });
 *   const { engine, report } = store.recovery.recover();
 *   const loop = new Loop(engine, clock, store.journal);
 *   store.startBackground();          // snapshots, WAL checkpoints (and history) off the loop
 *   // after each turn:
 *   policy.tick(engine.seq, clock(), (seq) => store.snapshotInBackground(seq), clock);
 *   // on shutdown: store.writeSnapshot(engine); await store.close();
 */
import type Database from 'better-sqlite3';
import type { Engine } from '../core/engine.ts';
import { BackgroundWorker } from './background.ts';
import type { BackgroundSnapshot } from './background-protocol.ts';
import { openDatabase } from './database.ts';
import { PersistenceError } from './errors.ts';
import { HistoryQuery } from './history-query.ts';
import { HistoryWriter, truncateHistoryAfter } from './history-writer.ts';
import { JournalReader } from './journal-reader.ts';
import { JournalWriter } from './journal-writer.ts';
import { type ResolvedStoreOptions, resolveStoreOptions, type StoreOptions } from './options.ts';
import { Recovery } from './recovery.ts';
import { JournalRetainer, RETENTION_STEP_TURNS } from './retention.ts';
import { SnapshotStore, type WrittenSnapshot } from './snapshot-store.ts';

/** SQLite's own auto-checkpoint interval (pages) when no background worker runs. */
const AUTO_CHECKPOINT_PAGES = 1_000;

export class Store {
  readonly options: ResolvedStoreOptions;
  readonly db: Database.Database;
  /** The history database in mode 'background', else null (history lives in `db`). */
  readonly historyDb: Database.Database | null;
  readonly reader: JournalReader;
  readonly snapshots: SnapshotStore;
  readonly recovery: Recovery;
  readonly history: HistoryQuery;
  readonly retainer: JournalRetainer | null;
  private readonly writer: JournalWriter | null;
  private bg: BackgroundWorker | null = null;
  private bytesSinceCheckpoint = 0;
  private isClosed = false;

  constructor(
    readonly path: string,
    options: StoreOptions = {},
  ) {
    this.options = resolveStoreOptions(path, options);
    const o = this.options;
    const dbOptions = { synchronous: o.synchronous, readonly: o.readonly, cacheSizeMiB: o.cacheSizeMiB };
    this.db = openDatabase(path, dbOptions);
    let historyDb: Database.Database | null = null;
    try {
      if (o.history === 'background') historyDb = openDatabase(o.historyPath, dbOptions, 'history');
      this.historyDb = historyDb;
      this.snapshots = new SnapshotStore(o.snapshotDir, o.keepSnapshots, !o.snapshotsWritable);
      this.snapshots.removeTempFiles();
      this.reader = new JournalReader(this.db);
      this.history = new HistoryQuery(historyDb ?? this.db);
      const inline = o.history === 'inline' ? new HistoryWriter(this.db) : null;
      this.writer = o.readonly ? null : new JournalWriter(this.db, inline);
      this.retainer = o.readonly ? null : new JournalRetainer(this.db, o.journalRetention, o.archivePath);
      const truncate = o.readonly ? null : (seq: number) => truncateHistoryAfter(historyDb ?? this.db, seq);
      this.recovery = new Recovery(this.reader, this.snapshots, o.readonly ? null : this.db, this.writer, truncate);
    } catch (err) {
      historyDb?.close();
      this.db.close();
      throw err;
    }
  }

  /** The loop's journal sink. */
  get journal(): JournalWriter {
    if (this.writer === null) throw new PersistenceError('JOURNAL_READONLY', `${this.path} was opened read-only`);
    return this.writer;
  }

  get background(): BackgroundWorker | null {
    return this.bg;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /**
   * Start the background worker: snapshots from a replica off the loop's
   * thread, WAL checkpoints (the loop's connection stops checkpointing), and
   * in history mode 'background' the history rows of every committed turn.
   */
  startBackground(): BackgroundWorker {
    if (this.bg !== null) return this.bg;
    const journal = this.journal;
    const o = this.options;
    const bg = new BackgroundWorker({
      dbPath: this.path,
      snapshotDir: o.snapshotDir,
      keepSnapshots: o.keepSnapshots,
      synchronous: o.synchronous,
      cacheSizeMiB: o.cacheSizeMiB,
      historyPath: o.history === 'background' ? o.historyPath : null,
      nice: o.backgroundNice,
    });
    this.bg = bg;
    this.db.pragma('wal_autocheckpoint = 0');
    const followHistory = o.history === 'background';
    if (followHistory && journal.seq > 0) bg.follow(journal.seq);
    journal.onCommit(({ lastSeq, bytes }) => {
      if (followHistory) bg.follow(lastSeq);
      this.bytesSinceCheckpoint += bytes;
      if (bg.checkpointBusy || this.bytesSinceCheckpoint < o.checkpointEveryBytes) return;
      this.bytesSinceCheckpoint = 0;
      bg.checkpoint().catch(() => {
        // A failed checkpoint only lets the WAL grow; the next one retries.
      });
    });
    return bg;
  }

  /**
   * Snapshot `seq` (already committed) in the background worker, then apply
   * journal retention in bounded steps between turns.
   */
  async snapshotInBackground(seq: number): Promise<BackgroundSnapshot> {
    const bg = this.bg ?? this.startBackground();
    const written = await bg.snapshot(seq);
    this.scheduleJournalRetention();
    return written;
  }

  /**
   * Snapshot `engine` on this thread (it stalls the loop: use it when the loop
   * is stopped, e.g. at shutdown), then apply retention.
   */
  writeSnapshot(engine: Engine): WrittenSnapshot {
    const written = this.snapshots.writeFrom(engine);
    while (this.pruneJournalStep() > 0) {}
    return written;
  }

  /**
   * One bounded step of journal retention: prune or archive turns before the
   * oldest kept snapshot (and, in history mode 'background', before what the
   * history database holds). Returns the turns it moved; 0 when done.
   */
  pruneJournalStep(maxTurns = RETENTION_STEP_TURNS): number {
    if (this.retainer === null || this.retainer.mode === 'keep' || this.isClosed) return 0;
    const oldest = this.snapshots.list()[0];
    if (oldest === undefined) return 0;
    const through = this.historyDb === null ? oldest.seq : Math.min(oldest.seq, this.history.completeThrough());
    return this.retainer.step(through, maxTurns);
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    if (this.bg !== null) await this.bg.close();
    if (!this.options.readonly) this.db.pragma(`wal_autocheckpoint = ${AUTO_CHECKPOINT_PAGES}`);
    this.historyDb?.close();
    this.db.close();
  }

  private scheduleJournalRetention(): void {
    if (this.retainer === null || this.retainer.mode === 'keep') return;
    const step = () => {
      if (this.pruneJournalStep() > 0) setImmediate(step);
    };
    setImmediate(step);
  }
}

export function openStore(path: string, options: StoreOptions = {}): Store {
  return new Store(path, options);
}
