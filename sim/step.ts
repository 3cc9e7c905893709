/**
 * The per-step plumbing of the simulation loop, allocated once per run:
 * the context agents decide in (Step), and the schedule that hands each
 * step the agents that are due (Schedule), so a quiet trader costs nothing
 * until its next decision instead of being polled every step.
 */
import type { Command } from '../core/commands.ts';
import type { Engine } from '../core/engine.ts';
import type { Health } from '../core/margin/health.ts';
import type { Agent, StepContext } from './agents/types.ts';
import type { PriceGrid } from './prices.ts';
import type { OutcomeHandler, Turns } from './turns.ts';
import { anyBelowMaintenance, scratchHealth } from './view.ts';

/** The context of one step; one object per run, moved forward by begin(). */
export class Step implements StepContext {
  step = 0;
  ts = 0;
  tick = 0;
  readonly stepMs: number;
  /** distressed() memo: the step each account was last computed at, and the answer. */
  private distressedAt = new Float64Array(0);
  private distressedValue = new Uint8Array(0);
  private readonly scratch: Health = scratchHealth();

  constructor(
    readonly engine: Engine,
    private readonly turns: Turns,
    private readonly grid: PriceGrid,
    readonly oracle: Float64Array,
  ) {
    this.stepMs = grid.stepMs;
  }

  begin(step: number, ts: number, tick: number): void {
    this.step = step;
    this.ts = ts;
    this.tick = tick;
  }

  priceAgo(m: number, stepsAgo: number): number {
    return this.grid.prices[m][Math.max(0, this.step - stepsAgo)];
  }

  distressed(account: number): boolean {
    if (account >= this.distressedAt.length) {
      const n = Math.max(account + 1, this.engine.accounts.count);
      const at = new Float64Array(n);
      at.set(this.distressedAt);
      const value = new Uint8Array(n);
      value.set(this.distressedValue);
      this.distressedAt = at;
      this.distressedValue = value;
    }
    if (this.distressedAt[account] !== this.step) {
      this.distressedAt[account] = this.step;
      this.distressedValue[account] = anyBelowMaintenance(this.engine, account, this.scratch) ? 1 : 0;
    }
    return this.distressedValue[account] === 1;
  }

  submit(cmd: Command, onOutcome?: OutcomeHandler): void {
    this.turns.submit(cmd, onOutcome ?? null);
  }
}

/**
 * Which of `agents` act at each step. Agents with wakeStep() sit in the
 * bucket of the step they wake at; the others are due every step. due()
 * lists them in population order (the order the shuffle starts from), so
 * the run draws exactly what polling every agent would.
 *
 * Allocation-free: an agent waits in at most one bucket, so the buckets are
 * linked lists threaded through one Int32Array (`head` per step, `next` per
 * agent), and the due list is the front of arrays sized for every agent.
 */
export class Schedule {
  private readonly always: Int32Array;
  /** First agent waiting for each step, −1: none. */
  private readonly head: Int32Array;
  /** The agent after each one in its bucket, −1: the last. */
  private readonly next: Int32Array;
  private readonly dueIdx: Int32Array;
  private dueCount = 0;
  /** The agents due at the step due() was last called for, in its first dueCount slots. */
  readonly dueAgents: Agent[];

  constructor(
    private readonly agents: readonly Agent[],
    private readonly steps: number,
  ) {
    this.head = new Int32Array(steps + 1).fill(-1);
    this.next = new Int32Array(agents.length).fill(-1);
    this.dueIdx = new Int32Array(agents.length);
    this.dueAgents = agents.slice();
    const always: number[] = [];
    agents.forEach((a, i) => {
      if (a.wakeStep === undefined) always.push(i);
      else this.put(i, Math.max(1, a.wakeStep()));
    });
    this.always = Int32Array.from(always);
  }

  private put(i: number, step: number): void {
    if (step >= this.steps) return;
    this.next[i] = this.head[step];
    this.head[step] = i;
  }

  /**
   * How many agents are due at `step`; they are the first that many of
   * dueAgents, in population order (shuffle them, act, then call after()).
   */
  due(step: number): number {
    const idx = this.dueIdx;
    let n = 0;
    for (let i = this.head[step]; i >= 0; i = this.next[i]) idx[n++] = i;
    this.head[step] = -1;
    const always = this.always;
    for (let i = 0; i < always.length; i++) idx[n++] = always[i];
    sortSmall(idx, n);
    const out = this.dueAgents;
    for (let i = 0; i < n; i++) out[i] = this.agents[idx[i]];
    this.dueCount = n;
    return n;
  }

  /** Reschedule the agents that just acted at `step`. */
  after(step: number): void {
    const idx = this.dueIdx;
    for (let k = 0; k < this.dueCount; k++) {
      const i = idx[k];
      const a = this.agents[i];
      if (a.wakeStep !== undefined) this.put(i, Math.max(step + 1, a.wakeStep()));
    }
  }
}

/** Insertion sort of the first n: the due lists are a handful of agents. */
function sortSmall(xs: Int32Array, n: number): void {
  for (let i = 1; i < n; i++) {
    const x = xs[i];
    let j = i - 1;
    while (j >= 0 && xs[j] > x) {
      xs[j + 1] = xs[j];
      j--;
    }
    xs[j + 1] = x;
  }
}
