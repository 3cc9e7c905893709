/**
 * book.crossing: taker orders through engine.apply() that cross resting
 * orders and then the vAMM (hybrid matching, fees, positions, margin,
 * events). Each round, maker accounts rest a ladder of asks and bids around
 * the mid; one taker buy sweeps several asks and runs on into the curve, one
 * taker sell does the same on the bid side. Only the takers' apply() time is
 * counted. Peer: nodejs-order-book fed the same limit orders and the same
 * takers as market orders (it has no curve, so it does strictly less work).
 */
import { OrderBook as PeerBook } from 'nodejs-order-book';
import type { Command } from '../core/commands.ts';
import { Engine } from '../core/engine.ts';
import { type BenchOptions, note, type Report, round, wants } from './harness.ts';

const PRICE = 60_000_000_000;
const TICK = 1_000_000;
const LEVELS = 4;
const MAKER_SIZE = 10_000_000; // 0.01 BTC
const MAKERS = 200;
const ROUNDS = 60_000;

interface Round {
  makers: Command[];
  takers: Command[];
}

function stream(rounds: number): Round[] {
  const out: Round[] = [];
  for (let r = 0; r < rounds; r++) {
    const makers: Command[] = [];
    for (let l = 1; l <= LEVELS; l++) {
      const account = 2 + ((r * LEVELS + l) % MAKERS);
      makers.push({ type: 'placeOrder', account, market: 0, side: 'sell', size: MAKER_SIZE, price: PRICE + l * TICK });
      makers.push({ type: 'placeOrder', account, market: 0, side: 'buy', size: MAKER_SIZE, price: PRICE - l * TICK });
    }
    // Each taker sweeps every resting level on its side and a little of the curve beyond.
    const takerSize = LEVELS * MAKER_SIZE + 2_000_000;
    out.push({
      makers,
      // The takers swap sides every round, so their positions stay flat and margin never binds.
      takers: [
        { type: 'marketOrder', account: r % 2, market: 0, side: 'buy', size: takerSize },
        { type: 'marketOrder', account: 1 - (r % 2), market: 0, side: 'sell', size: takerSize },
      ],
    });
  }
  return out;
}

function setup(): { engine: Engine; ts: number } {
  const engine = new Engine();
  const ts = 1_700_000_000_000;
  const must = (c: Command) => {
    const r = engine.apply(c, ts);
    if (!r.ok) throw new Error(`setup ${c.type}: ${r.code} ${r.message}`);
  };
  // A curve so deep that its quote sits inside the ladder's spread only by its spread: takers
  // meet the book first, then the curve beyond the last level.
  must({
    type: 'createMarket',
    symbol: 'BTC-PERP',
    initialPrice: PRICE,
    baseReserve: 1_000_000_000_000_000,
    params: { tickSize: TICK, baseSpreadE6: 2_000, maxOpenOrders: 10_000 },
  });
  must({ type: 'oracle', market: 0, source: 0, price: PRICE, confidence: 1_000_000, publishTs: ts });
  for (let a = 0; a < MAKERS + 2; a++) {
    must({ type: 'createAccount' });
    must({ type: 'deposit', account: a, amount: 10_000_000_000_000 });
  }
  return { engine, ts };
}

function runEngine(rounds: Round[]): { opsPerSec: number; rejected: number; fills: number } {
  const { engine, ts } = setup();
  let ns = 0;
  let rejected = 0;
  let fills = 0;
  let takers = 0;
  for (const r of rounds) {
    for (const c of r.makers) engine.apply(c, ts);
    for (const c of r.takers) {
      const t0 = process.hrtime.bigint();
      const out = engine.apply(c, ts);
      ns += Number(process.hrtime.bigint() - t0);
      takers++;
      if (!out.ok) rejected++;
      else for (const e of out.events) if (e.type === 'fill' && e.role === 'taker') fills++;
    }
  }
  const broken = engine.validateInvariants();
  if (broken.length > 0) throw new Error(`invariants: ${broken.join('; ')}`);
  return { opsPerSec: (takers / ns) * 1e9, rejected, fills };
}

function runPeer(rounds: Round[]): number {
  const book = new PeerBook();
  let id = 0;
  let ns = 0;
  let takers = 0;
  for (const r of rounds) {
    for (const c of r.makers) {
      if (c.type !== 'placeOrder') continue;
      book.limit({ id: String(++id), side: c.side as never, price: c.price, size: c.size });
    }
    for (const c of r.takers) {
      if (c.type !== 'marketOrder') continue;
      const t0 = process.hrtime.bigint();
      // The peer has no curve: its market order takes only the resting levels.
      book.market({ side: c.side as never, size: LEVELS * MAKER_SIZE });
      ns += Number(process.hrtime.bigint() - t0);
      takers++;
    }
  }
  return (takers / ns) * 1e9;
}

export async function run(report: Report, options: BenchOptions): Promise<void> {
  if (!wants(options, 'book.crossing')) return;
  runEngine(stream(5_000));
  runPeer(stream(5_000));
  const rounds = stream(ROUNDS);
  const engine = runEngine(rounds);
  const peer = runPeer(rounds);
  note(
    `book.crossing: ${Math.round(engine.opsPerSec)} taker orders/s through apply() (${engine.fills} taker fills, ` +
      `${engine.rejected} rejected); nodejs-order-book ${Math.round(peer)}/s on the book part alone`,
  );
  report({
    bench: 'book.crossing',
    value: Math.round(engine.opsPerSec),
    unit: 'ops/s',
    peer: 'nodejs-order-book',
    peer_value: Math.round(peer),
    ratio: round(engine.opsPerSec / peer, 2),
    taker_fills: engine.fills,
    rejected: engine.rejected,
    levels_per_taker: LEVELS,
  });
}
