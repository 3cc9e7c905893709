/**
 * The shipped scenarios: real crash paths from sim/data, one calm baseline.
 * Markets of one scenario are replayed on aligned timestamps. The thinnest
 * market of each scenario is the one the Mango-style attacker goes after.
 */
import type { PopulationSpec, ScenarioSpec } from './config.ts';
import { HOUR_MS } from './units.ts';

export function defaultPopulation(attackedMarket: number): PopulationSpec {
  return {
    traders: {
      count: 240,
      depositLadderUsd: [500, 1_000, 2_000, 5_000, 10_000, 25_000, 50_000],
      leverageSkew: 1.5,
      maxLeverageShare: 0.1,
      styles: { momentum: 0.3, contrarian: 0.3, noise: 0.4 },
      decisionMs: { momentum: HOUR_MS, contrarian: HOUR_MS, noise: 2 * HOUR_MS },
      lookbackMs: HOUR_MS,
      momentumTriggerE6: 5_000,
      contrarianTriggerE6: 20_000,
      slippageE6: 10_000,
      isolatedShare: 0.2,
      multiMarketShare: 0.2,
    },
    makers: {
      perMarket: 1,
      capitalUsd: 2_000_000,
      halfSpreadE6: 2_000,
      skewE6: 3_000,
      quoteUsd: 100_000,
      maxInventoryUsd: 1_000_000,
    },
    arbitrageurs: { perMarket: 1, capitalUsd: 5_000_000, thresholdE6: 3_000, maxLeverage: 4 },
    liquidators: [
      { capitalUsd: 500_000, latencyTicks: 0, maxLeverage: 4 },
      { capitalUsd: 2_000_000, latencyTicks: 2, maxLeverage: 4 },
      { capitalUsd: 5_000_000, latencyTicks: 5, maxLeverage: 4 },
    ],
    attacker: {
      market: attackedMarket,
      longDepositUsd: 100_000,
      shortDepositUsd: 100_000,
      leverage: 5,
      startFraction: 0.5,
      pumpSteps: 40,
      holdSteps: 40,
    },
  };
}

const BTC_DEPTH_USD = 100_000_000;
const ETH_DEPTH_USD = 50_000_000;
const SOL_DEPTH_USD = 10_000_000;

function scenario(
  s: Omit<ScenarioSpec, 'population' | 'insuranceUsd' | 'oracleConfidenceE6'> & { attacked: number },
): ScenarioSpec {
  const { attacked, ...rest } = s;
  return { ...rest, insuranceUsd: 1_000_000, oracleConfidenceE6: 500, population: defaultPopulation(attacked) };
}

export const SCENARIOS: readonly ScenarioSpec[] = [
  scenario({
    name: 'black-thursday-2020',
    description: 'BTC perp, 2020-03-12 09:00 – 03-13 09:00 UTC, 1-minute bars: −50% in a day',
    crash: true,
    markets: [{ symbol: 'BTC-PERP', file: 'btc-usdt-perp-2020-03-12-1m.csv', depthUsd: BTC_DEPTH_USD / 4 }],
    attacked: 0,
  }),
  scenario({
    name: 'black-thursday-2020-1h',
    description: 'BTC and ETH perps, 2020-03-10 – 03-15, hourly bars (the only aligned pair for the episode)',
    crash: true,
    markets: [
      { symbol: 'BTC-PERP', file: 'btc-usdt-perp-2020-03-12-1h.csv', depthUsd: BTC_DEPTH_USD / 4 },
      { symbol: 'ETH-PERP', file: 'eth-usdt-perp-2020-03-12-1h.csv', depthUsd: SOL_DEPTH_USD },
    ],
    attacked: 1,
  }),
  scenario({
    name: 'may-2021',
    description: 'BTC, ETH and SOL spot, 2021-05-18 – 05-20, 1-minute bars, identical timestamps',
    crash: true,
    markets: [
      { symbol: 'BTC-PERP', file: 'btc-usdt-2021-05-19-1m.csv', depthUsd: BTC_DEPTH_USD },
      { symbol: 'ETH-PERP', file: 'eth-usdt-2021-05-19-1m.csv', depthUsd: ETH_DEPTH_USD },
      { symbol: 'SOL-PERP', file: 'sol-usdt-2021-05-19-1m.csv', depthUsd: SOL_DEPTH_USD },
    ],
    attacked: 2,
  }),
  scenario({
    name: 'luna-2022',
    description: 'BTC spot during the LUNA/UST collapse, 2022-05-06 – 05-13, 5-minute bars',
    crash: true,
    markets: [{ symbol: 'BTC-PERP', file: 'btc-usdt-2022-05-07-5m.csv', depthUsd: BTC_DEPTH_USD / 4 }],
    attacked: 0,
  }),
  scenario({
    name: 'ftx-2022',
    description: 'BTC, ETH (5m) and SOL (15m) perps during the FTX collapse, 2022-11-05 – 11-11; SOL −72%',
    crash: true,
    markets: [
      { symbol: 'BTC-PERP', file: 'btc-usdt-perp-2022-11-06-5m.csv', depthUsd: BTC_DEPTH_USD },
      { symbol: 'ETH-PERP', file: 'eth-usdt-perp-2022-11-06-5m.csv', depthUsd: ETH_DEPTH_USD },
      { symbol: 'SOL-PERP', file: 'sol-usdt-perp-2022-11-06-15m.csv', depthUsd: SOL_DEPTH_USD },
    ],
    attacked: 2,
  }),
  scenario({
    name: 'calm-2023',
    description: 'BTC and ETH spot, 2023-04-05 – 04-09, 1-minute bars: a calm baseline, not a crash',
    crash: false,
    markets: [
      { symbol: 'BTC-PERP', file: 'btc-usdt-2023-04-05-calm-1m.csv', depthUsd: BTC_DEPTH_USD },
      { symbol: 'ETH-PERP', file: 'eth-usdt-2023-04-05-calm-1m.csv', depthUsd: ETH_DEPTH_USD },
    ],
    attacked: 1,
  }),
];

export const CRASH_SCENARIOS = SCENARIOS.filter((s) => s.crash).map((s) => s.name);

export function findScenario(name: string): ScenarioSpec {
  const s = SCENARIOS.find((x) => x.name === name);
  if (s === undefined) throw new Error(`unknown scenario ${name}; have: ${SCENARIOS.map((x) => x.name).join(', ')}`);
  return s;
}
