/**
 * Store options, their defaults and their validation. Every bad field is a
 * BAD_OPTION error naming the field, the allowed range and the value given.
 */
import { PersistenceError } from './errors.ts';

export type Synchronous = 'NORMAL' | 'FULL';
export type JournalRetention = 'keep' | 'prune' | 'archive';
/**
 * 'inline': history rows go into the journal database in each turn's own
 * transaction (consistent with the journal, but one indexed row per event
 * costs the loop about as much as applying the command). 'background': the
 * background worker replays the journal and writes them into a database of
 * their own, off the loop's thread; queries see them a moment later.
 */
export type HistoryMode = 'inline' | 'background' | 'off';

export interface StoreOptions {
  /** NORMAL: a committed turn survives a process crash. FULL: it also survives power loss. */
  synchronous?: Synchronous;
  /** Open the journal database read-only (CLI inspection, verification, export). */
  readonly?: boolean;
  /** May this process write snapshot files? Default: when not read-only. */
  snapshotsWritable?: boolean;
  /** Default: `<path>.snapshots`. */
  snapshotDir?: string;
  /** Keep the newest this many snapshots. */
  keepSnapshots?: number;
  /** What happens to turns older than the oldest kept snapshot. */
  journalRetention?: JournalRetention;
  /** Where archived turns go. Default: `<path>.archive`. */
  archivePath?: string;
  /** Where account history (fills, funding, deposits, withdrawals, liquidations) is written. */
  history?: HistoryMode;
  /** The history database in mode 'background'. Default: `<path>.history`. */
  historyPath?: string;
  /** SQLite page cache for the connection, MiB. */
  cacheSizeMiB?: number;
  /** With the background worker running, checkpoint the WAL after this many journal bytes. */
  checkpointEveryBytes?: number;
  /** Nice value (0–19) of the background worker's thread, so that the loop's thread wins the CPU. */
  backgroundNice?: number;
}

export type ResolvedStoreOptions = Required<StoreOptions>;

export const KEEP_SNAPSHOTS_MAX = 1_000;

export function resolveStoreOptions(path: string, options: StoreOptions = {}): ResolvedStoreOptions {
  const o = options;
  const readonly = bool('readonly', o.readonly, false);
  return {
    synchronous: oneOf('synchronous', o.synchronous, ['NORMAL', 'FULL'] as const, 'NORMAL'),
    readonly,
    snapshotsWritable: bool('snapshotsWritable', o.snapshotsWritable, !readonly),
    snapshotDir: str('snapshotDir', o.snapshotDir, `${path}.snapshots`),
    keepSnapshots: int('keepSnapshots', o.keepSnapshots, 3, 1, KEEP_SNAPSHOTS_MAX),
    journalRetention: oneOf('journalRetention', o.journalRetention, ['keep', 'prune', 'archive'] as const, 'keep'),
    archivePath: str('archivePath', o.archivePath, `${path}.archive`),
    history: oneOf('history', o.history, ['inline', 'background', 'off'] as const, 'inline'),
    historyPath: str('historyPath', o.historyPath, `${path}.history`),
    cacheSizeMiB: int('cacheSizeMiB', o.cacheSizeMiB, 64, 1, 65_536),
    checkpointEveryBytes: int('checkpointEveryBytes', o.checkpointEveryBytes, 32 << 20, 1 << 16, 2 ** 40),
    backgroundNice: int('backgroundNice', o.backgroundNice, 10, 0, 19),
  };
}

function bad(field: string, expected: string, got: unknown): PersistenceError {
  return new PersistenceError('BAD_OPTION', `${field} must be ${expected}, got ${JSON.stringify(got) ?? String(got)}`);
}

function bool(field: string, v: unknown, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') throw bad(field, 'a boolean', v);
  return v;
}

function str(field: string, v: unknown, dflt: string): string {
  if (v === undefined) return dflt;
  if (typeof v !== 'string' || v.length === 0) throw bad(field, 'a non-empty string', v);
  return v;
}

function int(field: string, v: unknown, dflt: number, min: number, max: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) {
    throw bad(field, `an integer in [${min}, ${max}]`, v);
  }
  return v;
}

function oneOf<T extends string>(field: string, v: unknown, allowed: readonly T[], dflt: T): T {
  if (v === undefined) return dflt;
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    throw bad(field, `one of ${allowed.join(', ')}`, v);
  }
  return v as T;
}
