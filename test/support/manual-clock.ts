/** A PoolClock whose time and timers the test moves by hand (risk pool and portfolio runner tests). */
import type { PoolClock } from '../../core/risk/pool.ts';

/** A clock the test moves by hand. */
export class ManualClock implements PoolClock {
  t = 0;
  #next = 1;
  readonly #timers = new Map<number, { at: number; fn: () => void }>();
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.#next++;
    this.#timers.set(id, { at: this.t + ms, fn });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number);
  }
  advance(ms: number): void {
    this.t += ms;
    for (const [id, timer] of [...this.#timers]) {
      if (timer.at <= this.t) {
        this.#timers.delete(id);
        timer.fn();
      }
    }
  }
}
