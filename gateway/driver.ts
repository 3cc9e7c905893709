/**
 * Drives the loop. A submitted command schedules a turn with setImmediate,
 * so commands that arrive in the same I/O phase share one turn (and one
 * journal commit), and I/O runs between turns: the engine never waits on a
 * socket.
 *
 * Pacing (minTurnGapUs > 0): a turn starts at least that long after the
 * previous one started. A command that arrives sooner waits for the gap
 * (turn-pacer.ts wakes the loop; Node's timers count whole ms), so under a
 * steady flow of small requests the turns, and their fixed costs — the
 * journal commit (a WAL frame and its file locks), one write per
 * connection, the tick — are paid once per batch instead of once per
 * order. A command after a quiet spell runs at once; a backlog of
 * maxBatchBeforeGap commands does not wait either. A periodic timer (tickIntervalMs) runs a turn even when idle, so
 * the tick (mark-to-market, liquidations) keeps running, and does the
 * gateway's timed work first: funding ticks that are due, the dead man's
 * switch, and whatever `periodic` adds (slow-consumer sweep, tickers).
 *
 * The replies a turn releases are queued per connection and written when the
 * turn ends, one uWS cork per connection (session.ts ReplyBatch).
 *
 * Funding: a market whose interval has elapsed gets one fundingTick; while it
 * is queued no other is submitted, and after a rejection (a stale oracle, a
 * paused market) the next try waits fundingRetryMs.
 */
import type { Command } from '../core/commands.ts';
import type { Engine } from '../core/engine.ts';
import type { Loop, Reply } from '../core/loop.ts';
import type { CommitFeed } from './commit-feed.ts';
import { replyBatch } from './session.ts';
import { TurnPacer } from './turn-pacer.ts';

export interface DriverHooks {
  /** Right after each turn (private snapshots, depth deltas). */
  afterTurn(): void;
  /** Before the idle turn on each periodic tick. */
  periodic(nowMs: number): void;
  /** The loop threw (the journal failed): the state ran ahead of the journal. */
  fatal(err: unknown): void;
  /** Scheduling → start of turn, and the turn's own duration (seconds). */
  observe(lagSec: number, turnSec: number): void;
}

export interface DriverOptions {
  tickIntervalMs: number;
  fundingRetryMs: number;
  /** Least time between the starts of two turns (µs); 0 runs every turn at the next setImmediate. */
  minTurnGapUs?: number;
  /** Queued commands that start a turn without waiting for the gap. */
  maxBatchBeforeGap?: number;
}

/** Default backlog that skips the gap: a batch this size already spreads the turn's fixed costs. */
export const DEFAULT_MAX_BATCH_BEFORE_GAP = 64;

export class LoopDriver {
  private scheduled = false;
  private scheduledAt = 0;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private failed = false;
  private checkedFeed = false;
  private readonly fundingQueued = new Set<number>();
  private readonly fundingRetryAt = new Map<number, number>();
  private lastTurnStart = Number.NEGATIVE_INFINITY;
  private readonly gapMs: number;
  private readonly maxBatch: number;
  private readonly pacer: TurnPacer | null;
  private readonly runScheduled = () => {
    this.scheduled = false;
    // Stopped since: close() runs the last turn itself (the journal may be closed after it).
    if (!this.stopped) this.turn();
  };

  constructor(
    private readonly engine: Engine,
    private readonly loop: Loop,
    private readonly feed: CommitFeed,
    private readonly clock: () => number,
    private readonly options: DriverOptions,
    private readonly hooks: DriverHooks,
  ) {
    const gapUs = options.minTurnGapUs ?? 0;
    if (!(gapUs >= 0 && gapUs <= 100_000)) throw new RangeError(`minTurnGapUs must be in [0, 100000], got ${gapUs}`);
    this.gapMs = gapUs / 1000;
    this.maxBatch = Math.max(1, options.maxBatchBeforeGap ?? DEFAULT_MAX_BATCH_BEFORE_GAP);
    this.pacer = gapUs > 0 ? new TurnPacer(this.runScheduled) : null;
  }

  /** Turns that waited for the pacing gap (metrics, tests). */
  pacedTurns = 0;

  get healthy(): boolean {
    return !this.failed && !this.stopped;
  }

  start(): void {
    this.timer = setInterval(() => this.onTimer(), this.options.tickIntervalMs);
  }

  submit(cmd: Command, reply: Reply | null): void {
    this.loop.submit(cmd, reply);
    this.schedule();
  }

  schedule(): void {
    if (this.stopped || this.failed) return;
    if (this.scheduled) {
      // Waiting for the gap with a full batch already: go now.
      if (this.pacer?.pending === true && this.loop.pending >= this.maxBatch) {
        this.pacer.cancel();
        setImmediate(this.runScheduled);
      }
      return;
    }
    this.scheduled = true;
    const now = performance.now();
    this.scheduledAt = now;
    const wait = this.lastTurnStart + this.gapMs - now;
    if (this.pacer === null || wait <= 0 || this.loop.pending >= this.maxBatch) setImmediate(this.runScheduled);
    else {
      this.pacedTurns++;
      this.pacer.arm(wait * 1000);
    }
  }

  /** Run one turn now (also used by close() to release what is queued). */
  turn(): void {
    if (this.failed) return;
    const t0 = performance.now();
    this.lastTurnStart = t0;
    const seenBefore = this.feed.seen;
    const seqBefore = this.engine.seq;
    // Replies released by the turn are queued per connection and written at its end, one cork each.
    replyBatch.begin();
    try {
      this.loop.runTurn();
    } catch (err) {
      this.failed = true;
      replyBatch.flush();
      this.hooks.fatal(err);
      return;
    }
    replyBatch.flush();
    if (!this.checkedFeed && this.engine.seq !== seqBefore) {
      // The turn applied something; the loop hands every applied command to onCommitted.
      this.checkedFeed = true;
      if (this.feed.seen === seenBefore) {
        this.failed = true;
        this.hooks.fatal(
          new Error('the Loop was not constructed with the gateway CommitFeed: pass feed.onCommitted to new Loop(...)'),
        );
        return;
      }
    }
    this.hooks.afterTurn();
    const t1 = performance.now();
    this.hooks.observe(this.scheduledAt > 0 ? (t0 - this.scheduledAt) / 1000 : 0, (t1 - t0) / 1000);
    this.scheduledAt = 0;
    if (this.loop.pending > 0) this.schedule();
  }

  private onTimer(): void {
    if (this.stopped || this.failed) return;
    const now = this.clock();
    this.submitDueFunding(now);
    this.hooks.periodic(now);
    if (!this.scheduled) {
      this.scheduledAt = performance.now();
      this.turn();
    }
  }

  private submitDueFunding(now: number): void {
    const markets = this.engine.markets;
    for (let i = 0; i < markets.length; i++) {
      const m = markets[i];
      if (this.fundingQueued.has(i) || now - m.fundingTs < m.params.fundingIntervalMs) continue;
      if ((this.fundingRetryAt.get(i) ?? 0) > now) continue;
      this.fundingQueued.add(i);
      this.loop.submit({ type: 'fundingTick', market: i }, (outcome) => {
        this.fundingQueued.delete(i);
        if (outcome.ok) this.fundingRetryAt.delete(i);
        else this.fundingRetryAt.set(i, this.clock() + this.options.fundingRetryMs);
      });
    }
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    void this.pacer?.close();
  }
}
