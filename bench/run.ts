/**
 * `npm run bench` runs every bench/*.bench.ts; `npm run bench -- NAME` runs
 * one: NAME is a file stem (`engine`) or a figure (`engine.market_orders`).
 */
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
const only = arg !== null && arg.includes('.') ? arg : null;
const selected = fileWanted === null ? stems : stems.filter((s) => s === fileWanted);
if (selected.length === 0) {
  process.stderr.write(`no benchmark named ${arg}; have: ${stems.join(', ')}\n`);
  process.exit(2);
}

const report = (figure: Figure): void => {
  if (only !== null && figure.bench !== only) return;
  process.stdout.write(`${JSON.stringify(figure)}\n`);
};

for (const stem of selected) {
  const mod = (await import(pathToFileURL(join(here, `${stem}.bench.ts`)).href)) as BenchModule;
  process.stderr.write(`# ${stem}\n`);
  await mod.run(report, { only });
}
