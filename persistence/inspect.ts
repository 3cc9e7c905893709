/**
 * What a store holds (cli inspect): format, journal bounds and checkpoints,
 * file sizes, snapshots and history row counts.
 */
import { statSync } from 'node:fs';
import type { JournalBounds } from './journal-reader.ts';
import { META_FORMAT_VERSION, readMeta } from './schema.ts';
import type { Store } from './store.ts';

export interface StoreInspection {
  path: string;
  formatVersion: number;
  journal: JournalBounds & { checkpoints: number; lastCheckpoint: { seq: number; hash: string } | null };
  files: { db: number; wal: number; history: string; historyBytes: number; snapshotDir: string; snapshotBytes: number };
  snapshots: {
    seq: number;
    path: string;
    bytes: number;
    hash: string | null;
    accountCount: number | null;
    error: string | null;
  }[];
  history: Record<string, number>;
  /** History holds every event up to this seq. */
  historyThrough: number;
}

function size(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

export function inspectStore(store: Store): StoreInspection {
  const checkpoints = store.reader.checkpoints();
  const snapshots = store.snapshots.list().map((ref) => {
    try {
      const h = store.snapshots.header(ref);
      return { ...ref, hash: h.hash, accountCount: h.accountCount, error: null };
    } catch (err) {
      return { ...ref, hash: null, accountCount: null, error: err instanceof Error ? err.message : String(err) };
    }
  });
  return {
    path: store.path,
    formatVersion: Number(readMeta(store.db, META_FORMAT_VERSION)),
    journal: {
      ...store.reader.bounds(),
      checkpoints: checkpoints.length,
      lastCheckpoint: checkpoints[checkpoints.length - 1] ?? null,
    },
    files: {
      db: size(store.path),
      wal: size(`${store.path}-wal`),
      history: store.historyDb === null ? store.path : store.options.historyPath,
      historyBytes: store.historyDb === null ? 0 : size(store.options.historyPath),
      snapshotDir: store.options.snapshotDir,
      snapshotBytes: snapshots.reduce((n, s) => n + s.bytes, 0),
    },
    snapshots,
    history: store.history.counts(),
    historyThrough: store.history.completeThrough(),
  };
}
