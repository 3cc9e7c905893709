/**
 * Command-line arguments of `npm run simulate`, validated with precise
 * messages. Pure: no I/O, so tests can check every case.
 *
 *   simulate list
 *   simulate SCENARIO [--seed N] [--steps N] [--out DIR] [--param NAME=VALUE]... [--no-html]
 *   simulate sweep [--scenarios A,B] [--seeds 1,2] [--steps N] [--out DIR]
 *                  [--im LIST] [--mm LIST | --mm-ratio LIST] [--penalty LIST] [--buffer LIST] [--vol LIST]
 *                  [--grid NAME=LIST]...
 */
import { MARKET_PARAM_NAMES, type MarketParams } from '../core/params.ts';

export type Grid = Partial<Record<keyof MarketParams | 'mmRatio', number[]>>;

export type Args =
  | { kind: 'list' }
  | { kind: 'help' }
  | {
      kind: 'run';
      scenario: string;
      seed: number;
      steps?: number;
      out: string;
      params: Partial<MarketParams>;
      html: boolean;
    }
  | { kind: 'sweep'; scenarios: string[] | null; seeds: number[]; steps?: number; out: string; grid: Grid };

export const USAGE = `usage:
  npm run simulate -- list
  npm run simulate -- SCENARIO [--seed N] [--steps N] [--out DIR] [--param NAME=VALUE]... [--no-html]
  npm run simulate -- sweep [--scenarios A,B] [--seeds 1,2] [--steps N] [--out DIR]
      [--im LIST] [--mm LIST | --mm-ratio LIST] [--penalty LIST] [--buffer LIST] [--vol LIST] [--grid NAME=LIST]...
LIST is comma-separated integers (E6 ratios), e.g. --im 50000,100000; --mm-ratio takes fractions of IM (0.5,0.625);
--vol sets volConfidenceE6 (500000 turns volatility-indexed margin off).`;

const ALIASES: Record<string, keyof MarketParams | 'mmRatio'> = {
  '--im': 'initialMarginE6',
  '--mm': 'maintenanceMarginE6',
  '--mm-ratio': 'mmRatio',
  '--penalty': 'liquidationPenaltyE6',
  '--buffer': 'liquidationBufferE6',
  '--vol': 'volConfidenceE6',
};

function integer(text: string, what: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new RangeError(`${what} must be an integer, got ${JSON.stringify(text)}`);
  return n;
}

function list(text: string, what: string, fractions = false): number[] {
  const xs = text.split(',').filter((x) => x !== '');
  if (xs.length === 0) throw new RangeError(`${what} needs at least one value`);
  return xs.map((x) => {
    if (!fractions) return integer(x, what);
    const n = Number(x);
    if (!(n > 0 && n <= 1)) throw new RangeError(`${what} values must be in (0, 1], got ${x}`);
    return n;
  });
}

function paramName(name: string): keyof MarketParams {
  if (!(MARKET_PARAM_NAMES as string[]).includes(name)) throw new RangeError(`unknown market parameter ${name}`);
  return name as keyof MarketParams;
}

export function parseArgs(argv: readonly string[]): Args {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') return { kind: 'help' };
  if (first === 'list') return { kind: 'list' };
  const value = (i: number, flag: string): string => {
    const v = rest[i + 1];
    if (v === undefined) throw new RangeError(`${flag} needs a value`);
    return v;
  };
  if (first === 'sweep') {
    const out: Extract<Args, { kind: 'sweep' }> = {
      kind: 'sweep',
      scenarios: null,
      seeds: [1],
      out: 'reports/sim/sweep',
      grid: {},
    };
    for (let i = 0; i < rest.length; i++) {
      const flag = rest[i];
      if (flag === '--scenarios') out.scenarios = value(i++, flag).split(',');
      else if (flag === '--seeds') out.seeds = list(value(i++, flag), flag);
      else if (flag === '--steps') out.steps = integer(value(i++, flag), flag);
      else if (flag === '--out') out.out = value(i++, flag);
      else if (flag in ALIASES) out.grid[ALIASES[flag]] = list(value(i++, flag), flag, flag === '--mm-ratio');
      else if (flag === '--grid') {
        const [name, values] = value(i++, flag).split('=');
        out.grid[paramName(name)] = list(values ?? '', `--grid ${name}`);
      } else throw new RangeError(`unknown option ${flag}\n${USAGE}`);
    }
    if (out.grid.maintenanceMarginE6 !== undefined && out.grid.mmRatio !== undefined) {
      throw new RangeError('give --mm or --mm-ratio, not both');
    }
    return out;
  }
  if (first.startsWith('-')) throw new RangeError(`expected a scenario name first, got ${first}\n${USAGE}`);
  const run: Extract<Args, { kind: 'run' }> = {
    kind: 'run',
    scenario: first,
    seed: 1,
    out: '',
    params: {},
    html: true,
  };
  for (let i = 0; i < rest.length; i++) {
    const flag = rest[i];
    if (flag === '--seed') run.seed = integer(value(i++, flag), flag);
    else if (flag === '--steps') run.steps = integer(value(i++, flag), flag);
    else if (flag === '--out') run.out = value(i++, flag);
    else if (flag === '--no-html') run.html = false;
    else if (flag === '--param') {
      const [name, v] = value(i++, flag).split('=');
      run.params[paramName(name)] = integer(v ?? '', `--param ${name}`);
    } else throw new RangeError(`unknown option ${flag}\n${USAGE}`);
  }
  if (run.out === '') run.out = `reports/sim/${run.scenario}-seed${run.seed}`;
  return run;
}
