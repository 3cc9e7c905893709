/**
 * Journal retention. Turns wholly at or before the oldest kept snapshot are
 * no longer needed for recovery; depending on the store's option they stay
 * ('keep'), are deleted ('prune') or move to an archive database
 * ('archive', same journal table, readable by the same reader). Work goes in
 * bounded steps so that a large backlog never stalls the loop: call `step`
 * until it returns 0. Once pruned, genesis replay is no longer possible.
 */
import Database from 'better-sqlite3';
import type { JournalRetention } from './options.ts';
import {
  ARCHIVE_SCHEMA,
  checkFormatVersion,
  JOURNAL_FORMAT_VERSION,
  META_FORMAT_VERSION,
  META_PRUNED_THROUGH,
  readMeta,
  writeMeta,
} from './schema.ts';

/** Turns moved per step by default. */
export const RETENTION_STEP_TURNS = 64;

export class JournalRetainer {
  private archiveReady = false;

  constructor(
    private readonly db: Database.Database,
    readonly mode: JournalRetention,
    private readonly archivePath: string,
  ) {}

  /**
   * Prune or archive up to `maxTurns` turns with last_seq ≤ `throughSeq`.
   * Returns how many went (0: nothing left to do, or mode 'keep').
   */
  step(throughSeq: number, maxTurns = RETENTION_STEP_TURNS): number {
    if (this.mode === 'keep' || throughSeq <= 0) return 0;
    if (this.mode === 'archive') this.attachArchive();
    const db = this.db;
    return db.transaction(() => {
      const rows = db
        .prepare('SELECT first_seq, last_seq FROM journal WHERE last_seq <= ? ORDER BY first_seq LIMIT ?')
        .all(throughSeq, maxTurns) as { first_seq: number; last_seq: number }[];
      if (rows.length === 0) return 0;
      const from = rows[0].first_seq;
      const to = rows[rows.length - 1].first_seq;
      if (this.mode === 'archive') {
        db.prepare(
          'INSERT OR IGNORE INTO archive.journal SELECT first_seq, last_seq, ts, cmds, crc, hash FROM main.journal WHERE first_seq BETWEEN ? AND ?',
        ).run(from, to);
      }
      db.prepare('DELETE FROM main.journal WHERE first_seq BETWEEN ? AND ?').run(from, to);
      const through = rows[rows.length - 1].last_seq;
      const before = Number(readMeta(db, META_PRUNED_THROUGH) ?? 0);
      if (through > before) writeMeta(db, META_PRUNED_THROUGH, through);
      return rows.length;
    })();
  }

  private attachArchive(): void {
    if (this.archiveReady) return;
    // Create (or check) the archive as its own database first, then attach it.
    const archive = new Database(this.archivePath);
    try {
      archive.exec(ARCHIVE_SCHEMA);
      const version = readMeta(archive, META_FORMAT_VERSION);
      if (version === null) writeMeta(archive, META_FORMAT_VERSION, JOURNAL_FORMAT_VERSION);
      else checkFormatVersion(version, this.archivePath);
    } finally {
      archive.close();
    }
    this.db.prepare('ATTACH DATABASE ? AS archive').run(this.archivePath);
    this.archiveReady = true;
  }
}
