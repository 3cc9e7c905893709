/**
 * When to snapshot: every `everyCommands` seqs and every `everyMs` of the
 * entry point's clock, whichever comes first, one at a time, backing off
 * after a failure. No timers: the process entry point calls `tick` after
 * each turn with its own clock, so the policy is as deterministic as its
 * inputs.
 *
 *   policy.tick(engine.seq, clock(), (seq) => background.snapshot(seq));
 */
import { PersistenceError } from './errors.ts';

export interface SnapshotPolicyOptions {
  /** Snapshot after this many commands since the last one (0: not by count). */
  everyCommands: number;
  /** Snapshot after this much time since the last one, ms (0: not by time). */
  everyMs: number;
  /** After a failed snapshot, wait this long before trying again, ms. */
  retryAfterMs: number;
}

export const DEFAULT_SNAPSHOT_POLICY: SnapshotPolicyOptions = {
  everyCommands: 5_000_000,
  everyMs: 15 * 60_000,
  retryAfterMs: 60_000,
};

export class SnapshotPolicy {
  private lastSeq: number;
  private lastMs: number;
  private failedAtMs = Number.NEGATIVE_INFINITY;
  private inFlight = false;
  private readonly options: SnapshotPolicyOptions;

  /** `seq` and `nowMs`: the newest snapshot's seq (0 if none) and the clock at start. */
  constructor(options: Partial<SnapshotPolicyOptions>, seq: number, nowMs: number) {
    this.options = { ...DEFAULT_SNAPSHOT_POLICY, ...options };
    for (const k of ['everyCommands', 'everyMs', 'retryAfterMs'] as const) {
      const v = this.options[k];
      if (!Number.isSafeInteger(v) || v < 0) {
        throw new PersistenceError('BAD_OPTION', `${k} must be a non-negative integer, got ${v}`);
      }
    }
    this.lastSeq = seq;
    this.lastMs = nowMs;
  }

  get busy(): boolean {
    return this.inFlight;
  }

  /** True when a snapshot of `seq` should start now. */
  due(seq: number, nowMs: number): boolean {
    if (this.inFlight || seq <= this.lastSeq) return false;
    if (nowMs < this.failedAtMs + this.options.retryAfterMs) return false;
    const { everyCommands, everyMs } = this.options;
    return (
      (everyCommands > 0 && seq - this.lastSeq >= everyCommands) || (everyMs > 0 && nowMs - this.lastMs >= everyMs)
    );
  }

  started(): void {
    this.inFlight = true;
  }

  finished(ok: boolean, seq: number, nowMs: number): void {
    this.inFlight = false;
    if (ok) {
      this.lastSeq = Math.max(this.lastSeq, seq);
      this.lastMs = nowMs;
    } else {
      this.failedAtMs = nowMs;
    }
  }

  /**
   * Start `take(seq)` when due. Returns the snapshot's promise (already
   * wired to the policy) or null when nothing started. `clock` reads the
   * time again when the snapshot completes.
   */
  tick<T>(seq: number, nowMs: number, take: (seq: number) => Promise<T>, clock: () => number): Promise<T> | null {
    if (!this.due(seq, nowMs)) return null;
    this.started();
    let p: Promise<T>;
    try {
      p = take(seq);
    } catch (err) {
      this.finished(false, seq, clock());
      throw err;
    }
    p.then(
      () => this.finished(true, seq, clock()),
      () => this.finished(false, seq, clock()),
    );
    return p;
  }
}
