/**
 * `npm run simulate`: argument parsing (every option and its errors), a run
 * writing the JSON summary and the HTML report, and a small parameter sweep
 * writing its markdown and JSON table with a recommendation.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseArgs } from '../../sim/args.ts';
import { main } from '../../sim/cli.ts';
import { expandGrid } from '../../sim/sweep.ts';

describe('simulate arguments', () => {
  it('parses a run with its options', () => {
    expect(
      parseArgs(['ftx-2022', '--seed', '3', '--steps', '100', '--param', 'initialMarginE6=80000', '--no-html']),
    ).toEqual({
      kind: 'run',
      scenario: 'ftx-2022',
      seed: 3,
      steps: 100,
      out: 'reports/sim/ftx-2022-seed3',
      params: { initialMarginE6: 80_000 },
      html: false,
    });
  });

  it('parses a sweep grid', () => {
    const a = parseArgs([
      'sweep',
      '--scenarios',
      'luna-2022',
      '--im',
      '50000,100000',
      '--mm-ratio',
      '0.5',
      '--grid',
      'imfFactorE6=0,1000',
    ]);
    expect(a).toMatchObject({
      kind: 'sweep',
      scenarios: ['luna-2022'],
      grid: { initialMarginE6: [50_000, 100_000], mmRatio: [0.5], imfFactorE6: [0, 1_000] },
    });
  });

  it('refuses bad input with a precise message', () => {
    expect(() => parseArgs(['x', '--seed', 'abc'])).toThrow(/--seed must be an integer/);
    expect(() => parseArgs(['x', '--param', 'nope=1'])).toThrow(/unknown market parameter nope/);
    expect(() => parseArgs(['x', '--seed'])).toThrow(/--seed needs a value/);
    expect(() => parseArgs(['sweep', '--mm', '1', '--mm-ratio', '0.5'])).toThrow(/not both/);
    expect(() => parseArgs(['sweep', '--mm-ratio', '2'])).toThrow(/\(0, 1]/);
    expect(() => parseArgs(['--seed', '1'])).toThrow(/scenario name first/);
    expect(() => parseArgs(['x', '--frobnicate'])).toThrow(/unknown option --frobnicate/);
  });

  it('expands mm-ratio against each IM', () => {
    expect(expandGrid({ initialMarginE6: [50_000, 100_000], mmRatio: [0.5] })).toEqual([
      { initialMarginE6: 50_000, maintenanceMarginE6: 25_000 },
      { initialMarginE6: 100_000, maintenanceMarginE6: 50_000 },
    ]);
  });
});

describe('simulate command', () => {
  const out = mkdtempSync(join(tmpdir(), 'clearloop-sim-cli-'));
  const quiet = () => {};

  it('runs a scenario and writes the summary and the report', () => {
    const { files } = main(['luna-2022', '--steps', '400', '--out', join(out, 'run')], quiet);
    expect(files.map((f) => f.slice(out.length))).toEqual(['/run/summary.json', '/run/report.html']);
    const summary = JSON.parse(readFileSync(files[0], 'utf8'));
    expect(summary).toMatchObject({ scenario: 'luna-2022', seed: 1, steps: 400 });
    expect(readFileSync(files[1], 'utf8')).toContain('<svg data-chart="insurance-fund"');
  });

  it('rejects an unknown scenario', () => {
    expect(() => main(['no-such-crash'], quiet)).toThrow(/unknown scenario no-such-crash/);
  });

  it('sweeps a grid into a markdown and a JSON table with a recommendation', () => {
    const dir = join(out, 'sweep');
    main(
      [
        'sweep',
        '--scenarios',
        'luna-2022',
        '--steps',
        '300',
        '--im',
        '100000,200000',
        '--mm-ratio',
        '0.625',
        '--out',
        dir,
      ],
      quiet,
    );
    expect(existsSync(join(dir, 'sweep.md'))).toBe(true);
    const result = JSON.parse(readFileSync(join(dir, 'sweep.json'), 'utf8'));
    expect(result.rows).toHaveLength(2);
    expect(result.recommended).not.toBeNull();
    const md = readFileSync(join(dir, 'sweep.md'), 'utf8');
    expect(md).toContain('(recommended)');
    expect(md).toContain('| IM 100000, MM 62500');
  });
});
