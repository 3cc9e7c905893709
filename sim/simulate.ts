/**
 * The simulation loop. Setup: markets at the first price of their files,
 * the insurance fund, the population. Then, per step of the price grid, one
 * turn of the live loop: oracle updates, the agents' commands (makers and
 * arbitrageurs first, everyone else in a fresh random order), funding ticks
 * whose interval has elapsed, then the tick. Every command goes through
 * Engine.apply; the run is a pure function of the scenario and the seed.
 */
import type { Command } from '../core/commands.ts';
import { Engine } from '../core/engine.ts';
import { type MarketParams, resolveParams } from '../core/params.ts';
import type { RunOptions, ScenarioSpec } from './config.ts';
import { Metrics } from './metrics.ts';
import { buildPopulation, type Population } from './population.ts';
import { alignSeries, loadSeries, type PriceGrid } from './prices.ts';
import { Rng } from './rng.ts';
import { Series } from './series.ts';
import { Schedule, Step } from './step.ts';
import { type Summary, summarize } from './summary.ts';
import { Turns } from './turns.ts';
import { BASE_PRECISION, E6, USD } from './units.ts';

export interface SimResult {
  spec: ScenarioSpec;
  options: RunOptions;
  summary: Summary;
  series: Series;
  engine: Engine;
  grid: PriceGrid;
  population: Population;
  turns: Turns;
}

function marketParams(spec: ScenarioSpec, options: RunOptions): MarketParams[] {
  return spec.markets.map((m) => {
    const p = resolveParams({ ...(m.params ?? {}), ...(options.params ?? {}) });
    if (typeof p === 'string') throw new RangeError(`${spec.name} ${m.symbol}: ${p}`);
    return p;
  });
}

export function simulate(spec: ScenarioSpec, options: RunOptions): SimResult {
  const rng = new Rng(options.seed);
  const grid = alignSeries(
    spec.markets.map((m) => loadSeries(m.file)),
    options.maxSteps,
  );
  const steps = grid.ts.length;
  const params = marketParams(spec, options);
  const e = new Engine();
  const metrics = new Metrics(e);
  const turns = new Turns(e, metrics, options.journal === true);
  const ts0 = grid.ts[0];
  const setup = (cmd: Command) => {
    const out = turns.applyNow(cmd, ts0);
    if (!out.ok) throw new Error(`simulator setup: ${cmd.type} rejected with ${out.code}: ${out.message}`);
  };

  spec.markets.forEach((m, i) => {
    const price = grid.prices[i][0];
    const baseReserve = Math.round((m.depthUsd * USD * BASE_PRECISION) / price);
    setup({ type: 'createMarket', symbol: m.symbol, initialPrice: price, baseReserve, params: params[i] });
  });
  const confidence = (price: number) => Math.max(1, Math.round((price * spec.oracleConfidenceE6) / E6));
  spec.markets.forEach((_, i) => {
    const price = grid.prices[i][0];
    setup({ type: 'oracle', market: i, source: 0, price, confidence: confidence(price), publishTs: ts0 });
  });
  setup({ type: 'insuranceDeposit', amount: spec.insuranceUsd * USD });
  const population = buildPopulation(turns, ts0, spec, params, grid.stepMs, steps, rng.fork('population'));
  const isTrader = new Uint8Array(e.accounts.count);
  for (const a of population.all) if (a.kind === 'trader') for (const id of a.accounts) isTrader[id] = 1;
  const insuranceStart = e.insuranceFund;
  metrics.insuranceMin = insuranceStart;
  turns.runTurn(ts0);
  const series = new Series(e, steps, isTrader);
  series.record(0, ts0, metrics);

  const order = rng.fork('order');
  const listeners = population.all.filter((a) => a.onTick !== undefined);
  const schedule = new Schedule(population.rest, steps);
  const oracle = new Float64Array(spec.markets.length);
  const ctx = new Step(e, turns, grid, oracle);
  const every = options.invariantsEverySteps ?? 0;
  const markets = e.markets;
  for (let step = 1; step < steps; step++) {
    const ts = grid.ts[step];
    for (let i = 0; i < oracle.length; i++) oracle[i] = grid.prices[i][step];
    ctx.begin(step, ts, e.tickCount);
    for (let i = 0; i < oracle.length; i++) {
      turns.submit({
        type: 'oracle',
        market: i,
        source: 0,
        price: oracle[i],
        confidence: confidence(oracle[i]),
        publishTs: ts,
      });
    }
    for (const a of population.first) a.act(ctx);
    const due = schedule.due(step);
    order.shuffle(due);
    for (let i = 0; i < due.length; i++) due[i].act(ctx);
    schedule.after(step);
    for (let i = 0; i < markets.length; i++) {
      const m = markets[i];
      if (ts - m.fundingTs >= m.params.fundingIntervalMs) turns.submit({ type: 'fundingTick', market: m.id });
    }
    const tick = turns.runTurn(ts);
    if (tick.ok && tick.events.length > 0) for (const a of listeners) a.onTick?.(tick.events, ctx);
    series.record(step, ts, metrics);
    if (every > 0 && step % every === 0) {
      const broken = e.validateInvariants();
      if (broken.length > 0) throw new Error(`${spec.name} seed ${options.seed} step ${step}: ${broken.join('; ')}`);
    }
  }
  metrics.finish(grid.ts[steps - 1]);
  const summary = summarize({ spec, options, engine: e, grid, metrics, series, population, insuranceStart, params });
  return { spec, options, summary, series, engine: e, grid, population, turns };
}
