/**
 * `scenarioSet`: a scenario set as a journaled command. Commands are plain
 * data, so the set travels as number arrays (scenario-major returns, weights,
 * and the estimates it was built from); the engine turns it back into a
 * ScenarioSet with its market-major copy (withMarketMajor), checks it
 * (checkScenarioSet), and installs it. Replay installs the same set from the
 * journal: no pool is involved.
 */
import type { ScenarioSetCommand } from '../commands.ts';
import { type Rejection, reject } from '../errors.ts';
import { MAX_GRID_FRACTIONS, MAX_HISTORICAL_OBSERVATIONS, MAX_RISK_MARKETS } from '../risk/config.ts';
import { checkScenarioSet, type ScenarioSet, withMarketMajor } from '../risk/scenarios.ts';
import type { EngineState } from '../state.ts';
import { installSet } from './state.ts';

/**
 * Most grid scenarios a set may hold: 2M directions × 2 signs × (every
 * fraction at both volatility shifts + the extreme move), at the most markets.
 */
export const MAX_GRID_SCENARIOS = 4 * MAX_RISK_MARKETS * (2 * MAX_GRID_FRACTIONS + 1);

/** The command that installs `set` (arrays copied out as plain numbers). */
export function scenarioSetCommand(set: ScenarioSet): ScenarioSetCommand {
  return {
    type: 'scenarioSet',
    version: set.version,
    markets: set.markets,
    gridCount: set.gridCount,
    historicalCount: set.historicalCount,
    tailCount: set.tailCount,
    measure: set.measure,
    scenarios: Array.from(set.scenarios),
    weights: Array.from(set.weights),
    volatilities: Array.from(set.volatilities),
    correlations: Array.from(set.correlations),
    ranges: Array.from(set.ranges),
  };
}

function countIn(v: unknown, max: number): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && v <= max;
}

/** A Float64Array of `array` when it holds exactly `length` finite numbers, else null. */
function numbers(array: unknown, length: number): Float64Array | null {
  if (!Array.isArray(array) || array.length !== length) return null;
  const out = new Float64Array(length);
  for (let i = 0; i < length; i++) {
    const v = array[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) return null;
    out[i] = v;
  }
  return out;
}

/** The ScenarioSet a command describes, or the first problem with it. Sizes are checked before anything is copied. */
export function decodeScenarioSet(cmd: ScenarioSetCommand): ScenarioSet | string {
  const m = cmd.markets;
  if (!countIn(m, MAX_RISK_MARKETS) || m < 1) return `markets must be within [1, ${MAX_RISK_MARKETS}]`;
  if (!countIn(cmd.version, Number.MAX_SAFE_INTEGER)) return 'version must be a non-negative integer';
  if (!countIn(cmd.gridCount, MAX_GRID_SCENARIOS)) return `gridCount must be within [0, ${MAX_GRID_SCENARIOS}]`;
  if (!countIn(cmd.historicalCount, MAX_HISTORICAL_OBSERVATIONS)) {
    return `historicalCount must be within [0, ${MAX_HISTORICAL_OBSERVATIONS}]`;
  }
  if (!countIn(cmd.tailCount, MAX_HISTORICAL_OBSERVATIONS)) return 'tailCount must be a non-negative integer';
  const n = cmd.gridCount + cmd.historicalCount;
  if (n === 0) return 'a set needs at least one scenario';
  const scenarios = numbers(cmd.scenarios, n * m);
  if (scenarios === null) return `scenarios must hold ${n} × ${m} finite returns`;
  const weights = numbers(cmd.weights, n);
  if (weights === null) return `weights must hold ${n} finite numbers`;
  const volatilities = numbers(cmd.volatilities, m);
  const correlations = numbers(cmd.correlations, m * m);
  const ranges = numbers(cmd.ranges, m);
  if (volatilities === null || correlations === null || ranges === null) {
    return `volatilities and ranges must hold ${m} finite numbers, correlations ${m} × ${m}`;
  }
  const set = withMarketMajor({
    version: cmd.version,
    markets: m,
    gridCount: cmd.gridCount,
    historicalCount: cmd.historicalCount,
    tailCount: cmd.tailCount,
    measure: cmd.measure,
    scenarios,
    weights,
    volatilities,
    correlations,
    ranges,
  });
  return checkScenarioSet(set) ?? set;
}

export function applyScenarioSet(s: EngineState, cmd: ScenarioSetCommand): Rejection | null {
  const set = decodeScenarioSet(cmd);
  if (typeof set === 'string') return reject('BAD_SCENARIOS', set);
  if (set.markets !== s.markets.length) {
    return reject('BAD_SCENARIOS', `the set covers ${set.markets} markets, the engine has ${s.markets.length}`);
  }
  const current = s.portfolio.set;
  if (current !== null && set.version <= current.version) {
    return reject('SCENARIO_VERSION', `version ${set.version} is not above ${current.version}`);
  }
  installSet(s, set);
  s.events.push({
    type: 'scenarioSetInstalled',
    version: set.version,
    markets: set.markets,
    gridCount: set.gridCount,
    historicalCount: set.historicalCount,
    tailCount: set.tailCount,
  });
  return null;
}
