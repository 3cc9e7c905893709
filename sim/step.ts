/**
 * The per-step plumbing of the simulation loop, allocated once per run:
 * the context agents decide in (Step), and the schedule that hands each
 * step the agents that are due (Schedule), so a quiet trader costs nothing
 * until its next decision instead of being polled every step.
 */
import type { Command } from '../core/commands.ts';
import type { Engine } from '../core/engine.ts';
import { distressedUnits } from '../core/liquidation.ts';
import type { Agent, StepContext } from './agents/types.ts';
import type { PriceGrid } from './prices.ts';
import type { OutcomeHandler, Turns } from './turns.ts';

/** The context of one step; one object per run, moved forward by begin(). */
export class Step implements StepContext {
  step = 0;
  ts = 0;
  tick = 0;
  readonly stepMs: number;
  /** distressed() memo: the step each account was last computed at, and the answer. */
  private distressedAt = new Float64Array(0);
  private distressedValue = new Uint8Array(0);

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
      this.distressedValue[account] = distressedUnits(this.engine, account).length > 0 ? 1 : 0;
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
 */
export class Schedule {
  private readonly always: number[] = [];
  private readonly buckets: (number[] | undefined)[];
  private readonly dueIdx: number[] = [];
  private readonly dueAgents: Agent[] = [];

  constructor(
    private readonly agents: readonly Agent[],
    private readonly steps: number,
  ) {
    this.buckets = new Array(steps + 1);
    agents.forEach((a, i) => {
      if (a.wakeStep === undefined) this.always.push(i);
      else this.put(i, Math.max(1, a.wakeStep()));
    });
  }

  private put(i: number, step: number): void {
    if (step >= this.steps) return;
    const b = this.buckets[step];
    if (b === undefined) this.buckets[step] = [i];
    else b.push(i);
  }

  /** The agents due at `step`, in population order (a reused array: shuffle it, act, then call after()). */
  due(step: number): Agent[] {
    const idx = this.dueIdx;
    idx.length = 0;
    const b = this.buckets[step];
    if (b !== undefined) {
      for (let i = 0; i < b.length; i++) idx.push(b[i]);
      this.buckets[step] = undefined;
    }
    for (let i = 0; i < this.always.length; i++) idx.push(this.always[i]);
    if (b !== undefined) sortSmall(idx);
    const out = this.dueAgents;
    out.length = idx.length;
    for (let i = 0; i < idx.length; i++) out[i] = this.agents[idx[i]];
    return out;
  }

  /** Reschedule the agents that just acted at `step`. */
  after(step: number): void {
    const idx = this.dueIdx;
    for (let i = 0; i < idx.length; i++) {
      const a = this.agents[idx[i]];
      if (a.wakeStep !== undefined) this.put(idx[i], Math.max(step + 1, a.wakeStep()));
    }
  }
}

/** Insertion sort: the due lists are a handful of agents. */
function sortSmall(xs: number[]): void {
  for (let i = 1; i < xs.length; i++) {
    const x = xs[i];
    let j = i - 1;
    while (j >= 0 && xs[j] > x) {
      xs[j + 1] = xs[j];
      j--;
    }
    xs[j + 1] = x;
  }
}
