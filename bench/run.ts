/**
 * `npm run bench` runs every bench/*.bench.ts, each in a process of its own;
 * `npm run bench -- NAME` runs one: NAME is a file stem (`engine`) or a
 * figure (`engine.market_orders`).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BenchModule, Figure } from './harness.ts';

const here = dirname(fileURLToPath(import.meta.url));
const arg = process.argv[2] ?? null;
const stems = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.slice(0, -'.bench.ts'.length))
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
  for (const stem of selected) {
    const mod = (await import(pathToFileURL(join(here, `${stem}.bench.ts`)).href)) as BenchModule;
    process.stderr.write(`# ${stem}\n`);
    await mod.run(report, { only });
  }
}
