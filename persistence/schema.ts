/**
 * The tables of the journal database and of the history database, and their
 * format version. The version lives in each file's `meta` table; a build
 * refuses a file written by a newer format, because it could misread it. A
 * format change adds a migration here and bumps JOURNAL_FORMAT_VERSION.
 *
 * Journal database:
 *   journal  one row per loop turn: the seq range, the turn's time, the
 *            commands as one MessagePack blob (codec.ts) with its CRC-32,
 *            and the state hash after the turn when it is a checkpoint.
 *   history  one row per account-facing event (fill, funding, deposit,
 *            withdrawal, liquidation): indexed columns plus the event as
 *            MessagePack, written in the same transaction as its turn
 *            (history mode 'inline').
 *   journal_torn  rows removed from a torn tail at recovery, kept for forensics.
 * History database (history mode 'background'): the same history table,
 * written by the background worker, with the seq it is complete through.
 */
import type Database from 'better-sqlite3';
import { PersistenceError } from './errors.ts';

export const JOURNAL_FORMAT_VERSION = 1;

export const META_FORMAT_VERSION = 'format_version';
/** Turns with last_seq ≤ this were pruned or archived (retention.ts). */
export const META_PRUNED_THROUGH = 'pruned_through_seq';
/** In a history database: every event up to this seq is written. */
export const META_HISTORY_THROUGH = 'history_through_seq';

export type DatabaseKind = 'journal' | 'history';

const HISTORY_TABLE = `
CREATE TABLE history (
  id INTEGER PRIMARY KEY,
  seq INTEGER NOT NULL,
  ts INTEGER NOT NULL,
  kind TEXT NOT NULL,
  account INTEGER NOT NULL,
  market INTEGER,
  payload BLOB NOT NULL
);
CREATE INDEX history_by_account ON history (account, ts, id);
`;

const SCHEMA_V1 = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE journal (
  first_seq INTEGER PRIMARY KEY,
  last_seq INTEGER NOT NULL,
  ts INTEGER NOT NULL,
  cmds BLOB NOT NULL,
  crc INTEGER NOT NULL,
  hash TEXT
);
CREATE INDEX journal_checkpoints ON journal (first_seq) WHERE hash IS NOT NULL;
CREATE TABLE journal_torn (
  first_seq INTEGER NOT NULL,
  last_seq INTEGER NOT NULL,
  ts INTEGER NOT NULL,
  cmds BLOB NOT NULL,
  crc INTEGER NOT NULL,
  hash TEXT,
  reason TEXT NOT NULL
);
${HISTORY_TABLE}`;

const HISTORY_SCHEMA_V1 = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
${HISTORY_TABLE}`;

/** The journal table alone, for archive files (retention.ts). */
export const ARCHIVE_SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS journal (
  first_seq INTEGER PRIMARY KEY,
  last_seq INTEGER NOT NULL,
  ts INTEGER NOT NULL,
  cmds BLOB NOT NULL,
  crc INTEGER NOT NULL,
  hash TEXT
);
`;

export function readMeta(db: Database.Database, key: string): string | null {
  const row = db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
  return row === undefined ? null : row.value;
}

export function writeMeta(db: Database.Database, key: string, value: string | number): void {
  db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(
    key,
    String(value),
  );
}

function tableNames(db: Database.Database): string[] {
  return (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map(
    (r) => r.name,
  );
}

/**
 * Check the format of an opened database, creating the schema in an empty
 * one (unless read-only). Throws JOURNAL_FORMAT_NEWER for a newer journal and
 * JOURNAL_FORMAT_UNKNOWN for any other database.
 */
export function ensureSchema(db: Database.Database, path: string, readonly: boolean, kind: DatabaseKind): void {
  const tables = tableNames(db);
  if (!tables.includes('meta')) {
    if (tables.length > 0) {
      throw new PersistenceError(
        'JOURNAL_FORMAT_UNKNOWN',
        `${path} holds tables (${tables.join(', ')}) but no meta table`,
      );
    }
    if (readonly) throw new PersistenceError('JOURNAL_FORMAT_UNKNOWN', `${path} is empty (opened read-only)`);
    db.transaction(() => {
      db.exec(kind === 'journal' ? SCHEMA_V1 : HISTORY_SCHEMA_V1);
      writeMeta(db, META_FORMAT_VERSION, JOURNAL_FORMAT_VERSION);
    })();
    return;
  }
  checkFormatVersion(readMeta(db, META_FORMAT_VERSION), path);
  const want = kind === 'journal' ? 'journal' : 'history';
  if (!tables.includes(want)) {
    throw new PersistenceError('JOURNAL_FORMAT_UNKNOWN', `${path} is a clearloop file but has no ${want} table`);
  }
}

export function checkFormatVersion(raw: string | null, path: string): void {
  const version = raw === null ? Number.NaN : Number(raw);
  if (!Number.isSafeInteger(version) || version < 1) {
    throw new PersistenceError('JOURNAL_FORMAT_UNKNOWN', `${path} has format version ${String(raw)}`);
  }
  if (version > JOURNAL_FORMAT_VERSION) {
    throw new PersistenceError(
      'JOURNAL_FORMAT_NEWER',
      `${path} has journal format ${version}; this build reads format ${JOURNAL_FORMAT_VERSION} and older. Upgrade clearloop to open it.`,
    );
  }
}
