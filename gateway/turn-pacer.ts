/**
 * A sub-millisecond one-shot wake-up for the loop driver. Node's timers
 * count whole milliseconds, and setImmediate cannot wait at all; the pacer
 * waits on a small worker thread instead: arm(µs) hands the delay over a
 * SharedArrayBuffer and wakes the worker (one futex), the worker sleeps in
 * Atomics.wait and posts one message back when the time is up. The main
 * thread never blocks.
 *
 * One wake-up is armed at a time: arming again before it fires replaces it
 * (its generation number moves on, and a late message of the old one is
 * dropped). On this kind of virtual machine Atomics.wait oversleeps by
 * ~0.1 ms, so a wake-up comes at the delay plus that, never before.
 */
import { Worker } from 'node:worker_threads';

/**
 * The server's default gap between the starts of two turns (µs): none.
 * Measured at 20,000 orders/s over 4 connections on the 2-core machine
 * (quiet, 2026-12-06): a 250 µs gap cut the turns from ~8,500/s to
 * ~1,900/s and the process's CPU from 0.85 to 0.65, but raised the ack p50
 * from ~145 to ~375 µs and left the p99 where it was (3–5 ms either way),
 * so pacing is a knob for a small machine under a sustained flow of single
 * orders, not the default.
 */
export const DEFAULT_MIN_TURN_GAP_US = 0;

/** Slots of the shared Int32Array. */
const GEN = 0; // generation armed (main increments; -1: stop)
const DELAY = 1; // delay in µs of that generation
const SLEEP = 2; // never written: the worker's sleep waits on it

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const s = new Int32Array(workerData);
let seen = 0;
for (;;) {
  Atomics.wait(s, ${GEN}, seen);
  const gen = Atomics.load(s, ${GEN});
  if (gen < 0) break;
  if (gen === seen) continue;
  seen = gen;
  const ms = Atomics.load(s, ${DELAY}) / 1000;
  if (ms > 0) Atomics.wait(s, ${SLEEP}, 0, ms);
  // Re-armed while asleep: serve the newer request (its delay counts from when it was armed, close enough).
  if (Atomics.load(s, ${GEN}) !== gen) { seen = gen; continue; }
  parentPort.postMessage(gen);
}
`;

export class TurnPacer {
  private readonly shared = new Int32Array(new SharedArrayBuffer(3 * 4));
  private readonly worker: Worker;
  private generation = 0;
  private armed = false;
  private closed = false;

  constructor(private readonly onWake: () => void) {
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: this.shared.buffer });
    // The worker never keeps the process alive; the driver's own timer and sockets do.
    this.worker.unref();
    this.worker.on('message', (gen: number) => {
      if (!this.armed || gen !== this.generation || this.closed) return;
      this.armed = false;
      this.onWake();
    });
    this.worker.on('error', (err) => {
      // A pacer that died must not strand a turn: wake now, and from then on arm() wakes at once.
      this.closed = true;
      if (this.armed) {
        this.armed = false;
        setImmediate(this.onWake);
      }
      process.emitWarning(`turn pacer stopped: ${err instanceof Error ? err.message : String(err)}`);
    });
  }

  /** Call onWake once, `delayUs` from now (replacing a wake-up already armed). */
  arm(delayUs: number): void {
    if (this.closed) {
      setImmediate(this.onWake);
      return;
    }
    this.armed = true;
    this.generation = this.generation === 0x7ffffffe ? 1 : this.generation + 1;
    Atomics.store(this.shared, DELAY, Math.max(0, Math.min(1_000_000, Math.round(delayUs))));
    Atomics.store(this.shared, GEN, this.generation);
    Atomics.notify(this.shared, GEN);
  }

  /** Drop the armed wake-up, if any. */
  cancel(): void {
    this.armed = false;
  }

  get pending(): boolean {
    return this.armed;
  }

  close(): Promise<number> {
    this.closed = true;
    this.armed = false;
    Atomics.store(this.shared, GEN, -1);
    Atomics.notify(this.shared, GEN);
    return this.worker.terminate();
  }
}
