/**
 * book.crossing: taker orders through engine.apply() that cross resting
 * orders and then the vAMM (hybrid matching, fees, positions, margin,
 * events). Each round, maker accounts rest a ladder of asks and bids around
 * the mid; one taker buy sweeps several asks and runs on into the curve, one
 * taker sell does the same on the bid side. Only the takers' apply() time is
 * counted. Peer: nodejs-order-book fed the same limit orders and the same
 * takers as market orders (it has no curve, so it does strictly less work),
 * in blocks alternating with ours, each side timed per taker the same way.
 * Each side is warmed up on the very instance that is then timed, and the
 * timed stream's command objects are collected into the old generation
 * before the clock starts (both sides alike).
 */
import { OrderBook as PeerBook } from 'nodejs-order-book';
import type { Command } from '../core/commands.ts';
import { Engine } from '../core/engine.ts';
import { type BenchOptions, fullGc, note, type Report, round, wants } from './harness.ts';

const PRICE = 60_000_000_000;
const TICK = 1_000_000;
const LEVELS = 4;
const MAKER_SIZE = 10_000_000; // 0.01 BTC
const MAKERS = 200;
const ROUNDS = 60_000;
/** Rounds per block: the two books alternate blocks of the stream. */
const BLOCK = 250;

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

interface Side {
  /** Feeds rounds [from, to) of the stream, adding the takers' apply time (ns) and count below. */
  run(rounds: Round[], from: number, to: number): void;
  ns: number;
  takers: number;
  /** Zeroes the counts (after the warm-up). */
  reset(): void;
}

function engineSide(): Side & { rejected: number; fills: number; check(): void } {
  const { engine, ts } = setup();
  const side = {
    ns: 0,
    takers: 0,
    rejected: 0,
    fills: 0,
    run(rounds: Round[], from: number, to: number): void {
      for (let i = from; i < to; i++) {
        const r = rounds[i];
        for (const c of r.makers) engine.apply(c, ts);
        for (const c of r.takers) {
          const t0 = process.hrtime.bigint();
          const out = engine.apply(c, ts);
          side.ns += Number(process.hrtime.bigint() - t0);
          side.takers++;
          if (!out.ok) side.rejected++;
          // A taker's fills: its matches' rows, one per resting order and one per curve leg.
          else for (const e of out.events) if (e.type === 'takerMatches') side.fills += e.count;
        }
      }
    },
    reset(): void {
      side.ns = 0;
      side.takers = 0;
      side.rejected = 0;
      side.fills = 0;
    },
    check(): void {
      const broken = engine.validateInvariants();
      if (broken.length > 0) throw new Error(`invariants: ${broken.join('; ')}`);
    },
  };
  return side;
}

function peerSide(): Side {
  const book = new PeerBook();
  let id = 0;
  const side = {
    ns: 0,
    takers: 0,
    run(rounds: Round[], from: number, to: number): void {
      for (let i = from; i < to; i++) {
        const r = rounds[i];
        for (const c of r.makers) {
          if (c.type !== 'placeOrder') continue;
          book.limit({ id: String(++id), side: c.side as never, price: c.price, size: c.size });
        }
        for (const c of r.takers) {
          if (c.type !== 'marketOrder') continue;
          const t0 = process.hrtime.bigint();
          // The same order: the peer has no curve, so it takes the resting levels and leaves the rest.
          book.market({ side: c.side as never, size: c.size });
          side.ns += Number(process.hrtime.bigint() - t0);
          side.takers++;
        }
      }
    },
    reset(): void {
      side.ns = 0;
      side.takers = 0;
    },
  };
  return side;
}

/**
 * Both books take the same stream in alternating blocks, so load from other
 * jobs on a shared machine, and each side's garbage collection, fall on both
 * alike rather than on whichever happened to run second.
 */
function alternate(engine: Side, peer: Side, rounds: Round[], block: number): void {
  for (let from = 0; from < rounds.length; from += block) {
    const to = Math.min(rounds.length, from + block);
    engine.run(rounds, from, to);
    peer.run(rounds, from, to);
  }
}

export async function run(report: Report, options: BenchOptions): Promise<void> {
  if (!wants(options, 'book.crossing')) return;
  // The sides that are timed are the sides that warm up: a fresh engine after the warm-up ran its
  // first ~10,000 rounds at half speed here, while V8 collected the warm-up's engines and
  // re-optimised the code that had been specialised to their objects.
  const engine = engineSide();
  const peer = peerSide();
  alternate(engine, peer, stream(5_000), 1_000);
  engine.reset();
  peer.reset();
  const rounds = stream(ROUNDS);
  // The stream's 600,000 command objects are promoted now, not inside the timed blocks.
  await fullGc();
  alternate(engine, peer, rounds, BLOCK);
  engine.check();
  const engineRate = (engine.takers / engine.ns) * 1e9;
  const peerRate = (peer.takers / peer.ns) * 1e9;
  note(
    `book.crossing: ${Math.round(engineRate)} taker orders/s through apply() (${engine.fills} taker fills, ` +
      `${engine.rejected} rejected); nodejs-order-book ${Math.round(peerRate)}/s on the book part alone`,
  );
  report({
    bench: 'book.crossing',
    value: Math.round(engineRate),
    unit: 'ops/s',
    peer: 'nodejs-order-book',
    peer_value: Math.round(peerRate),
    ratio: round(engineRate / peerRate, 2),
    taker_fills: engine.fills,
    rejected: engine.rejected,
    levels_per_taker: LEVELS,
  });
}
