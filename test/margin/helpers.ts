/**
 * Shared helpers for the margin-engine suites (issue 4): units, a small
 * scenario builder that applies commands and checks the engine's invariants
 * after each one, the naive reference for "who is below maintenance" (every
 * account through crossHealth / isolatedHealth, no caches), and the
 * accounting checks the property and replay suites run on event streams.
 */
import type { Command } from '../../core/commands.ts';
import { ok, show } from '../support/checks.ts';

export { ok, show };

import { classicEvents } from '../../core/classic-events.ts';
import { Engine, type Outcome } from '../../core/engine.ts';
import type { ErrorCode } from '../../core/errors.ts';
import type { Event } from '../../core/events.ts';
import { belowMaintenance, crossHealth, type Health, isolatedHealth } from '../../core/margin/health.ts';
import type { Market } from '../../core/market.ts';
import type { MarketParams } from '../../core/params.ts';
import { bandLimitPriceE6 } from '../../vamm/guards.ts';

// ─── Units ──────────────────────────────────────────────────────────────────
/** Quote units per USD (quote is 1e-6 USD). */
export const USD = 1_000_000;
/** Base units per whole asset (base is 1e-9). */
export const UNIT = 1_000_000_000;
/** Price units per USD (prices are 1e-6 USD per whole base). */
export const PRICE = 1_000_000;
/** Ratios: 1_000_000 = 100%. */
export const E6 = 1_000_000;
/** Most backstop steps one account takes per tick (core/tick.ts MAX_BACKSTOP_STEPS). */
export const MAX_BACKSTOP_STEPS = 8;

/** Print the fast-check seed once per file and return it (FC_SEED=<n> reproduces a run). */
export function fcSeed(): number {
  const seed = Number(process.env.FC_SEED ?? Date.now() % 2 ** 31);
  console.log('fast-check seed', seed);
  return seed;
}

// ─── Accepted / rejected ────────────────────────────────────────────────────

/** Apply a command that must be rejected with `code`, and check that the state hash did not move. */
export function rejects(e: Engine, cmd: unknown, ts: number, code: ErrorCode): Outcome {
  const before = e.stateHash();
  const out = e.apply(cmd as Command, ts);
  if (out.ok)
    throw new Error(`expected ${show(cmd)} to be rejected with ${code}, but it was accepted: ${show(out.events)}`);
  if (out.code !== code)
    throw new Error(`expected ${show(cmd)} to be rejected with ${code}, got ${out.code}: ${out.message}`);
  if (e.stateHash() !== before) throw new Error(`rejected ${show(cmd)} changed the state hash`);
  return out;
}

export type EventOf<T extends Event['type']> = Extract<Event, { type: T }>;

/** The events of one type, a tick's liquidation rows read as the events they stand for. */
export function eventsOf<T extends Event['type']>(events: readonly Event[], type: T): EventOf<T>[] {
  return classicEvents(events).filter((x): x is EventOf<T> => x.type === type);
}

export function oneEvent<T extends Event['type']>(events: readonly Event[], type: T): EventOf<T> {
  const xs = eventsOf(events, type);
  if (xs.length !== 1) throw new Error(`expected one ${type} event, got ${xs.length}: ${show(events)}`);
  return xs[0];
}

// ─── Scenario builder ───────────────────────────────────────────────────────
/**
 * Parameters that take the noise out of hand-computed cases: no fees, no
 * spread, and a VaR confidence of 50% (z = 0) so the margin ratios stay at
 * their static values whatever the oracle does. Each hand test says which
 * of these it relies on.
 */
export const QUIET: Partial<MarketParams> = {
  takerFeeE6: 0,
  makerFeeE6: 0,
  baseSpreadE6: 0,
  maxSpreadE6: 0,
  volConfidenceE6: 500_000,
};

/** An engine plus a clock; every command is checked (accepted + invariants, or rejected + unchanged). */
export class Scenario {
  readonly e = new Engine();
  ts = 1_000;

  /** Advance the clock. */
  at(dtMs: number): this {
    this.ts += dtMs;
    return this;
  }

  ok(cmd: unknown): Event[] {
    return ok(this.e, cmd, this.ts);
  }

  rejects(cmd: unknown, code: ErrorCode): Outcome {
    return rejects(this.e, cmd, this.ts, code);
  }

  /** A market whose curve starts at `price` (USD) and is `depth` whole units deep. */
  market(symbol: string, priceUsd: number, depthUnits: number, params: Partial<MarketParams> = {}): number {
    const ev = this.ok({
      type: 'createMarket',
      symbol,
      initialPrice: Math.round(priceUsd * PRICE),
      baseReserve: Math.round(depthUnits * UNIT),
      params,
    });
    return oneEvent(ev, 'marketCreated').market;
  }

  /** A new account, funded with `usd` of USDC when positive. */
  account(usd = 0): number {
    const a = oneEvent(this.ok({ type: 'createAccount' }), 'accountCreated').account;
    if (usd > 0) this.ok({ type: 'deposit', account: a, amount: Math.round(usd * USD) });
    return a;
  }

  /** Publish an oracle price (price units) for `market` at the current time. */
  oracle(market: number, price: number, confidence = 0): Event[] {
    return this.ok({ type: 'oracle', market, source: 0, price: Math.round(price), confidence, publishTs: this.ts });
  }

  tick(): Event[] {
    return this.ok({ type: 'tick' });
  }

  order(
    account: number,
    market: number,
    side: 'buy' | 'sell',
    size: number,
    extra: { reduceOnly?: boolean } = {},
  ): Event[] {
    return this.ok({ type: 'marketOrder', account, market, side, size, ...extra });
  }

  m(id: number): Market {
    return this.e.markets[id];
  }
}

// ─── Naive reference ────────────────────────────────────────────────────────
/** A unit of risk: the cross pool (market −1) or one isolated position. */
export interface NaiveUnit {
  account: number;
  market: number;
  health: Health;
}

/**
 * The units of `a` below maintenance, computed from scratch: the cross pool
 * through crossHealth, every isolated position (open, or flat with unsettled
 * PnL) through isolatedHealth. A unit with no requirement is below when its
 * equity is negative (that is what belowMaintenance says with a zero requirement).
 */
export function naiveDistressed(e: Engine, a: number): NaiveUnit[] {
  const out: NaiveUnit[] = [];
  const cross = crossHealth(e, a);
  if (belowMaintenance(cross)) out.push({ account: a, market: -1, health: cross });
  for (const m of e.markets) {
    const pos = m.positions;
    if (pos.isolated[a] !== 1 || (pos.base[a] === 0 && pos.pnl[a] === 0)) continue;
    const h = isolatedHealth(m, a);
    if (belowMaintenance(h)) out.push({ account: a, market: m.id, health: h });
  }
  return out;
}

/** Every account with a unit below maintenance, by id. */
export function naiveDistressedSet(e: Engine): Map<number, NaiveUnit[]> {
  const out = new Map<number, NaiveUnit[]>();
  for (let a = 0; a < e.accounts.count; a++) {
    const units = naiveDistressed(e, a);
    if (units.length > 0) out.set(a, units);
  }
  return out;
}

function near(h: Health, warningBufferE6: number): boolean {
  return h.maintenanceRequirement > 0 && h.equityMaintenance < h.maintenanceRequirement * (1 + warningBufferE6 / E6);
}

/**
 * True when some unit of `a` is within the warning buffer of maintenance
 * (equity below maintenance × (1 + buffer)). The cross pool uses `crossBufferE6`
 * (the suites that call this give every market the same buffer); an isolated
 * position uses its market's.
 */
export function naiveNear(e: Engine, a: number, crossBufferE6: number): boolean {
  if (near(crossHealth(e, a), crossBufferE6)) return true;
  for (const m of e.markets) {
    if (m.positions.isolated[a] !== 1 || m.positions.base[a] === 0) continue;
    if (near(isolatedHealth(m, a), m.params.warningBufferE6)) return true;
  }
  return false;
}

/** Health of the unit that backs `a`'s position in `market`. */
export function unitHealth(e: Engine, a: number, market: number): Health {
  const m = e.markets[market];
  return m.positions.isolated[a] === 1 ? isolatedHealth(m, a) : crossHealth(e, a);
}

/** Maintenance + the liquidation buffer on the unit's notional (what a partial liquidation restores). */
export function restoreTarget(h: Health, bufferE6: number): number {
  return h.maintenanceRequirement + (h.notional * bufferE6) / E6;
}

// ─── Accounting over events ─────────────────────────────────────────────────
/**
 * Walks one command's events in order and checks the insurance fund's
 * ledger against them: it starts at `before`, gains deposits and the
 * insurance share of every penalty, pays bankruptcies (insurance first) and
 * the collateral it buys, and must end at `after`. Also: every penalty splits
 * exactly into reward + insurance share, the reward is the liquidator's
 * share (rounded down), and every shortfall is covered exactly by insurance +
 * socialised + fee pool, socialising only once the fund is empty.
 * Returns the violations (empty when all hold).
 */
export function insuranceViolations(
  events: readonly Event[],
  before: number,
  after: number,
  shareE6ByMarket: (m: number) => number,
): string[] {
  const out: string[] = [];
  let fund = before;
  for (const ev of events) {
    switch (ev.type) {
      case 'insuranceDeposited':
        fund += ev.amount;
        break;
      case 'liquidation': {
        if (ev.penalty !== ev.liquidatorReward + ev.insuranceShare) out.push(`penalty split ${show(ev)}`);
        const reward = ev.liquidator < 0 ? 0 : Math.floor((ev.penalty * shareE6ByMarket(ev.market)) / E6);
        if (ev.liquidatorReward !== reward)
          out.push(`liquidator reward ${ev.liquidatorReward} ≠ ${reward}: ${show(ev)}`);
        fund += ev.insuranceShare;
        break;
      }
      case 'collateralLiquidated':
        fund -= ev.usdc;
        break;
      case 'bankruptcy': {
        if (ev.shortfall !== ev.insuranceCovered + ev.socialised + ev.feePoolCovered)
          out.push(`shortfall split ${show(ev)}`);
        if (ev.shortfall <= 0 || ev.insuranceCovered < 0 || ev.socialised < 0 || ev.feePoolCovered < 0)
          out.push(`bankruptcy amounts ${show(ev)}`);
        if (ev.insuranceCovered > fund)
          out.push(`insurance covered ${ev.insuranceCovered} > fund ${fund}: ${show(ev)}`);
        fund -= ev.insuranceCovered;
        if (ev.socialised + ev.feePoolCovered > 0 && fund !== 0)
          out.push(`socialised while the fund still held ${fund}: ${show(ev)}`);
        break;
      }
      default:
        break;
    }
  }
  if (fund !== after) out.push(`insurance fund ${after} ≠ ${before} + event flows = ${fund}`);
  return out;
}

/**
 * Base reserve before each backstop fill of a tick, rebuilt backwards from
 * the reserves after it (nothing else moves a reserve inside a tick). A
 * backstop fill that equals the max-fill cap of its reserve was limited by
 * the max fill fraction. Returns the accounts with such a fill, by market.
 */
export function maxFillLimited(e: Engine, events: readonly Event[]): Set<string> {
  const reserve = e.markets.map((m) => m.baseReserve);
  const out = new Set<string>();
  for (let i = events.length - 1; i >= 0; i--) {
    const ev = events[i];
    if (ev.type !== 'liquidation' || ev.liquidator !== -1) continue;
    // A liquidated long sells into the curve (the base reserve grew by the fill); a short buys (it shrank).
    const before = ev.side === 'sell' ? reserve[ev.market] - ev.base : reserve[ev.market] + ev.base;
    const cap = Math.floor((before * e.markets[ev.market].params.maxFillFractionE6) / E6);
    if (ev.base >= cap) out.add(`${ev.account}:${ev.market}`);
    reserve[ev.market] = before;
  }
  return out;
}

/**
 * True when the curve sits at the edge of the price band in the direction a
 * backstop closing a position of sign `base` trades (a long is sold: the lower
 * edge; a short is bought back: the upper edge). A backstop stops there (price
 * protection), so a unit left under maintenance by it was band-limited.
 */
export function bandLimited(m: Market, base: number): boolean {
  const curve = (m.quoteReserve * m.pegE6) / m.baseReserve;
  const edge = bandLimitPriceE6(m.oraclePrice, m.params.priceBandE6, base > 0 ? 'short' : 'long');
  return base > 0 ? curve <= edge * (1 + BAND_EDGE_TOLERANCE) : curve >= edge * (1 - BAND_EDGE_TOLERANCE);
}

/** Relative distance from the band edge that still counts as "at the edge" (the last fill is floored to a base unit). */
const BAND_EDGE_TOLERANCE = 1e-4;

/** True when the margin guard would refuse `m`'s oracle at `ts` (older than the margin staleness). */
export function oracleStaleForMargin(m: Market, ts: number): boolean {
  return m.oraclePublishTs < 0 || ts - m.oraclePublishTs > m.params.oracleMaxStaleMarginMs;
}

/** The shortest liquidator window among the markets `a` holds a position in (0 when flat). */
export function minWindowTicks(e: Engine, a: number): number {
  let w = Number.POSITIVE_INFINITY;
  for (const m of e.markets) if (m.positions.base[a] !== 0) w = Math.min(w, m.params.liquidatorWindowTicks);
  return Number.isFinite(w) ? w : 0;
}

/** Markets whose positions back the unit: the cross positions of `a`, or the one isolated market. */
export function unitMarkets(e: Engine, unit: NaiveUnit): Market[] {
  if (unit.market >= 0) return [e.markets[unit.market]];
  return e.markets.filter((m) => m.positions.isolated[unit.account] !== 1 && m.positions.base[unit.account] !== 0);
}

// ─── Deterministic randomness ───────────────────────────────────────────────
export { Rng } from '../support/rng.ts';
