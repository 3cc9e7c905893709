/**
 * `npm run bench` runs every bench/*.bench.ts, each in a process of its own;
 * `npm run bench -- NAME` runs one: NAME is a file stem (`engine`) or a
 * figure (`engine.market_orders`). `npm run bench` runs them compiled
 * (dist/bench/*.bench.js), as `npm start` runs the exchange; run through tsx
 * (`npx tsx bench/run.ts`) they work the same, only slower (bin/source-files.ts).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MODULE_EXT } from '../bin/source-files.ts';
import { tuneInlining } from '../bin/v8-flags.ts';
import type { BenchModule, Figure } from './harness.ts';

const here = dirname(fileURLToPath(import.meta.url));
const arg = process.argv[2] ?? null;
const suffix = `.bench${MODULE_EXT}`;
const stems = readdirSync(here)
  .filter((f) => f.endsWith(suffix))
  .map((f) => f.slice(0, -suffix.length))
  .sort();
const fileWanted = arg === null ? null : arg.split('.')[0];
const only = arg?.includes('.') ? arg : null;
const selected = fileWanted === null ? stems : stems.filter((s) => s === fileWanted);
if (selected.length === 0) {
  process.stderr.write(`no benchmark named ${arg}; have: ${stems.join(', ')}\n`);
  process.exit(2);
}

const report = (figure: Figure): void => {
  if (only !== null && figure.bench !== only) return;
  process.stdout.write(`${JSON.stringify(figure)}\n`);
};

if (selected.length > 1) {
  // Every file in a process of its own: one benchmark's JIT type feedback, heap and worker threads
  // must not shape the next one's figures (the engine's call sites see only the engine bench's
  // commands, as they would in the server).
  for (const stem of selected) {
    const r = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), stem], {
      stdio: 'inherit',
    });
    if (r.status !== 0) {
      process.stderr.write(`benchmark ${stem} failed (exit ${r.status ?? r.signal})\n`);
      process.exitCode = 1;
    }
  }
} else {
  // Before any bench module is loaded: the exchange's processes run under this flag (bin/v8-flags.ts).
  tuneInlining();
  for (const stem of selected) {
    const mod = (await import(pathToFileURL(join(here, `${stem}${suffix}`)).href)) as BenchModule;
    process.stderr.write(`# ${stem}\n`);
    await mod.run(report, { only });
  }
}
