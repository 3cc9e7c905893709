/**
 * V8 settings of the exchange's own processes: the server, the bench
 * runner's children (each bench runs in one) and the recovery bench's
 * child, and the simulator's command line. An entry point calls
 * tuneInlining() before any hot code runs. V8 flags are not accepted in
 * NODE_OPTIONS and a worker thread refuses them in its execArgv; set with
 * v8.setFlagsFromString they hold for the process and its worker threads
 * (the portfolio pool, the background worker).
 *
 * The inlining budget. TurboFan inlines the callees of a function it
 * optimises until their bytecode adds up to 920 bytes (V8's default). A
 * book fill (core/matching.ts bookFill) spends that on its small callees,
 * and calls its position arithmetic, the book's removal of the filled order,
 * the fee transfer and the maker's loading out of line, each call a frame
 * that reloads and rechecks what the caller already had. At 3,000 bytes
 * those are inlined: the engine's crossing driver ran 2–26% faster, pair by
 * pair on the two cores at once (median ~10%); 4,600 (V8's cap on any one
 * function) was no faster than 3,000, and 2,000 was slower. BENCHMARKS.md
 * has the figures of every bench with it. A peer measured in the same
 * process (bench/) runs under the same flag.
 */
import { setFlagsFromString } from 'node:v8';

/** Bytes of callee bytecode TurboFan may inline into one optimised function. */
export const INLINING_BUDGET_BYTES = 3_000;

export function tuneInlining(): void {
  setFlagsFromString(`--max-inlined-bytecode-size-cumulative=${INLINING_BUDGET_BYTES}`);
}
