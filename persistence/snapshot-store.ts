/**
 * The snapshot directory: list, write, load and retention. Files are named
 * by the seq they hold (snapshot-file.ts), so listing needs no reads and the
 * newest snapshot is the highest name. Retention keeps the newest K files.
 */
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Engine } from '../core/engine.ts';
import { restoreEngine, takeSnapshot } from '../core/snapshot.ts';
import { PersistenceError } from './errors.ts';
import {
  readSnapshotFile,
  readSnapshotHeader,
  type SnapshotHeader,
  seqOfSnapshotFile,
  writeSnapshotFile,
} from './snapshot-file.ts';

export interface SnapshotRef {
  seq: number;
  path: string;
  bytes: number;
}

export interface WrittenSnapshot {
  seq: number;
  hash: string;
  path: string;
  bytes: number;
  /** Files retention removed after this one was written. */
  removed: string[];
}

export class SnapshotStore {
  constructor(
    readonly dir: string,
    /** Keep the newest this many snapshots. */
    readonly keep: number,
    readonly readonly: boolean,
  ) {
    if (!readonly) mkdirSync(dir, { recursive: true });
  }

  /** Snapshots on disk, oldest first. */
  list(): SnapshotRef[] {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const out: SnapshotRef[] = [];
    for (const name of names) {
      const seq = seqOfSnapshotFile(name);
      if (seq === null) continue;
      const path = join(this.dir, name);
      out.push({ seq, path, bytes: statSync(path).size });
    }
    return out.sort((a, b) => a.seq - b.seq);
  }

  header(ref: SnapshotRef): SnapshotHeader {
    return readSnapshotHeader(ref.path);
  }

  /**
   * Take a snapshot of `engine` on this thread and write it. It hashes and
   * codes every column, which stalls the loop (a few hundred ms for a
   * million accounts): use it when the loop is stopped (shutdown, CLI,
   * tests) and the background snapshotter otherwise. The columns are not
   * copied: nothing applies to `engine` until this returns.
   */
  writeFrom(engine: Engine): WrittenSnapshot {
    this.assertWritable();
    const snap = takeSnapshot(engine, { copy: false });
    const { path, bytes } = writeSnapshotFile(this.dir, snap);
    return { seq: snap.seq, hash: snap.hash, path, bytes, removed: this.retain() };
  }

  /**
   * Load a snapshot into a new engine. Throws SNAPSHOT_CORRUPT when the file
   * fails its checks or the restored state does not hash to the recorded hash.
   */
  load(ref: SnapshotRef): Engine {
    const snap = readSnapshotFile(ref.path);
    if (snap.seq !== ref.seq) {
      throw new PersistenceError('SNAPSHOT_CORRUPT', `${ref.path}: holds seq ${snap.seq}, its name says ${ref.seq}`);
    }
    try {
      return restoreEngine(snap);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      throw new PersistenceError('SNAPSHOT_CORRUPT', `${ref.path}: restore failed: ${reason}`);
    }
  }

  /** Delete all but the newest `keep` snapshots. Returns the deleted paths. */
  retain(): string[] {
    this.assertWritable();
    const all = this.list();
    const doomed = all.slice(0, Math.max(0, all.length - this.keep));
    for (const ref of doomed) rmSync(ref.path, { force: true });
    return doomed.map((r) => r.path);
  }

  /**
   * Remove temp files left by writers that died. Another live process's temp
   * file may still be in progress; this process's own are stale when it opens
   * the store, which is the only time this runs.
   */
  removeTempFiles(): void {
    if (this.readonly) return;
    for (const name of readdirSync(this.dir)) {
      const m = /^\.snapshot-.*\.(\d+)-\d+\.tmp$/.exec(name);
      if (m !== null && !processAlive(Number(m[1]))) rmSync(join(this.dir, name), { force: true });
    }
  }

  private assertWritable(): void {
    if (this.readonly)
      throw new PersistenceError('JOURNAL_READONLY', `snapshot directory ${this.dir} is read-only here`);
  }
}

function processAlive(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
