/**
 * Order book benchmarks, each replaying one seeded operation stream through
 * clearloop's book (core/book/orderbook.ts) and through the npm package
 * `nodejs-order-book` in the same run:
 *
 *   book.place_cancel       place and cancel resting limit orders around a
 *                           mid, prices within 100 ticks of it (denser near
 *                           the touch), ~10k orders resting throughout.
 *   book.crossing_structure taker sweeps consuming resting orders: through
 *                           bestId/sizeOf/fill() here, through the peer's
 *                           market() there. The stream runs in rounds: fresh
 *                           resting orders, a few cancels, then one sweep a
 *                           side taking ~3.5 orders from the front, so ~10k
 *                           orders stay resting. Only the sweeps are timed
 *                           (each between two hrtime reads, on both sides);
 *                           the figure is sweeps per second.
 *
 * clearloop's side runs as the engine runs it: every write undoable through
 * an UndoLog (the book's journal hooks into it), committed after each
 * operation. Both sides build their per-operation
 * argument object inside the timed loop; ids are pre-built in each book's
 * native type (numbers here, strings for the peer). After each timed run the
 * two books' L2 depth is compared, so both really did the same work. Each
 * side warms up and runs all its timed runs before the other starts, so
 * neither pays for the other's garbage. (A forced full GC between runs was
 * tried and dropped: it made the next run ~3x slower, flushing JIT state.)
 *
 * Output: one JSON line per figure via `report` (stdout when run directly),
 * human summaries on stderr. Run alone: npx tsx bench/book.bench.ts
 */
import { pathToFileURL } from 'node:url';
import { OrderBook as PeerBook } from 'nodejs-order-book';
import { OrderBook } from '../core/book/orderbook.ts';
import { ASK, BID, NO_ORDER, type Side } from '../core/book/types.ts';
import { UndoLog } from '../core/undo.ts';
import { run as runEngineCrossing } from './engine-crossing.ts';

type Report = (line: Record<string, unknown>) => void;

const SEED = 0x5eed_b00c;
const MID = 100_000_000; // price units (1e-6 USD): $100.000000
const TICK = 1_000; // $0.001
const SPREAD_TICKS = 100;
const LOT = 1_000_000; // base units (1e-9): 0.001 of the asset
const RESTING = 10_000;
const PLACE_CANCEL_OPS = 100_000;
const CROSSING_ROUNDS = 20_000;
const PLACES_PER_SIDE_PER_ROUND = 4;
const CANCELS_PER_ROUND = 2;
/** Each sweep takes this many whole orders from the front, and half of the next. */
const SWEEP_WHOLE_ORDERS = 3;
/**
 * Timed runs per side. The figure is each side's FASTEST run: these machines
 * are shared, and the fastest of several runs is the one least disturbed by
 * other load (the stderr summary lists every run).
 */
const RUNS = 5;

/** mulberry32: seeded, so every run replays the same stream. */
function makeRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const OP_PLACE = 0;
const OP_CANCEL = 1;
const OP_SWEEP = 2;

/** An operation stream in columns. A sweep's `side` is the RESTING side it consumes; `size` its quantity. */
interface Stream {
  readonly length: number;
  readonly kind: Uint8Array;
  readonly id: Float64Array;
  readonly side: Uint8Array;
  readonly price: Float64Array;
  readonly size: Float64Array;
  /** The peer's string id per op (place and cancel). */
  readonly peerId: string[];
}

function allocStream(n: number): Stream {
  return {
    length: n,
    kind: new Uint8Array(n),
    id: new Float64Array(n),
    side: new Uint8Array(n),
    price: new Float64Array(n),
    size: new Float64Array(n),
    peerId: new Array<string>(n).fill(''),
  };
}

/** A price 1..SPREAD_TICKS ticks away from mid on the order's own side, denser near the touch. */
function restingPrice(rnd: () => number, side: Side): number {
  const r = rnd();
  const ticks = 1 + Math.floor(r * r * SPREAD_TICKS);
  return side === BID ? MID - ticks * TICK : MID + ticks * TICK;
}

function placeInto(s: Stream, i: number, id: number, side: Side, rnd: () => number): void {
  s.kind[i] = OP_PLACE;
  s.id[i] = id;
  s.side[i] = side;
  s.price[i] = restingPrice(rnd, side);
  s.size[i] = (1 + Math.floor(rnd() * 100)) * LOT;
  s.peerId[i] = String(id);
}

/** RESTING places (the preload, untimed) and then `ops` alternating-ish places and cancels of random live orders. */
function placeCancelStream(seed: number, ops: number): { preload: Stream; ops: Stream } {
  const rnd = makeRng(seed);
  const preload = allocStream(RESTING);
  const live: number[] = [];
  let nextId = 1;
  for (let i = 0; i < RESTING; i++) {
    placeInto(preload, i, nextId, i % 2 === 0 ? BID : ASK, rnd);
    live.push(nextId++);
  }
  const s = allocStream(ops);
  for (let i = 0; i < ops; i++) {
    // Place when below the target, cancel when above, coin flip at it: the book hovers at ~RESTING.
    const place = live.length < RESTING ? true : live.length > RESTING ? false : rnd() < 0.5;
    if (place) {
      placeInto(s, i, nextId, rnd() < 0.5 ? BID : ASK, rnd);
      live.push(nextId++);
    } else {
      const k = Math.floor(rnd() * live.length);
      const id = live[k];
      live[k] = live[live.length - 1];
      live.pop();
      s.kind[i] = OP_CANCEL;
      s.id[i] = id;
      s.peerId[i] = String(id);
    }
  }
  return { preload, ops: s };
}

/**
 * Rounds of PLACES_PER_SIDE_PER_ROUND fresh resting orders a side, then
 * CANCELS_PER_ROUND cancels of random live orders, then one sweep a side
 * taking SWEEP_WHOLE_ORDERS whole orders from the front and half of the next:
 * the resting count holds at ~RESTING, and random cancels keep the far levels
 * from piling up. The generator runs the stream through a clearloop book to
 * know the front of the book and which orders are still live.
 */
function crossingStream(seed: number, rounds: number): { preload: Stream; ops: Stream } {
  const rnd = makeRng(seed ^ 0x0c05_5ed0);
  const preload = allocStream(RESTING);
  const live: number[] = [];
  const where = new Map<number, number>(); // id → index in live
  const addLive = (id: number) => {
    where.set(id, live.length);
    live.push(id);
  };
  const dropLive = (id: number) => {
    const k = where.get(id) as number;
    const last = live[live.length - 1];
    live[k] = last;
    where.set(last, k);
    live.pop();
    where.delete(id);
  };
  let nextId = 1;
  for (let i = 0; i < RESTING; i++) {
    placeInto(preload, i, nextId, i % 2 === 0 ? BID : ASK, rnd);
    addLive(nextId++);
  }
  const { book: sim, undo } = ourPreload(preload);
  const perRound = 2 * PLACES_PER_SIDE_PER_ROUND + CANCELS_PER_ROUND + 2;
  const s = allocStream(rounds * perRound);
  let i = 0;
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < 2 * PLACES_PER_SIDE_PER_ROUND; k++, i++) {
      placeInto(s, i, nextId, k % 2 === 0 ? BID : ASK, rnd);
      sim.add({ id: nextId, account: 0, side: s.side[i] as Side, price: s.price[i], size: s.size[i] });
      addLive(nextId++);
    }
    for (let k = 0; k < CANCELS_PER_ROUND; k++, i++) {
      const id = live[Math.floor(rnd() * live.length)];
      s.kind[i] = OP_CANCEL;
      s.id[i] = id;
      s.peerId[i] = String(id);
      sim.cancel(id);
      dropLive(id);
    }
    for (const side of [BID, ASK] as const) {
      let size = 0;
      let id = sim.bestId(side);
      for (let k = 0; k < SWEEP_WHOLE_ORDERS && id !== NO_ORDER; k++, id = sim.nextId(id)) size += sim.sizeOf(id);
      if (id !== NO_ORDER) size += Math.max(1, Math.floor(sim.sizeOf(id) / 2));
      s.kind[i] = OP_SWEEP;
      s.side[i] = side;
      s.size[i] = size;
      i++;
      for (let left = size; left > 0; ) {
        const best = sim.bestId(side);
        const take = Math.min(left, sim.sizeOf(best));
        if (take === sim.sizeOf(best)) dropLive(best);
        sim.fill(best, take);
        left -= take;
      }
    }
    undo.commit();
  }
  return { preload, ops: s };
}

// ───────────────────────────── clearloop ─────────────────────────────

interface Run {
  /** The whole stream, wall clock. */
  readonly ns: number;
  /** The whole stream, this process's CPU time (user + system), for the stderr summary. */
  readonly cpuNs: number;
  /** Sweeps only. */
  readonly sweepNs: number;
  readonly failures: number;
  readonly fills: number;
  readonly depth: [number, number][][];
}

function ourDepth(book: OrderBook): [number, number][][] {
  return [ASK, BID].map((side) =>
    book.depth(side as Side, 1_000_000).map((d) => [d.price, d.size] as [number, number]),
  );
}

function ourPreload(s: Stream): { book: OrderBook; undo: UndoLog } {
  const undo = new UndoLog();
  const book = new OrderBook(undo, { initialCapacity: 2 * RESTING });
  for (let i = 0; i < s.length; i++) {
    book.add({ id: s.id[i], account: i & 255, side: s.side[i] as Side, price: s.price[i], size: s.size[i] });
  }
  undo.commit();
  return { book, undo };
}

function runOurs(stream: { preload: Stream; ops: Stream }): Run {
  const { book, undo } = ourPreload(stream.preload);
  const s = stream.ops;
  const { kind, id, side, price, size } = s;
  let failures = 0;
  let fills = 0;
  let sweepNs = 0n;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < s.length; i++) {
    const k = kind[i];
    if (k === OP_PLACE) {
      if (book.add({ id: id[i], account: i & 255, side: side[i] as Side, price: price[i], size: size[i] }) !== 'OK') {
        failures++;
      }
    } else if (k === OP_CANCEL) {
      if (book.cancel(id[i]) !== 'OK') failures++;
    } else {
      // A taker sweep: consume the resting side in priority order.
      const s0 = process.hrtime.bigint();
      const resting = side[i] as Side;
      let left = size[i];
      while (left > 0) {
        const best = book.bestId(resting);
        if (best === NO_ORDER) break;
        const available = book.sizeOf(best);
        const take = Math.min(available, left);
        book.fill(best, take);
        left -= take;
        fills++;
      }
      undo.commit();
      sweepNs += process.hrtime.bigint() - s0;
      if (left > 0) failures++;
      continue;
    }
    undo.commit();
  }
  const ns = Number(process.hrtime.bigint() - t0);
  const cpu = process.cpuUsage(cpu0);
  return { ns, cpuNs: (cpu.user + cpu.system) * 1e3, sweepNs: Number(sweepNs), failures, fills, depth: ourDepth(book) };
}

// ───────────────────────────── nodejs-order-book ─────────────────────────────

const PEER_SIDE = ['buy', 'sell'] as const; // indexed by BID / ASK

function peerDepth(book: PeerBook): [number, number][][] {
  const [asks, bids] = book.depth();
  return [asks, bids];
}

function peerPreload(s: Stream): PeerBook {
  const book = new PeerBook();
  for (let i = 0; i < s.length; i++) {
    book.limit({ id: s.peerId[i], side: PEER_SIDE[s.side[i]] as never, price: s.price[i], size: s.size[i] });
  }
  return book;
}

function runPeer(stream: { preload: Stream; ops: Stream }): Run {
  const book = peerPreload(stream.preload);
  const s = stream.ops;
  const { kind, side, price, size, peerId } = s;
  let failures = 0;
  let fills = 0;
  let sweepNs = 0n;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < s.length; i++) {
    const k = kind[i];
    if (k === OP_PLACE) {
      const res = book.limit({ id: peerId[i], side: PEER_SIDE[side[i]] as never, price: price[i], size: size[i] });
      if (res.err !== null) failures++;
    } else if (k === OP_CANCEL) {
      if (book.cancel(peerId[i]) === undefined) failures++;
    } else {
      // A market order on the opposite side of the resting orders it consumes.
      const s0 = process.hrtime.bigint();
      const res = book.market({ side: PEER_SIDE[1 - side[i]] as never, size: size[i] });
      sweepNs += process.hrtime.bigint() - s0;
      fills += res.done.length + (res.partial !== null ? 1 : 0);
      if (res.quantityLeft > 0) failures++;
    }
  }
  const ns = Number(process.hrtime.bigint() - t0);
  const cpu = process.cpuUsage(cpu0);
  return {
    ns,
    cpuNs: (cpu.user + cpu.system) * 1e3,
    sweepNs: Number(sweepNs),
    failures,
    fills,
    depth: peerDepth(book),
  };
}

// ───────────────────────────── driver ─────────────────────────────

function fastest(ns: number[]): number {
  return Math.min(...ns);
}

function sameDepth(a: [number, number][][], b: [number, number][][]): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** What a figure counts: every operation of the stream, or only the sweeps (timed on their own). */
type Metric = 'stream' | 'sweeps';

function measure(
  name: string,
  metric: Metric,
  stream: { preload: Stream; ops: Stream },
  warmup: { preload: Stream; ops: Stream },
  report: Report,
): void {
  const timed = (runOnce: (st: { preload: Stream; ops: Stream }) => Run, times: number) => {
    runOnce(warmup); // JIT tiers and inline caches, on a shorter stream of the same shape
    const ns: number[] = [];
    const cpuNs: number[] = [];
    let lastRun = runOnce(stream);
    ns.push(metric === 'stream' ? lastRun.ns : lastRun.sweepNs);
    cpuNs.push(lastRun.cpuNs);
    for (let r = 1; r < times; r++) {
      lastRun = runOnce(stream);
      ns.push(metric === 'stream' ? lastRun.ns : lastRun.sweepNs);
      cpuNs.push(lastRun.cpuNs);
    }
    return { ns, cpuNs, last: lastRun };
  };
  const o = timed(runOurs, RUNS);
  const p = timed(runPeer, RUNS);
  const ours = o.ns;
  const peers = p.ns;
  const runs = { ours: o.last, peer: p.last };
  if (runs.ours.failures !== 0 || runs.peer.failures !== 0) {
    throw new Error(`${name}: ${runs.ours.failures} clearloop and ${runs.peer.failures} peer operations failed`);
  }
  if (!sameDepth(runs.ours.depth, runs.peer.depth)) {
    throw new Error(`${name}: the two books ended with different depth; the streams did not do the same work`);
  }
  if (runs.ours.fills !== runs.peer.fills) {
    throw new Error(`${name}: clearloop made ${runs.ours.fills} maker fills, the peer ${runs.peer.fills}`);
  }
  let n = stream.ops.length;
  const rates = (ns: number[]) => ns.map((t) => Math.round((n * 1e9) / t).toLocaleString()).join(' / ');
  if (metric === 'sweeps') {
    n = 0;
    for (let i = 0; i < stream.ops.length; i++) if (stream.ops.kind[i] === OP_SWEEP) n++;
  }
  const value = Math.round((n * 1e9) / fastest(ours));
  const peerValue = Math.round((n * 1e9) / fastest(peers));
  const ratio = Math.round((value / peerValue) * 100) / 100;
  report({ bench: name, value, unit: 'ops/s', peer: 'nodejs-order-book', peer_value: peerValue, ratio });
  const what =
    metric === 'stream'
      ? `${n.toLocaleString()} places and cancels`
      : `${n.toLocaleString()} taker sweeps, ${(runs.ours.fills / n).toFixed(2)} maker fills each ` +
        `(clearloop ${Math.round((runs.ours.fills * 1e9) / fastest(ours)).toLocaleString()} fills/s, ` +
        `peer ${Math.round((runs.peer.fills * 1e9) / fastest(peers)).toLocaleString()} fills/s)`;
  // CPU time is less disturbed by other load than wall time: shown as a cross-check (whole stream, all op kinds).
  const all = stream.ops.length;
  const cpuRate = (cpuNs: number[]) => Math.round((all * 1e9) / Math.min(...cpuNs)).toLocaleString();
  process.stderr.write(
    `${name}: whole stream by CPU time, fastest run: clearloop ${cpuRate(o.cpuNs)} ops/s, peer ${cpuRate(p.cpuNs)} ops/s\n`,
  );
  process.stderr.write(
    `${name}: clearloop ${value.toLocaleString()} ops/s vs nodejs-order-book ${peerValue.toLocaleString()} ops/s ` +
      `(x${ratio}); ${what} over ~${RESTING.toLocaleString()} resting orders; fastest of ${RUNS} runs each ` +
      `(clearloop ${rates(ours)}; peer ${rates(peers)}); ` +
      `final depth identical, ${runs.ours.depth[0].length}+${runs.ours.depth[1].length} levels\n`,
  );
}

/** Runs both figures (or only `options.only`, as `npm run bench -- book.place_cancel` asks). */
export async function run(report: Report, options: { only?: string | null } = {}): Promise<void> {
  const wants = (name: string) => options.only == null || options.only === name;
  if (wants('book.place_cancel')) {
    measure(
      'book.place_cancel',
      'stream',
      placeCancelStream(SEED, PLACE_CANCEL_OPS),
      placeCancelStream(SEED + 1, PLACE_CANCEL_OPS / 4),
      report,
    );
  }
  // Takers through the whole engine (book + vAMM): bench/engine-crossing.ts.
  if (wants('book.crossing')) await runEngineCrossing(report, { only: 'book.crossing' });
  if (wants('book.crossing_structure')) {
    measure(
      'book.crossing_structure',
      'sweeps',
      crossingStream(SEED, CROSSING_ROUNDS),
      crossingStream(SEED + 1, CROSSING_ROUNDS / 4),
      report,
    );
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await run((line) => process.stdout.write(`${JSON.stringify(line)}\n`));
}
