/**
 * The simulation loop. Setup: markets at the first price of their files,
 * the insurance fund, the population. Then, per step of the price grid, one
 * turn of the live loop: oracle updates, the agents' commands (makers and
 * arbitrageurs first, everyone else in a fresh random order), funding ticks
 * whose interval has elapsed, then the tick. Every command goes through
 * Engine.apply; the run is a pure function of the scenario and the seed.
 */

import { classicEvents } from '../core/classic-events.ts';
import type { Command, OraclePrice } from '../core/commands.ts';
import { Engine } from '../core/engine.ts';
import { type MarketParams, resolveParams } from '../core/params.ts';
import type { Agent } from './agents/types.ts';
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

/** The oracle confidence published with `price`: `confidenceE6` of it, at least one unit. */
function confidence(price: number, confidenceE6: number): number {
  return Math.max(1, Math.round((price * confidenceE6) / E6));
}

function oracleCommand(market: number, price: number, confidence: number, publishTs: number): OraclePrice {
  return { type: 'oracle', market, source: 0, price, confidence, publishTs };
}

function setup(turns: Turns, cmd: Command, ts: number): void {
  const out = turns.applyNow(cmd, ts);
  if (!out.ok) throw new Error(`simulator setup: ${cmd.type} rejected with ${out.code}: ${out.message}`);
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

  for (let i = 0; i < spec.markets.length; i++) {
    const m = spec.markets[i];
    const price = grid.prices[i][0];
    const baseReserve = Math.round((m.depthUsd * USD * BASE_PRECISION) / price);
    setup(turns, { type: 'createMarket', symbol: m.symbol, initialPrice: price, baseReserve, params: params[i] }, ts0);
  }
  for (let i = 0; i < spec.markets.length; i++) {
    const price = grid.prices[i][0];
    const conf = confidence(price, spec.oracleConfidenceE6);
    setup(turns, { type: 'oracle', market: i, source: 0, price, confidence: conf, publishTs: ts0 }, ts0);
  }
  setup(turns, { type: 'insuranceDeposit', amount: spec.insuranceUsd * USD }, ts0);
  const population = buildPopulation(turns, ts0, spec, params, grid.stepMs, steps, rng.fork('population'));
  const isTrader = new Uint8Array(e.accounts.count);
  for (const a of population.all) if (a.kind === 'trader') for (const id of a.accounts) isTrader[id] = 1;
  const insuranceStart = e.insuranceFund;
  metrics.insuranceMin = insuranceStart;
  turns.runTurn(ts0);
  const series = new Series(e, steps, isTrader);
  series.record(0, ts0, metrics);

  const loop = new Loop(e, turns, metrics, series, grid, population, rng.fork('order'), spec.oracleConfidenceE6);
  const every = options.invariantsEverySteps ?? 0;
  for (let step = 1; step < steps; step++) {
    loop.run(step);
    if (every > 0 && step % every === 0) {
      const broken = e.validateInvariants();
      if (broken.length > 0) throw new Error(`${spec.name} seed ${options.seed} step ${step}: ${broken.join('; ')}`);
    }
  }
  metrics.finish(grid.ts[steps - 1]);
  const summary = summarize({ spec, options, engine: e, grid, metrics, series, population, insuranceStart, params });
  return { spec, options, summary, series, engine: e, grid, population, turns };
}

/**
 * One step of the loop, as a method rather than the body of simulate()'s
 * loop. simulate() runs once per run, so a loop in it is compiled on the
 * stack anew in every run, and code compiled with one run's closures
 * inlined is thrown away when the next run brings new ones (--trace-deopt:
 * "wrong feedback cell" in the second run of a process, the one the sim
 * bench times). A method called every step of every run is compiled once.
 */
class Loop {
  private readonly ctx: Step;
  private readonly schedule: Schedule;
  private readonly oracle: Float64Array;
  private readonly first: readonly Agent[];
  private readonly listeners: readonly Agent[];
  /**
   * One oracle command per market, refilled every step, when no journal
   * keeps the commands: the engine reads a command while it applies it and
   * keeps nothing of it, and the queue hands each to the engine in the step
   * it was filled. With a journal, every step gets fresh commands.
   */
  private readonly oracleCommands: OraclePrice[] | null;

  constructor(
    private readonly e: Engine,
    private readonly turns: Turns,
    private readonly metrics: Metrics,
    private readonly series: Series,
    private readonly grid: PriceGrid,
    population: Population,
    private readonly order: Rng,
    private readonly confidenceE6: number,
  ) {
    this.oracle = new Float64Array(grid.prices.length);
    this.ctx = new Step(e, turns, grid, this.oracle);
    this.schedule = new Schedule(population.rest, grid.ts.length);
    this.first = population.first;
    this.listeners = population.all.filter((a) => a.onTick !== undefined);
    this.oracleCommands =
      turns.journal === null ? Array.from(this.oracle, (_, market) => oracleCommand(market, 0, 0, 0)) : null;
  }

  run(step: number): void {
    const { e, turns, ctx, oracle } = this;
    const ts = this.grid.ts[step];
    for (let i = 0; i < oracle.length; i++) oracle[i] = this.grid.prices[i][step];
    ctx.begin(step, ts, e.tickCount);
    const reused = this.oracleCommands;
    for (let i = 0; i < oracle.length; i++) {
      const price = oracle[i];
      const conf = confidence(price, this.confidenceE6);
      if (reused === null) {
        turns.submit(oracleCommand(i, price, conf, ts));
        continue;
      }
      const cmd = reused[i];
      cmd.price = price;
      cmd.confidence = conf;
      cmd.publishTs = ts;
      turns.submit(cmd);
    }
    const first = this.first;
    for (let i = 0; i < first.length; i++) first[i].act(ctx);
    const due = this.schedule.dueAgents;
    const dueCount = this.schedule.due(step);
    this.order.shuffleFirst(due, dueCount);
    for (let i = 0; i < dueCount; i++) due[i].act(ctx);
    this.schedule.after(step);
    const markets = e.markets;
    for (let i = 0; i < markets.length; i++) {
      const m = markets[i];
      if (ts - m.fundingTs >= m.params.fundingIntervalMs) turns.submit({ type: 'fundingTick', market: m.id });
    }
    const tick = turns.runTurn(ts);
    if (tick.ok && tick.events.length > 0) {
      const listeners = this.listeners;
      const events = classicEvents(tick.events);
      for (let i = 0; i < listeners.length; i++) listeners[i].onTick?.(events, ctx);
    }
    this.series.record(step, ts, this.metrics);
  }
}
