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
 * optimises until their bytecode adds up to 920 bytes (V8's default), and
 * never past 4,600 bytes. A book fill (core/matching.ts bookFill) spends
 * that on its small callees, and calls its position arithmetic, the book's
 * removal of the filled order, the fee transfer and the maker's loading out
 * of line, each call a frame that reloads and rechecks what the caller
 * already had. Both limits are raised to 5,000 bytes. Measured pair by pair
 * (the engine's crossing driver, both cores at once with the sides
 * swapped) and in alternating bench runs:
 *   - 3,000 (cumulative only) against the default: ×1.02–1.26, median ~1.10;
 *   - 8,000 (both) against 3,000: ×1.15–1.30 in the driver; book.crossing
 *     597–613k against 465–483k, but sim.commands, where the agents' code
 *     is compiled as well, 424–558k against 538–580k;
 *   - 5,000 (both): book.crossing 564–599k, sim.commands 493–600k: most of
 *     the engine's gain and none of the simulator's loss;
 *   - 16,000 against 8,000 ×0.98–1.10; a larger per-callee limit (1,000
 *     bytes) ×0.95–1.13: neither kept.
 * BENCHMARKS.md has every bench's figures with it. A peer measured in the
 * same process (bench/) runs under the same flags.
 */
import { setFlagsFromString } from 'node:v8';

/** Bytes of callee bytecode TurboFan may inline into one optimised function. */
export const INLINING_BUDGET_BYTES = 5_000;

export function tuneInlining(): void {
  setFlagsFromString(`--max-inlined-bytecode-size-cumulative=${INLINING_BUDGET_BYTES}`);
  setFlagsFromString(`--max-inlined-bytecode-size-absolute=${INLINING_BUDGET_BYTES}`);
}
