/**
 * engine.market_orders: decoded market orders through apply() on the vAMM,
 * with position, ledger and fee updates and events, over 10k accounts and
 * 3 markets. The stream of 2,000,000 orders is timed in ROUNDS equal
 * consecutive rounds; the figure is the median round's rate (as sim.commands
 * takes the median of its rounds: one burst of this 2-vCPU VM's noise, or a
 * collection, moves one round, not the figure), with the slowest and fastest
 * round and the whole pass's rate beside it. p50/p99 per command come from a
 * separate timed pass (timing each call would slow the throughput pass).
 */
import type { Command } from '../core/commands.ts';
import { Engine } from '../core/engine.ts';
import { type BenchOptions, elapsedMs, note, nowNs, percentile, type Report, round, wants } from './harness.ts';

const ACCOUNTS = 10_000;
export const MARKETS = [
  { symbol: 'BTC-PERP', price: 60_000_000_000 },
  { symbol: 'ETH-PERP', price: 3_000_000_000 },
  { symbol: 'SOL-PERP', price: 150_000_000 },
];
const ORDERS = 2_000_000;
const LATENCY_SAMPLES = 200_000;
/** Timed rounds the order stream is cut into (the figure is their median). */
const ROUNDS = 5;

/** A tiny deterministic PRNG for the order stream (bench only). */
function xorshift(seed: number): () => number {
  let x = seed | 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

export function setupEngine(accounts = ACCOUNTS): { engine: Engine; ts: number } {
  const e = new Engine();
  let ts = 1_700_000_000_000;
  const must = (c: Command) => {
    const r = e.apply(c, ts);
    if (!r.ok) throw new Error(`setup ${c.type}: ${r.code} ${r.message}`);
  };
  for (const m of MARKETS) {
    must({ type: 'createMarket', symbol: m.symbol, initialPrice: m.price, baseReserve: 1_000_000 * 1e9 });
  }
  for (let a = 0; a < accounts; a++) {
    must({ type: 'createAccount' });
    must({ type: 'deposit', account: a, amount: 100_000_000_000 });
  }
  ts += 1;
  MARKETS.forEach((m, i) => {
    must({ type: 'oracle', market: i, source: 0, price: m.price, confidence: m.price / 10_000, publishTs: ts });
  });
  return { engine: e, ts };
}

export function orderStream(n: number, seed: number, accounts = ACCOUNTS): Command[] {
  const rnd = xorshift(seed);
  const out: Command[] = new Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = {
      type: 'marketOrder',
      account: Math.floor(rnd() * accounts),
      market: Math.floor(rnd() * MARKETS.length),
      side: rnd() < 0.5 ? 'buy' : 'sell',
      size: 1_000_000 + Math.floor(rnd() * 100_000_000),
    };
  }
  return out;
}

export async function run(report: Report, options: BenchOptions): Promise<void> {
  if (!wants(options, 'engine.market_orders')) return;
  const { engine, ts } = setupEngine();
  const warm = orderStream(200_000, 7);
  for (const c of warm) engine.apply(c, ts);
  const cmds = orderStream(ORDERS, 42);
  let rejected = 0;
  const rates: number[] = [];
  let ms = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const from = Math.floor((r * cmds.length) / ROUNDS);
    const to = Math.floor(((r + 1) * cmds.length) / ROUNDS);
    const start = nowNs();
    for (let i = from; i < to; i++) {
      if (!engine.apply(cmds[i], ts).ok) rejected++;
    }
    const roundMs = elapsedMs(start);
    ms += roundMs;
    rates.push(((to - from) / roundMs) * 1000);
  }
  const wholePass = (cmds.length / ms) * 1000;
  const sorted = [...rates].sort((a, b) => a - b);
  const opsPerSec = sorted[sorted.length >> 1];

  const lat = new Float64Array(LATENCY_SAMPLES);
  const sample = orderStream(LATENCY_SAMPLES, 99);
  for (let i = 0; i < sample.length; i++) {
    const t0 = process.hrtime.bigint();
    engine.apply(sample[i], ts);
    lat[i] = Number(process.hrtime.bigint() - t0);
  }
  lat.sort();
  const invariants = engine.validateInvariants();
  if (invariants.length > 0) throw new Error(`invariants broken after bench: ${invariants.join('; ')}`);
  note(
    `engine.market_orders: ${cmds.length} orders in ${ROUNDS} rounds, ${round(ms, 1)} ms; median round ${Math.round(opsPerSec)} ops/s ` +
      `(rounds ${rates.map((x) => Math.round(x)).join(' ')}; whole pass ${Math.round(wholePass)}), ` +
      `${rejected} rejected; p50 ${percentile(lat, 50)} ns, p99 ${percentile(lat, 99)} ns`,
  );
  report({
    bench: 'engine.market_orders',
    value: Math.round(opsPerSec),
    unit: 'ops/s',
    rounds: ROUNDS,
    slowest_round: Math.round(sorted[0]),
    fastest_round: Math.round(sorted[sorted.length - 1]),
    whole_pass: Math.round(wholePass),
    p50_ns: percentile(lat, 50),
    p99_ns: percentile(lat, 99),
    rejected,
    orders: cmds.length,
    accounts: ACCOUNTS,
    markets: MARKETS.length,
  });
}
