/**
 * Messages between the loop's thread and the background worker
 * (background.ts ⇄ background-worker.ts).
 */
import type { Synchronous } from './options.ts';

export interface BackgroundConfig {
  dbPath: string;
  snapshotDir: string;
  keepSnapshots: number;
  synchronous: Synchronous;
  cacheSizeMiB: number;
  /** History database the worker writes (history mode 'background'), or null. */
  historyPath: string | null;
  /** Nice value of the worker thread (Linux: per thread), so the loop's thread wins the CPU. */
  nice: number;
}

export type BackgroundRequest =
  | { id: number; type: 'snapshot'; seq: number }
  | { id: number; type: 'follow'; seq: number }
  | { id: number; type: 'checkpoint' }
  | { id: number; type: 'close' };

export type BackgroundResponse =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: { code: string | null; message: string; seq: number | null } };

export interface BackgroundSnapshot {
  seq: number;
  hash: string;
  path: string;
  bytes: number;
  /** Snapshot files retention removed. */
  removed: string[];
  /** Commands the worker's replica replayed to reach `seq`. */
  replayedCommands: number;
  /** Bringing the replica to `seq` (load and replay), ms. */
  catchUpMs: number;
  /** takeSnapshot on the replica (state hash and metadata; the columns are views, not copies), ms. */
  captureMs: number;
  /** Coding the columns, writing, fsyncing and renaming the file, ms. */
  writeMs: number;
}

export interface CheckpointResult {
  /** 1 when a writer or reader kept the checkpoint from finishing. */
  busy: number;
  /** WAL frames. */
  log: number;
  checkpointed: number;
}

export interface FollowResult {
  /** The replica's seq, and the seq history is complete through. */
  seq: number;
  replayedCommands: number;
  historyRows: number;
}
