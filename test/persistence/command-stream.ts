/**
 * Seeded command streams for the persistence suites and benches: markets,
 * accounts, deposits, oracle prices (a random walk), resting limit orders
 * and the market orders that fill them (and the curve), funding ticks and
 * withdrawals, grouped into turns with a clock that
 * only moves forward. The same seed always yields the same stream, and a
 * failing test prints its seed.
 */
import type { Command } from '../../core/commands.ts';

/** One loop turn: the time the sequencer stamps and the commands it drains. */
export interface Turn {
  ts: number;
  cmds: Command[];
}

export interface StreamOptions {
  seed: number;
  turns: number;
  /** Most commands per turn; each turn draws 1…max. */
  maxCommandsPerTurn: number;
  markets: number;
  /** Stop creating accounts past this many. */
  maxAccounts: number;
}

export const DEFAULT_STREAM: Omit<StreamOptions, 'seed'> = {
  turns: 60,
  maxCommandsPerTurn: 40,
  markets: 3,
  maxAccounts: 64,
};

const START_TS = 1_700_000_000_000;
const SYMBOLS = ['BTC-PERP', 'ETH-PERP', 'SOL-PERP', 'DOGE-PERP', 'AVAX-PERP', 'LINK-PERP'];
const START_PRICES = [50_000_000_000, 3_000_000_000, 150_000_000, 150_000, 30_000_000, 15_000_000];
/** Curve depth: 10,000 whole base units (1e-9 each). */
const BASE_RESERVE = 10_000_000_000_000;
const FUNDING_INTERVAL_MS = 5_000;

/** mulberry32: small, fast, good enough to shuffle a test stream. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The genesis turn: markets, their first oracle prices and a few funded accounts. */
export function genesisTurn(markets: number, accounts: number, ts = START_TS): Turn {
  const cmds: Command[] = [];
  for (let m = 0; m < markets; m++) {
    cmds.push({
      type: 'createMarket',
      symbol: SYMBOLS[m],
      initialPrice: START_PRICES[m],
      baseReserve: BASE_RESERVE,
      params: { fundingIntervalMs: FUNDING_INTERVAL_MS },
    });
    cmds.push({ type: 'oracle', market: m, source: 0, price: START_PRICES[m], confidence: 0, publishTs: ts });
  }
  for (let a = 0; a < accounts; a++) {
    cmds.push({ type: 'createAccount' });
    cmds.push({ type: 'deposit', account: a, amount: 1_000_000_000_000 });
  }
  return { ts, cmds };
}

/** A seeded stream of turns, genesis first. */
export function* commandStream(options: StreamOptions): Generator<Turn> {
  const r = rng(options.seed);
  const pick = (n: number) => Math.floor(r() * n);
  const prices = START_PRICES.slice(0, options.markets);
  let accounts = 4;
  let ts = START_TS;
  yield genesisTurn(options.markets, accounts, ts);
  for (let t = 1; t < options.turns; t++) {
    ts += 1 + pick(2_000);
    const cmds: Command[] = [];
    const n = 1 + pick(options.maxCommandsPerTurn);
    const priced = new Set<number>();
    for (let i = 0; i < n; i++) {
      const roll = r();
      const market = pick(options.markets);
      const account = pick(accounts);
      if (roll < 0.06 && accounts < options.maxAccounts) {
        cmds.push({ type: 'createAccount' });
        accounts++;
      } else if (roll < 0.14) {
        cmds.push({ type: 'deposit', account, amount: 1 + pick(100_000_000_000) });
      } else if (roll < 0.26) {
        if (priced.has(market)) continue;
        priced.add(market);
        prices[market] = Math.max(1_000, Math.round(prices[market] * (1 + (r() - 0.5) * 0.01)));
        cmds.push({ type: 'oracle', market, source: 0, price: prices[market], confidence: pick(1_000), publishTs: ts });
      } else if (roll < 0.4) {
        // A resting order just inside the curve's spread, so later market orders fill it before the curve.
        const side = r() < 0.5 ? 'buy' : 'sell';
        const offset = (side === 'buy' ? -1 : 1) * r() * 0.0004;
        const price = Math.max(1, Math.round(prices[market] * (1 + offset)));
        const size = 1 + pick(500_000_000_000 / Math.max(1, prices[market] / 1_000_000));
        cmds.push({ type: 'placeOrder', account, market, side, size, price });
      } else if (roll < 0.9) {
        const size = 1 + pick(2_000_000_000_000 / Math.max(1, prices[market] / 1_000_000));
        cmds.push({ type: 'marketOrder', account, market, side: r() < 0.5 ? 'buy' : 'sell', size });
      } else if (roll < 0.94) {
        cmds.push({ type: 'fundingTick', market });
      } else {
        cmds.push({ type: 'withdraw', account, amount: 1 + pick(50_000_000_000) });
      }
    }
    yield { ts, cmds };
  }
}

/** All turns of a stream, in an array. */
export function turnsOf(options: StreamOptions): Turn[] {
  return [...commandStream(options)];
}
