/**
 * The JSON summary of one run. Built in a fixed key order from integers and
 * exactly rounded values, so the same seed prints the same bytes.
 * Money is in USD rounded to the cent; `stateHash` pins the engine's state.
 */
import type { Engine } from '../core/engine.ts';
import type { MarketParams } from '../core/params.ts';
import type { AgentKind } from './agents/types.ts';
import type { RunOptions, ScenarioSpec } from './config.ts';
import type { Metrics } from './metrics.ts';
import type { Population } from './population.ts';
import type { PriceGrid } from './prices.ts';
import type { Series } from './series.ts';
import { E6, PRICE_PRECISION, roundTo, usd } from './units.ts';
import { accountValue, positionValueAtOracle } from './view.ts';

export interface SummaryInputs {
  spec: ScenarioSpec;
  options: RunOptions;
  engine: Engine;
  grid: PriceGrid;
  metrics: Metrics;
  series: Series;
  population: Population;
  insuranceStart: number;
  params: readonly MarketParams[];
}

export type Summary = ReturnType<typeof summarize>;

function priceStats(prices: Float64Array) {
  let min = Number.POSITIVE_INFINITY;
  let max = 0;
  let peak = 0;
  let drawdown = 0;
  for (let i = 0; i < prices.length; i++) {
    const p = prices[i];
    min = Math.min(min, p);
    max = Math.max(max, p);
    peak = Math.max(peak, p);
    drawdown = Math.max(drawdown, (peak - p) / peak);
  }
  const usdPrice = (p: number) => p / PRICE_PRECISION;
  return {
    startUsd: usdPrice(prices[0]),
    minUsd: usdPrice(min),
    maxUsd: usdPrice(max),
    endUsd: usdPrice(prices[prices.length - 1]),
    maxDrawdownPct: roundTo(drawdown * 100, 2),
  };
}

/** PnL of a set of accounts: withdrawn + value at the oracle − deposited (quote units). */
function pnlOf(x: SummaryInputs, accounts: readonly number[]): number {
  let v = 0;
  for (const a of accounts)
    v += (x.metrics.withdrawn[a] ?? 0) + accountValue(x.engine, a) - (x.metrics.deposited[a] ?? 0);
  return v;
}

/** The protocol's side of every market: pools minus what traders are owed at the oracle (quote units). */
function ammPnl(e: Engine): number {
  let v = 0;
  for (const m of e.markets) {
    v += m.pnlPool + m.feePool;
    for (let a = 0; a < e.accounts.count; a++) v -= positionValueAtOracle(m, a);
  }
  return v;
}

function agentsByKind(x: SummaryInputs) {
  const kinds: AgentKind[] = ['trader', 'maker', 'arbitrageur', 'liquidator', 'attacker'];
  const out: Record<string, { count: number; pnlUsd: number }> = {};
  for (const k of kinds) {
    const agents = x.population.all.filter((a) => a.kind === k);
    if (agents.length === 0) continue;
    out[k] = {
      count: agents.length,
      pnlUsd: usd(
        pnlOf(
          x,
          agents.flatMap((a) => a.accounts),
        ),
      ),
    };
  }
  return out;
}

export function summarize(x: SummaryInputs) {
  const { spec, engine: e, grid, metrics: mt, series } = x;
  const steps = grid.ts.length;
  const rejected: Record<string, number> = {};
  for (const code of [...mt.rejected.keys()].sort()) rejected[code] = mt.rejected.get(code) ?? 0;
  let peakOi = 0;
  for (let i = 0; i < series.length; i++) {
    let oi = 0;
    for (let k = 0; k < series.markets.length; k++) {
      const m = series.markets[k];
      oi += Math.max(m.oiLong[i], m.oiShort[i]);
    }
    peakOi = Math.max(peakOi, oi);
  }
  const fees = mt.takerFees + mt.spreadFees;
  const amm = ammPnl(e);
  const attacker = x.population.attacker;
  return {
    scenario: spec.name,
    description: spec.description,
    seed: x.options.seed,
    steps,
    stepMs: grid.stepMs,
    startTs: grid.ts[0],
    endTs: grid.ts[steps - 1],
    paramOverrides: x.options.params ?? {},
    markets: spec.markets.map((m, i) => ({
      symbol: m.symbol,
      file: m.file,
      depthUsd: m.depthUsd,
      initialMarginE6: x.params[i].initialMarginE6,
      maintenanceMarginE6: x.params[i].maintenanceMarginE6,
      ...priceStats(grid.prices[i]),
    })),
    commands: mt.commands,
    ticks: e.tickCount,
    rejected,
    badDebtUsd: usd(mt.badDebt),
    bankruptcies: mt.bankruptcies,
    insuranceFund: {
      startUsd: usd(x.insuranceStart),
      minUsd: usd(Math.min(mt.insuranceMin, x.insuranceStart)),
      endUsd: usd(e.insuranceFund),
      coveredUsd: usd(mt.insuranceCovered),
    },
    socialisedLossUsd: usd(mt.socialised),
    feePoolCoveredUsd: usd(mt.feePoolCovered),
    liquidations: {
      count: mt.liquidations,
      external: mt.liquidationsExternal,
      backstop: mt.liquidationsBackstop,
      volumeUsd: usd(mt.liquidationVolume),
      penaltiesUsd: usd(mt.penalties),
      liquidatorRewardsUsd: usd(mt.liquidatorRewards),
      episodesStarted: mt.liquidationStarts,
      marginWarnings: mt.warnings,
    },
    longestBelowMaintenance: {
      ms: mt.longestBelowMs,
      ticks: mt.longestBelowTicks,
      account: mt.longestBelowAccount,
    },
    funding: {
      paidUsd: usd(mt.fundingPaid),
      receivedUsd: usd(mt.fundingReceived),
      ammNetUsd: usd(mt.ammFunding),
    },
    fees: { takerUsd: usd(mt.takerFees), spreadUsd: usd(mt.spreadFees), totalUsd: usd(fees) },
    volumeUsd: usd(mt.volume),
    fills: mt.fills,
    amm: {
      pnlUsd: usd(amm),
      feesUsd: usd(fees),
      fundingUsd: usd(mt.ammFunding),
      tradingUsd: usd(amm - fees - mt.ammFunding),
      curveAdjustmentsUsd: usd(mt.curveAdjustments),
      repegs: mt.repegs,
    },
    attacker:
      attacker === null
        ? null
        : {
            market: spec.markets[spec.population.attacker?.market ?? 0].symbol,
            pnlUsd: usd(pnlOf(x, attacker.accounts)),
            depositedUsd: usd(attacker.accounts.reduce((s, a) => s + (mt.deposited[a] ?? 0), 0)),
            withdrawnUsd: usd(attacker.stats.withdrawn),
            peakMarkProfitUsd: usd(attacker.stats.peakMarkProfit),
            withdrawAttempts: attacker.stats.withdrawAttempts,
            withdrawRejected: attacker.stats.withdrawRejected,
            blockedByLossesOnlyRule: attacker.stats.blockedByLossesOnlyRule,
            phase: attacker.stats.phase,
          },
    agents: agentsByKind(x),
    capitalEfficiency: {
      maxLeverageAllowedAvg: roundTo(series.averageMaxLeverage(), 4),
      notionalPerCollateral: roundTo(series.notionalPerCollateral(), 4),
      staticMaxLeverage: roundTo(E6 / Math.max(...x.params.map((p) => p.initialMarginE6)), 4),
    },
    peakOpenInterestUsd: usd(peakOi),
    invariantViolations: e.validateInvariants(),
    stateHash: e.stateHash(),
  };
}
