/**
 * Persistence errors: one class, stable `code` strings (never renamed or
 * reused), messages that name the seq, file or field involved. Recovery
 * stops with one of these; the CLI prints `code: message`.
 */
export const PersistenceErrorCodes = {
  JOURNAL_FORMAT_NEWER: 'the journal was written by a newer format version than this build reads',
  JOURNAL_FORMAT_UNKNOWN: 'the file is a SQLite database but not a clearloop journal',
  JOURNAL_GAP: 'a turn does not start right after the last journaled seq',
  JOURNAL_CORRUPT: 'a journaled turn failed its checksum or could not be decoded, and is not the tail',
  JOURNAL_READONLY: 'the store was opened read-only',
  HASH_MISMATCH: 'the state hash after replay differs from the hash journaled at that seq',
  SNAPSHOT_AHEAD_OF_JOURNAL: 'a snapshot holds a seq the journal does not reach',
  NO_RECOVERY_START: 'no usable snapshot, and the journal does not start at seq 1',
  SNAPSHOT_CORRUPT: 'a snapshot file failed its checks',
  SNAPSHOT_BUSY: 'a background snapshot is already being written',
  BACKGROUND_FAILED: 'the background worker failed',
  BAD_CURSOR: 'a history cursor is not one this store issued',
  BAD_QUERY: 'a history query field is missing or out of range',
  BAD_OPTION: 'a store option is missing or out of range',
  STORE_CLOSED: 'the store is closed',
} as const;

export type PersistenceErrorCode = keyof typeof PersistenceErrorCodes;

export class PersistenceError extends Error {
  override readonly name = 'PersistenceError';
  constructor(
    readonly code: PersistenceErrorCode,
    detail: string,
    /** The seq the error is about, when there is one. */
    readonly seq: number | null = null,
  ) {
    super(`${code}: ${detail}`);
  }
}

export function isPersistenceError(err: unknown, code?: PersistenceErrorCode): err is PersistenceError {
  return err instanceof PersistenceError && (code === undefined || err.code === code);
}
