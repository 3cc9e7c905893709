/**
 * Parameter sweeps: every combination of the grid, run on every chosen
 * scenario and seed, reduced to one row of bad debt against capital
 * efficiency. A row passes when no run socialised a loss and no run's bad
 * debt exceeded BAD_DEBT_BUDGET of its insurance fund (the fund should
 * outlast ten crashes like the worst of history); the recommendation
 * is the passing row that let traders carry the most notional per unit of
 * equity (ties: less bad debt).
 */
import { DEFAULT_MARKET_PARAMS, type MarketParams, resolveParams } from '../core/params.ts';
import type { Grid } from './args.ts';
import { CRASH_SCENARIOS, findScenario } from './scenarios.ts';
import { simulate } from './simulate.ts';
import { roundTo } from './units.ts';

/** Largest share of the insurance fund one crash may consume for a row to pass. */
export const BAD_DEBT_BUDGET = 0.1;

export const DEFAULT_GRID: Grid = {
  initialMarginE6: [50_000, 75_000, 100_000, 150_000],
  mmRatio: [0.5, 0.625],
  liquidationPenaltyE6: [7_500, 12_500],
  liquidationBufferE6: [0, 20_000],
  volConfidenceE6: [500_000, 990_000],
};

export interface SweepRun {
  scenario: string;
  seed: number;
  badDebtUsd: number;
  socialisedLossUsd: number;
  insuranceStartUsd: number;
  insuranceMinUsd: number;
  liquidations: number;
  maxLeverageAllowedAvg: number;
  notionalPerCollateral: number;
  attackerPnlUsd: number | null;
}

export interface SweepRow {
  params: Partial<MarketParams>;
  isDefault: boolean;
  badDebtUsd: number;
  worstBadDebtShare: number;
  socialisedLossUsd: number;
  liquidations: number;
  maxLeverageAllowedAvg: number;
  notionalPerCollateral: number;
  passes: boolean;
  runs: SweepRun[];
}

export interface SweepResult {
  grid: Grid;
  scenarios: string[];
  seeds: number[];
  steps: number | null;
  rows: SweepRow[];
  skipped: { params: Partial<MarketParams>; reason: string }[];
  recommended: SweepRow | null;
}

/** Every combination of the grid as parameter overrides (mmRatio turns into maintenanceMarginE6). */
export function expandGrid(grid: Grid): Partial<MarketParams>[] {
  let combos: Record<string, number>[] = [{}];
  for (const [name, values] of Object.entries(grid)) {
    if (values === undefined) continue;
    combos = combos.flatMap((c) => values.map((v) => ({ ...c, [name]: v })));
  }
  return combos.map((c) => {
    const { mmRatio, ...rest } = c;
    const p: Partial<MarketParams> = { ...rest };
    if (mmRatio !== undefined) {
      p.maintenanceMarginE6 = Math.round((p.initialMarginE6 ?? DEFAULT_MARKET_PARAMS.initialMarginE6) * mmRatio);
    }
    return p;
  });
}

function isDefault(p: Partial<MarketParams>): boolean {
  return Object.entries(p).every(([k, v]) => DEFAULT_MARKET_PARAMS[k as keyof MarketParams] === v);
}

export interface SweepOptions {
  grid: Grid;
  scenarios?: string[] | null;
  seeds?: number[];
  steps?: number;
  /** Called after each run (progress). */
  onRun?: (done: number, total: number, run: SweepRun) => void;
}

export function runSweep(o: SweepOptions): SweepResult {
  const scenarios = o.scenarios ?? CRASH_SCENARIOS;
  const seeds = o.seeds ?? [1];
  const rows: SweepRow[] = [];
  const skipped: SweepResult['skipped'] = [];
  const combos = expandGrid(o.grid);
  const valid = combos.filter((p) => {
    const r = resolveParams(p as Record<string, unknown>);
    if (typeof r === 'string') skipped.push({ params: p, reason: r });
    return typeof r !== 'string';
  });
  const total = valid.length * scenarios.length * seeds.length;
  let done = 0;
  for (const params of valid) {
    const runs: SweepRun[] = [];
    for (const name of scenarios) {
      for (const seed of seeds) {
        const s = simulate(findScenario(name), { seed, params, maxSteps: o.steps }).summary;
        const run: SweepRun = {
          scenario: name,
          seed,
          badDebtUsd: s.badDebtUsd,
          socialisedLossUsd: s.socialisedLossUsd,
          insuranceStartUsd: s.insuranceFund.startUsd,
          insuranceMinUsd: s.insuranceFund.minUsd,
          liquidations: s.liquidations.count,
          maxLeverageAllowedAvg: s.capitalEfficiency.maxLeverageAllowedAvg,
          notionalPerCollateral: s.capitalEfficiency.notionalPerCollateral,
          attackerPnlUsd: s.attacker?.pnlUsd ?? null,
        };
        runs.push(run);
        o.onRun?.(++done, total, run);
      }
    }
    const sum = (f: (r: SweepRun) => number) => runs.reduce((acc, r) => acc + f(r), 0);
    const worstShare = Math.max(...runs.map((r) => r.badDebtUsd / r.insuranceStartUsd));
    const socialised = sum((r) => r.socialisedLossUsd);
    rows.push({
      params,
      isDefault: isDefault(params),
      badDebtUsd: roundTo(
        sum((r) => r.badDebtUsd),
        2,
      ),
      worstBadDebtShare: roundTo(worstShare, 4),
      socialisedLossUsd: roundTo(socialised, 2),
      liquidations: sum((r) => r.liquidations),
      maxLeverageAllowedAvg: roundTo(sum((r) => r.maxLeverageAllowedAvg) / runs.length, 3),
      notionalPerCollateral: roundTo(sum((r) => r.notionalPerCollateral) / runs.length, 3),
      passes: socialised === 0 && worstShare <= BAD_DEBT_BUDGET,
      runs,
    });
  }
  const passing = rows.filter((r) => r.passes);
  passing.sort((a, b) => b.notionalPerCollateral - a.notionalPerCollateral || a.badDebtUsd - b.badDebtUsd);
  return { grid: o.grid, scenarios, seeds, steps: o.steps ?? null, rows, skipped, recommended: passing[0] ?? null };
}

const SHORT: Partial<Record<keyof MarketParams, string>> = {
  initialMarginE6: 'IM',
  maintenanceMarginE6: 'MM',
  liquidationPenaltyE6: 'penalty',
  liquidationBufferE6: 'buffer',
  volConfidenceE6: 'vol conf',
};

function paramText(p: Partial<MarketParams>): string {
  return Object.entries(p)
    .map(([k, v]) => `${SHORT[k as keyof MarketParams] ?? k} ${v}`)
    .join(', ');
}

export function sweepMarkdown(r: SweepResult): string {
  const lines = [
    '# Parameter sweep',
    '',
    `Scenarios: ${r.scenarios.join(', ')}; seeds: ${r.seeds.join(', ')}${r.steps === null ? '' : `; first ${r.steps} steps`}.`,
    `A row passes when no run socialised a loss and no run's bad debt exceeded ${BAD_DEBT_BUDGET * 100}% of the insurance fund.`,
    'Ratios are E6 (100000 = 10%); vol conf 500000 turns volatility-indexed margin off.',
    '',
    '| parameters | bad debt (USD, all runs) | worst bad debt / insurance | socialised (USD) | liquidations | avg leverage allowed | notional / equity | passes |',
    '|---|---:|---:|---:|---:|---:|---:|:---:|',
  ];
  const sorted = [...r.rows].sort((a, b) => b.notionalPerCollateral - a.notionalPerCollateral);
  for (const row of sorted) {
    const mark = row === r.recommended ? ' **(recommended)**' : row.isDefault ? ' (current default)' : '';
    lines.push(
      `| ${paramText(row.params)}${mark} | ${row.badDebtUsd} | ${row.worstBadDebtShare} | ${row.socialisedLossUsd} | ${row.liquidations} | ${row.maxLeverageAllowedAvg} | ${row.notionalPerCollateral} | ${row.passes ? 'yes' : 'no'} |`,
    );
  }
  lines.push('');
  lines.push(r.recommended === null ? 'No row passes.' : `Recommended: ${paramText(r.recommended.params)}.`);
  if (r.skipped.length > 0) {
    lines.push('', `Skipped ${r.skipped.length} invalid combination(s):`);
    for (const s of r.skipped) lines.push(`- ${paramText(s.params)}: ${s.reason}`);
  }
  return `${lines.join('\n')}\n`;
}
