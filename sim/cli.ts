/**
 * `npm run simulate -- …`: run a scenario (JSON summary + HTML report) or a
 * parameter sweep (markdown + JSON table). The simulator is a tool, not the
 * engine: it reads files and the clock here, never inside a run.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { tuneInlining } from '../bin/v8-flags.ts';
import { parseArgs, USAGE } from './args.ts';
import { renderReport } from './report/html.ts';
import { findScenario, SCENARIOS } from './scenarios.ts';
import { simulate } from './simulate.ts';
import { DEFAULT_GRID, runSweep, sweepMarkdown } from './sweep.ts';

export interface CliOutput {
  files: string[];
}

/** Run the CLI; returns the files written. Throws on bad arguments. */
export function main(
  argv: readonly string[],
  log: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
): CliOutput {
  const args = parseArgs(argv);
  if (args.kind === 'help') {
    log(USAGE);
    return { files: [] };
  }
  if (args.kind === 'list') {
    for (const s of SCENARIOS) log(`${s.name.padEnd(24)} ${s.crash ? 'crash' : 'calm '}  ${s.description}`);
    return { files: [] };
  }
  if (args.kind === 'run') {
    const spec = findScenario(args.scenario);
    const started = performance.now();
    const r = simulate(spec, { seed: args.seed, maxSteps: args.steps, params: args.params });
    const ms = performance.now() - started;
    mkdirSync(args.out, { recursive: true });
    const files = [join(args.out, 'summary.json')];
    writeFileSync(files[0], `${JSON.stringify(r.summary, null, 2)}\n`);
    if (args.html) {
      files.push(join(args.out, 'report.html'));
      writeFileSync(files[1], renderReport(r));
    }
    const s = r.summary;
    log(
      `${s.scenario} seed ${s.seed}: ${s.steps} steps, ${s.commands} commands in ${Math.round(ms)} ms; ` +
        `bad debt $${s.badDebtUsd}, socialised $${s.socialisedLossUsd}, insurance min $${s.insuranceFund.minUsd}, ` +
        `${s.liquidations.count} liquidations, attacker PnL $${s.attacker?.pnlUsd ?? 0}`,
    );
    for (const f of files) log(`wrote ${resolve(f)}`);
    return { files };
  }
  const grid = Object.keys(args.grid).length > 0 ? args.grid : DEFAULT_GRID;
  const result = runSweep({
    grid,
    scenarios: args.scenarios,
    seeds: args.seeds,
    steps: args.steps,
    onRun: (done, total, run) =>
      log(
        `[${done}/${total}] ${run.scenario} seed ${run.seed}: bad debt $${run.badDebtUsd}, socialised $${run.socialisedLossUsd}`,
      ),
  });
  mkdirSync(args.out, { recursive: true });
  const files = [join(args.out, 'sweep.md'), join(args.out, 'sweep.json')];
  writeFileSync(files[0], sweepMarkdown(result));
  writeFileSync(files[1], `${JSON.stringify(result, null, 2)}\n`);
  for (const f of files) log(`wrote ${resolve(f)}`);
  return { files };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  // The engine runs here as in the server (bin/v8-flags.ts).
  tuneInlining();
  try {
    main(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  }
}
