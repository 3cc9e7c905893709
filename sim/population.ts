/**
 * Builds the agent population of a scenario: opens and funds every account
 * through ordinary engine commands (createAccount, deposit, setMarginMode,
 * transferIsolated), and hands each agent its own PRNG stream.
 */
import type { Command } from '../core/commands.ts';
import type { MarketParams } from '../core/params.ts';
import { Arbitrageur } from './agents/arbitrageur.ts';
import { Attacker } from './agents/attacker.ts';
import { Liquidator } from './agents/liquidator.ts';
import { MarketMaker } from './agents/maker.ts';
import { RestingOrderExecutor, VammTakerExecutor } from './agents/quotes.ts';
import { Trader } from './agents/trader.ts';
import type { Agent } from './agents/types.ts';
import type { ScenarioSpec, TraderStyle } from './config.ts';
import type { Rng } from './rng.ts';
import type { Turns } from './turns.ts';
import { E6, USD } from './units.ts';

export interface Population {
  /** Quick to react to the oracle: act first every turn, in this order. */
  first: Agent[];
  /** Everyone else, shuffled every turn. */
  rest: Agent[];
  attacker: Attacker | null;
  all: Agent[];
}

function must(turns: Turns, cmd: Command, ts: number) {
  const out = turns.applyNow(cmd, ts);
  if (!out.ok) throw new Error(`simulator setup: ${cmd.type} rejected with ${out.code}: ${out.message}`);
  return out.events;
}

/** Open an account with `amount` quote units, cross or isolated in `isolatedMarket`. */
function openAccount(turns: Turns, ts: number, amount: number, isolatedMarket: number | null = null): number {
  const created = must(turns, { type: 'createAccount' }, ts).find((e) => e.type === 'accountCreated');
  if (created === undefined || created.type !== 'accountCreated')
    throw new Error('createAccount sent no accountCreated');
  const a = created.account;
  must(turns, { type: 'deposit', account: a, amount }, ts);
  if (isolatedMarket !== null) {
    must(turns, { type: 'setMarginMode', account: a, market: isolatedMarket, isolated: true }, ts);
    must(turns, { type: 'transferIsolated', account: a, market: isolatedMarket, amount }, ts);
  }
  return a;
}

/** u^k for k a multiple of ½, with exactly rounded operations only. */
function powHalf(u: number, k: number): number {
  let r = 1;
  let left = Math.round(k * 2);
  while (left >= 2) {
    r *= u;
    left -= 2;
  }
  return left === 1 ? r * Math.sqrt(u) : r;
}

function pickStyle(rng: Rng, shares: Record<TraderStyle, number>): TraderStyle {
  const styles: TraderStyle[] = ['momentum', 'contrarian', 'noise'];
  const total = styles.reduce((s, x) => s + shares[x], 0);
  let u = rng.next() * total;
  for (const s of styles) {
    u -= shares[s];
    if (u < 0) return s;
  }
  return 'noise';
}

export function buildPopulation(
  turns: Turns,
  ts: number,
  spec: ScenarioSpec,
  params: readonly MarketParams[],
  stepMs: number,
  steps: number,
  rng: Rng,
): Population {
  const pop = spec.population;
  const markets = params.map((_, i) => i);
  const first: Agent[] = [];
  const rest: Agent[] = [];

  markets.forEach((m) => {
    for (let i = 0; i < pop.makers.perMarket; i++) {
      const a = openAccount(turns, ts, pop.makers.capitalUsd * USD);
      const executor = pop.makers.executor === 'book' ? new RestingOrderExecutor() : new VammTakerExecutor();
      first.push(new MarketMaker(`maker-${m}-${i}`, a, m, pop.makers, executor));
    }
    for (let i = 0; i < pop.arbitrageurs.perMarket; i++) {
      const a = openAccount(turns, ts, pop.arbitrageurs.capitalUsd * USD);
      first.push(new Arbitrageur(`arb-${m}-${i}`, a, m, pop.arbitrageurs));
    }
  });

  const t = pop.traders;
  for (let i = 0; i < t.count; i++) {
    const r = rng.fork(`trader-${i}`);
    const style = pickStyle(r, t.styles);
    const multi = markets.length > 1 && r.chance(t.multiMarketShare);
    const home = i % markets.length;
    const isolated = !multi && r.chance(t.isolatedShare);
    const trades = multi ? markets : [home];
    const maxLev = Math.min(...trades.map((m) => E6 / params[m].initialMarginE6));
    const leverage = r.chance(t.maxLeverageShare) ? maxLev : 1 + (maxLev - 1) * powHalf(r.next(), t.leverageSkew);
    const deposit = Math.round(r.pick(t.depositLadderUsd) * USD * r.range(0.8, 1.2));
    const a = openAccount(turns, ts, deposit, isolated ? home : null);
    rest.push(
      new Trader(
        `trader-${i}-${style}`,
        {
          account: a,
          markets: trades,
          style,
          leverage,
          decisionSteps: Math.max(1, t.decisionMs[style] / stepMs),
          lookbackSteps: Math.max(1, Math.round(t.lookbackMs / stepMs)),
          triggerE6: style === 'contrarian' ? t.contrarianTriggerE6 : t.momentumTriggerE6,
          slippageE6: t.slippageE6,
        },
        r,
      ),
    );
  }

  pop.liquidators.forEach((l, i) => {
    const a = openAccount(turns, ts, l.capitalUsd * USD);
    rest.push(new Liquidator(`liquidator-${i}-latency-${l.latencyTicks}`, a, l));
  });

  let attacker: Attacker | null = null;
  if (pop.attacker !== null) {
    const s = pop.attacker;
    if (s.market < 0 || s.market >= markets.length) throw new Error(`attacker market ${s.market} does not exist`);
    const long = openAccount(turns, ts, s.longDepositUsd * USD);
    const short = openAccount(turns, ts, s.shortDepositUsd * USD);
    attacker = new Attacker('attacker', long, short, s, Math.floor(steps * s.startFraction));
    rest.push(attacker);
  }
  return { first, rest, attacker, all: [...first, ...rest] };
}
