/**
 * Where the process's own files are, whichever way it runs:
 *
 * - from the TypeScript sources through tsx (`npm test`, the bots, the
 *   tools): bin/source-files.ts, one level below the repository root;
 * - compiled to JavaScript under dist/ (`npm start`, `npm run bench`,
 *   `npm run build`): dist/bin/source-files.js, two levels below it.
 *
 * The exchange and its benchmarks run compiled: under tsx's module hooks the
 * engine's hot loop measured 4-27% slower on this VM than the same code
 * compiled by tsc and run by plain Node (BENCHMARKS.md). A module that starts
 * a worker or a child process, or reads a file kept beside the sources (the
 * config, the simulator's market data), asks here instead of assuming one
 * layout. core/ and persistence/ do the same test on their own URL (they do
 * not import bin/).
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** True when this process runs the TypeScript sources (through tsx), false when it runs dist/. */
const RUNNING_SOURCES = import.meta.url.endsWith('.ts');

/** The extension of the process's own modules: '.ts' from the sources, '.js' from dist/. */
export const MODULE_EXT = RUNNING_SOURCES ? '.ts' : '.js';

/** The repository root (where package.json, config/ and sim/data/ are). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), RUNNING_SOURCES ? '..' : '../..');

/** The module `stem` (no extension) beside the module at `metaUrl`, in the layout this process runs. */
export function siblingModule(metaUrl: string, stem: string): URL {
  return new URL(`./${stem}${MODULE_EXT}`, metaUrl);
}

/** Node flags a child process needs to run one of the process's own modules (tsx for the sources). */
export function moduleLoaderArgs(): string[] {
  return RUNNING_SOURCES ? ['--import', 'tsx'] : [];
}
