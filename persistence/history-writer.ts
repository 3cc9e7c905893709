/**
 * Writes account history: one row per account-facing event (see
 * history-kinds.ts). In history mode 'inline' the journal writer calls it
 * inside each turn's transaction, so history is exactly as durable as the
 * journal and never ahead of it; in mode 'background' the background worker
 * calls it for the turns it replays. Row ids are SQLite rowids, assigned in
 * commit order; they order rows with the same time and make the cursor.
 */
import type Database from 'better-sqlite3';
import { classicEvents } from '../core/classic-events.ts';
import type { Outcome } from '../core/engine.ts';
import type { JournalEntry } from '../core/loop.ts';
import { packr } from './codec.ts';
import { HISTORY_ACCOUNT_FIELDS, historyKindOf } from './history-kinds.ts';
import { META_HISTORY_THROUGH, writeMeta } from './schema.ts';

export class HistoryWriter {
  private readonly insert: Database.Statement;

  constructor(private readonly db: Database.Database) {
    this.insert = db.prepare('INSERT INTO history (seq, ts, kind, account, market, payload) VALUES (?, ?, ?, ?, ?, ?)');
  }

  /** Rows for the events of one turn; the caller holds the transaction. Returns the rows written. */
  write(entries: readonly JournalEntry[], outcomes: readonly Outcome[]): number {
    const insert = this.insert;
    let rows = 0;
    for (let i = 0; i < outcomes.length; i++) {
      const o = outcomes[i];
      if (!o.ok || o.events.length === 0) continue;
      const { seq, ts } = entries[i];
      for (const ev of classicEvents(o.events)) {
        const kind = historyKindOf(ev.type);
        if (kind === undefined) continue;
        const fields = ev as unknown as Record<string, unknown>;
        const market = typeof fields.market === 'number' ? fields.market : null;
        const payload = packr.pack(ev);
        for (const f of HISTORY_ACCOUNT_FIELDS) {
          const account = fields[f];
          if (typeof account !== 'number' || account < 0) continue;
          insert.run(seq, ts, kind, account, market, payload);
          rows++;
        }
      }
    }
    return rows;
  }

  /** In a history database: write the rows of several turns and the seq they reach, in one transaction. */
  writeThrough(entries: readonly JournalEntry[], outcomes: readonly Outcome[], throughSeq: number): number {
    return this.db.transaction(() => {
      const rows = this.write(entries, outcomes);
      writeMeta(this.db, META_HISTORY_THROUGH, throughSeq);
      return rows;
    })();
  }
}

/** Rows removed per statement when cutting history back. */
const TRUNCATE_BATCH_ROWS = 4_096;

/**
 * Remove history rows past `seq` (after recovery cut the journal back, e.g. a
 * torn tail), and move a history database's mark back to `seq`. Rows are in
 * seq order by id, so this works from the newest row back and stops at the
 * first row at or before `seq`: nothing to do costs one lookup.
 */
export function truncateHistoryAfter(db: Database.Database, seq: number): number {
  const newest = db.prepare('SELECT seq FROM history ORDER BY id DESC LIMIT 1');
  const cut = db.prepare(
    'DELETE FROM history WHERE id IN (SELECT id FROM history ORDER BY id DESC LIMIT ?) AND seq > ?',
  );
  let removed = 0;
  db.transaction(() => {
    for (;;) {
      const row = newest.get() as { seq: number } | undefined;
      if (row === undefined || row.seq <= seq) break;
      removed += cut.run(TRUNCATE_BATCH_ROWS, seq).changes;
    }
    const mark = db.prepare('SELECT value FROM meta WHERE key = ?').get(META_HISTORY_THROUGH) as
      | { value: string }
      | undefined;
    if (mark !== undefined && Number(mark.value) > seq) writeMeta(db, META_HISTORY_THROUGH, seq);
  })();
  return removed;
}
