/**
 * Opening the journal database: WAL mode, the configured `synchronous`
 * level, a page cache large enough for the history index, and the format
 * check. NORMAL survives a process crash (a committed turn is in the WAL
 * before commitTurn returns); FULL also fsyncs the WAL on every commit, so a
 * committed turn survives power loss.
 */
import Database from 'better-sqlite3';
import type { Synchronous } from './options.ts';
import { type DatabaseKind, ensureSchema } from './schema.ts';

export interface DatabaseOptions {
  synchronous: Synchronous;
  readonly: boolean;
  cacheSizeMiB: number;
}

/** How long a connection waits for another's lock before failing (ms). */
export const BUSY_TIMEOUT_MS = 5_000;
/** The WAL is truncated back to this size after a checkpoint (bytes). */
export const JOURNAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024;

export function openDatabase(
  path: string,
  options: DatabaseOptions,
  kind: DatabaseKind = 'journal',
): Database.Database {
  const db = new Database(path, { readonly: options.readonly, fileMustExist: options.readonly });
  try {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    if (!options.readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma(`journal_size_limit = ${JOURNAL_SIZE_LIMIT_BYTES}`);
    }
    db.pragma(`synchronous = ${options.synchronous}`);
    db.pragma(`cache_size = ${-Math.round(options.cacheSizeMiB * 1024)}`);
    db.pragma('temp_store = MEMORY');
    ensureSchema(db, path, options.readonly, kind);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}
