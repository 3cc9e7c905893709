/**
 * Shared pieces of the portfolio-margin engine suites: a two-market engine
 * at $100 with quiet parameters (no fees, no spread, static ratios, deep
 * curves, so marks stay at the oracle and the hand numbers hold), the
 * hand-made scenario sets of test/risk, and the checks every suite runs
 * after a command (the engine's invariants plus the portfolio columns').
 */
import type { Command } from '../../core/commands.ts';
import type { Engine } from '../../core/engine.ts';
import type { MarketParams } from '../../core/params.ts';
import { scenarioSetCommand } from '../../core/portfolio/scenario-command.ts';
import { buildScenarioSet, type ScenarioSet } from '../../core/risk/scenarios.ts';
import { QUIET, Scenario } from '../margin/helpers.ts';
import { historyFromReturns, PLAIN_CONFIG, PRICE_USD } from '../risk/fixtures.ts';

export { E6, PRICE, UNIT, USD } from '../margin/helpers.ts';

/** Cross IM 10%, MM 6.25% (the defaults), and nothing that moves them or the mark. */
export const PARAMS = { ...QUIET, oracleMaxStaleTradeMs: 3_600_000, oracleMaxStaleMarginMs: 3_600_000 };

/**
 * A: +2%, −2%, +2%, −2%; B: +2%, −2%, +1%, −1% (test/risk/portfolio.test.ts):
 * σ_A = 2%, σ_B = √0.00025, ρ = 3/√10 ≈ 0.9487; ranges at 3σ 6% and ≈ 4.743%.
 */
export function correlatedSet(version = 1): ScenarioSet {
  const h = historyFromReturns(
    [100 * PRICE_USD, 100 * PRICE_USD],
    [
      [0.02, 0.02],
      [-0.02, -0.02],
      [0.02, 0.01],
      [-0.02, -0.01],
    ],
  );
  return buildScenarioSet(h, PLAIN_CONFIG, version);
}

/** Identical returns in both markets: ρ = 1, a long/short pair loses nothing in any scenario. */
export function identicalSet(version = 1): ScenarioSet {
  const same = [0.02, -0.03, 0.01, -0.005];
  const h = historyFromReturns(
    [100 * PRICE_USD, 100 * PRICE_USD],
    same.map((r) => [r, r]),
  );
  return buildScenarioSet(h, PLAIN_CONFIG, version);
}

/** A volatile A (±5% a step, range 15%) beside a quiet B: an unhedged A costs more than cross maintenance. */
export function volatileSet(version = 1): ScenarioSet {
  const h = historyFromReturns(
    [100 * PRICE_USD, 100 * PRICE_USD],
    [
      [0.05, 0.01],
      [-0.05, -0.01],
      [0.05, -0.01],
      [-0.05, 0.01],
    ],
  );
  return buildScenarioSet(h, PLAIN_CONFIG, version);
}

/** Two markets A and B at $100, 1,000,000 units deep, with a first oracle price each. */
export function twoMarkets(params: Partial<MarketParams> = {}): Scenario {
  const sc = new Scenario();
  sc.market('A', 100, 1_000_000, { ...PARAMS, ...params });
  sc.market('B', 100, 1_000_000, { ...PARAMS, ...params });
  sc.oracle(0, 100 * PRICE_USD);
  sc.oracle(1, 100 * PRICE_USD);
  return sc;
}

export function installSet(sc: Scenario, set: ScenarioSet): void {
  sc.ok(scenarioSetCommand(set) as Command);
}

export function portfolioMode(sc: Scenario, account: number): void {
  sc.ok({ type: 'setAccountMarginMode', account, mode: 'portfolio' });
}

/** What must hold of the portfolio state after every command (empty when all do). */
export function portfolioViolations(e: Engine): string[] {
  const out: string[] = [];
  const acc = e.accounts;
  for (let a = 0; a < acc.count; a++) {
    const flag = acc.portfolio[a];
    if (flag !== 0 && flag !== 1) out.push(`account ${a} portfolio flag ${flag}`);
    if ((flag === 1) !== e.portfolio.accounts.has(a)) out.push(`account ${a} portfolio set out of step`);
    const c = acc.portfolioCharge[a];
    if (!Number.isNaN(c) && !(Number.isSafeInteger(c) && c >= 0)) out.push(`account ${a} charge ${c}`);
    if (flag === 0 && !Number.isNaN(c)) out.push(`cross account ${a} holds a charge ${c}`);
    if (acc.portfolioFallback[a] !== 0 && acc.portfolioFallback[a] !== 1) out.push(`account ${a} fallback flag`);
    if (flag === 0 && acc.portfolioFallback[a] !== 0) out.push(`cross account ${a} announced a fallback`);
    if (!(acc.positionSeq[a] <= e.seq)) out.push(`account ${a} positionSeq ${acc.positionSeq[a]} > seq ${e.seq}`);
    if (flag === 0 && acc.positionSeq[a] !== 0) out.push(`cross account ${a} positionSeq ${acc.positionSeq[a]}`);
    if (flag === 1 && !e.complexAccounts.has(a)) out.push(`portfolio account ${a} is not complex`);
  }
  for (const a of e.portfolio.accounts) if (!acc.exists(a)) out.push(`portfolio set holds unknown account ${a}`);
  return out;
}
