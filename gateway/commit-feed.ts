/**
 * The bridge from the loop to the gateway. The Loop takes its onCommitted
 * callback at construction, before the gateway exists, so the process entry
 * point creates a CommitFeed first and hands its `onCommitted` to the Loop:
 *
 *   const feed = new CommitFeed();
 *   const loop = new Loop(engine, clock, journal, DEFAULT_LOOP_OPTIONS, feed.onCommitted);
 *   const gw = await startGateway({ engine, loop, feed });
 *
 * The gateway checks after its first turn that the feed saw it, and stops
 * with an error naming this wiring if not.
 */
import type { Outcome } from '../core/engine.ts';
import type { JournalEntry } from '../core/loop.ts';

export type CommitListener = (entry: JournalEntry, outcome: Outcome) => void;

export class CommitFeed {
  private listener: CommitListener | null = null;
  /** Entries seen so far. */
  seen = 0;

  /** Pass this to the Loop constructor. */
  readonly onCommitted = (entry: JournalEntry, outcome: Outcome): void => {
    this.seen++;
    if (this.listener !== null) this.listener(entry, outcome);
  };

  attach(listener: CommitListener | null): void {
    if (listener !== null && this.listener !== null) throw new Error('CommitFeed already has a gateway attached');
    this.listener = listener;
  }
}
