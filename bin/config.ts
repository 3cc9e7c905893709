/**
 * The process configuration: one JSON file, validated field by field at
 * start with a precise error naming each bad field. Market parameters reuse
 * the engine's own validation (core/params.ts), so the config can never
 * hold a market the engine would refuse.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkParams, DEFAULT_MARKET_PARAMS, type MarketParams } from '../core/params.ts';
import { DEFAULT_MIN_TURN_GAP_US } from '../gateway/turn-pacer.ts';
import { REPO_ROOT } from './source-files.ts';

export interface MarketConfig {
  symbol: string;
  initialPrice: number;
  baseReserve: number;
  params: Partial<MarketParams>;
}
export interface AssetConfig {
  symbol: string;
  priceMarket: string;
  initialWeightE6: number;
  maintenanceWeightE6: number;
}
export interface Config {
  markets: MarketConfig[];
  assets: AssetConfig[];
  insuranceFund: number;
  gateway: { host: string; port: number };
  persistence: {
    path: string;
    synchronous: 'NORMAL' | 'FULL';
    snapshotEverySeq: number;
    snapshotEveryMs: number;
    retainSnapshots: number;
  };
  oracle: {
    simulated: boolean;
    intervalMs: number;
    seed: number;
    volatilityPerSqrtHourE6: number;
    jumpProbabilityE6: number;
    jumpSizeE6: number;
  };
  loop: {
    maxCommandsPerTurn: number;
    hashEveryTurns: number;
    idleTickMs: number;
    minTurnGapUs: number;
    /** Synthetic crashes run on throwaway engines at start-up, before traffic (core/warmup.ts); 0: none. */
    warmupCrashes: number;
  };
  /** Portfolio margin's pool (bin/portfolio-runner.ts); optional in the file, defaults below. */
  portfolio: PortfolioConfig;
}

export interface PortfolioConfig {
  /** Pool threads (leave the loop a core) and the deadline of one pool job (ms). */
  threads: number;
  timeoutMs: number;
  /** Least time between two full recomputes (ms). */
  recomputeEveryMs: number;
  /** The margin horizon: oracle prices are sampled this often (ms). */
  horizonMs: number;
  /** Least time between two scenario-set rebuilds (ms), and the fewest observations one needs. */
  rebuildEveryMs: number;
  minObservations: number;
  /** How often the runner looks for due work (ms). */
  runEveryMs: number;
}

export const DEFAULT_PORTFOLIO_CONFIG: PortfolioConfig = {
  threads: 1,
  timeoutMs: 5_000,
  recomputeEveryMs: 1_000,
  horizonMs: 60_000,
  rebuildEveryMs: 300_000,
  minObservations: 30,
  runEveryMs: 250,
};

/** Start-up warm-up crashes when the config does not say (core/warmup.ts: ~0.5 s on the benchmark VM). */
export const DEFAULT_WARMUP_CRASHES = 3;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
  }
}

export const DEFAULT_CONFIG_PATH = join(REPO_ROOT, 'config', 'default.json');

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Validates `raw` and returns the config, or throws ConfigError listing every problem. */
export function parseConfig(raw: unknown): Config {
  const problems: string[] = [];
  const int = (o: Obj, key: string, path: string, min: number, max = Number.MAX_SAFE_INTEGER): number => {
    const v = o[key];
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) problems.push(`${path}.${key}: must be an integer`);
    else if (v < min || v > max) problems.push(`${path}.${key}: must be within [${min}, ${max}], got ${v}`);
    return v as number;
  };
  const str = (o: Obj, key: string, path: string, pattern: RegExp): string => {
    const v = o[key];
    if (typeof v !== 'string' || !pattern.test(v)) problems.push(`${path}.${key}: must match ${pattern}`);
    return v as string;
  };
  const section = (o: Obj, key: string): Obj => {
    const v = o[key];
    if (!isObj(v)) {
      problems.push(`${key}: must be an object`);
      return {};
    }
    return v;
  };
  if (!isObj(raw)) throw new ConfigError(['the configuration must be a JSON object']);
  const known = ['markets', 'assets', 'insuranceFund', 'gateway', 'persistence', 'oracle', 'loop', 'portfolio'];
  for (const k of Object.keys(raw)) if (!known.includes(k)) problems.push(`${k}: unknown field`);

  const markets: MarketConfig[] = [];
  if (!Array.isArray(raw.markets) || raw.markets.length === 0) problems.push('markets: must be a non-empty array');
  else {
    const seen = new Set<string>();
    raw.markets.forEach((m, i) => {
      const path = `markets[${i}]`;
      if (!isObj(m)) {
        problems.push(`${path}: must be an object`);
        return;
      }
      const symbol = str(m, 'symbol', path, /^[A-Z0-9][A-Z0-9-]{0,31}$/);
      if (seen.has(symbol)) problems.push(`${path}.symbol: duplicate ${symbol}`);
      seen.add(symbol);
      const initialPrice = int(m, 'initialPrice', path, 1);
      const baseReserve = int(m, 'baseReserve', path, 1, Math.floor(Number.MAX_SAFE_INTEGER / 2));
      const params = m.params ?? {};
      if (!isObj(params)) problems.push(`${path}.params: must be an object`);
      else {
        const err = checkParams({ ...DEFAULT_MARKET_PARAMS, ...params });
        if (err !== null) problems.push(`${path}.params: ${err}`);
      }
      markets.push({ symbol, initialPrice, baseReserve, params: params as Partial<MarketParams> });
    });
  }
  const assets: AssetConfig[] = [];
  if (!Array.isArray(raw.assets)) problems.push('assets: must be an array');
  else {
    raw.assets.forEach((a, i) => {
      const path = `assets[${i}]`;
      if (!isObj(a)) {
        problems.push(`${path}: must be an object`);
        return;
      }
      const symbol = str(a, 'symbol', path, /^[A-Z0-9]{1,16}$/);
      const priceMarket = str(a, 'priceMarket', path, /^[A-Z0-9-]+$/);
      if (!markets.some((m) => m.symbol === priceMarket))
        problems.push(`${path}.priceMarket: no market ${priceMarket}`);
      const initialWeightE6 = int(a, 'initialWeightE6', path, 0, 1_000_000);
      const maintenanceWeightE6 = int(a, 'maintenanceWeightE6', path, initialWeightE6, 1_000_000);
      assets.push({ symbol, priceMarket, initialWeightE6, maintenanceWeightE6 });
    });
  }
  const insuranceFund = int(raw, 'insuranceFund', 'config', 0);
  const g = section(raw, 'gateway');
  const p = section(raw, 'persistence');
  const o = section(raw, 'oracle');
  const l = section(raw, 'loop');
  let pf: Obj = { ...DEFAULT_PORTFOLIO_CONFIG };
  if (raw.portfolio !== undefined) {
    if (!isObj(raw.portfolio)) problems.push('portfolio: must be an object');
    else {
      for (const k of Object.keys(raw.portfolio))
        if (!(k in DEFAULT_PORTFOLIO_CONFIG)) problems.push(`portfolio.${k}: unknown field`);
      pf = { ...pf, ...raw.portfolio };
    }
  }
  const synchronous = p.synchronous;
  if (synchronous !== 'NORMAL' && synchronous !== 'FULL')
    problems.push('persistence.synchronous: must be NORMAL or FULL');
  if (typeof o.simulated !== 'boolean') problems.push('oracle.simulated: must be a boolean');
  const config: Config = {
    markets,
    assets,
    insuranceFund,
    gateway: { host: str(g, 'host', 'gateway', /^[0-9a-fA-F.:a-z-]+$/), port: int(g, 'port', 'gateway', 0, 65_535) },
    persistence: {
      path: str(p, 'path', 'persistence', /^.+$/),
      synchronous: synchronous as 'NORMAL' | 'FULL',
      snapshotEverySeq: int(p, 'snapshotEverySeq', 'persistence', 1),
      snapshotEveryMs: int(p, 'snapshotEveryMs', 'persistence', 1_000),
      retainSnapshots: int(p, 'retainSnapshots', 'persistence', 1, 1_000),
    },
    oracle: {
      simulated: o.simulated as boolean,
      intervalMs: int(o, 'intervalMs', 'oracle', 10, 3_600_000),
      seed: int(o, 'seed', 'oracle', 0, 2 ** 31 - 1),
      volatilityPerSqrtHourE6: int(o, 'volatilityPerSqrtHourE6', 'oracle', 0, 1_000_000),
      jumpProbabilityE6: int(o, 'jumpProbabilityE6', 'oracle', 0, 1_000_000),
      jumpSizeE6: int(o, 'jumpSizeE6', 'oracle', 0, 500_000),
    },
    loop: {
      maxCommandsPerTurn: int(l, 'maxCommandsPerTurn', 'loop', 1, 1_000_000),
      hashEveryTurns: int(l, 'hashEveryTurns', 'loop', 0),
      idleTickMs: int(l, 'idleTickMs', 'loop', 1, 60_000),
      // Optional (configs written before it keep working): the pacing gap between turns, µs.
      minTurnGapUs: l.minTurnGapUs === undefined ? DEFAULT_MIN_TURN_GAP_US : int(l, 'minTurnGapUs', 'loop', 0, 100_000),
      warmupCrashes: l.warmupCrashes === undefined ? DEFAULT_WARMUP_CRASHES : int(l, 'warmupCrashes', 'loop', 0, 100),
    },
    portfolio: {
      threads: int(pf, 'threads', 'portfolio', 1, 64),
      timeoutMs: int(pf, 'timeoutMs', 'portfolio', 1, 86_400_000),
      recomputeEveryMs: int(pf, 'recomputeEveryMs', 'portfolio', 0, 86_400_000),
      horizonMs: int(pf, 'horizonMs', 'portfolio', 1, 86_400_000),
      rebuildEveryMs: int(pf, 'rebuildEveryMs', 'portfolio', 0, 86_400_000),
      minObservations: int(pf, 'minObservations', 'portfolio', 2, 1_000_000),
      runEveryMs: int(pf, 'runEveryMs', 'portfolio', 1, 60_000),
    },
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

export function loadConfig(path: string = DEFAULT_CONFIG_PATH): Config {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError([`${path}: ${(err as Error).message}`]);
  }
  return parseConfig(raw);
}
