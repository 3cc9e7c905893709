/**
 * Shared helpers for the engine-core suites: units, fixtures, and assertions
 * that a command was accepted, or rejected without side effects. The random
 * command streams and their reference model live in harness.ts.
 */
import type { Command } from '../../core/commands.ts';
import { ok, show } from '../support/checks.ts';

export { ok, show };

import { classicEvents } from '../../core/classic-events.ts';
import { Engine, type Outcome } from '../../core/engine.ts';
import type { ErrorCode } from '../../core/errors.ts';
import type { Event } from '../../core/events.ts';
import type { Market } from '../../core/market.ts';
import type { MarketParams } from '../../core/params.ts';

// ─── Units ──────────────────────────────────────────────────────────────────
/** Quote units per USD (quote is 1e-6 USD). */
export const USD = 1_000_000;
/** Base units per whole asset (base is 1e-9). */
export const UNIT = 1_000_000_000;
/** Price units per USD (prices are 1e-6 USD per whole base). */
export const PRICE_USD = 1_000_000;
export const E6 = 1_000_000;
/** Time of the first oracle price in fixtures (ms). */
export const T0 = 1_000;
export const HOUR_MS = 3_600_000;

// ─── Accepted / rejected ────────────────────────────────────────────────────

/**
 * Apply a command that must be rejected with `code`, and check that it
 * changed nothing: same state hash, no events, seq advanced by one.
 */
export function rejects(e: Engine, cmd: unknown, ts: number, code: ErrorCode): Outcome {
  const before = e.stateHash();
  const seq = e.seq;
  const out = e.apply(cmd as Command, ts);
  if (out.ok) throw new Error(`expected ${show(cmd)} to be rejected with ${code}, but it was accepted`);
  if (out.code !== code) throw new Error(`expected ${show(cmd)} to be rejected with ${code}, got ${out.code}`);
  if (e.stateHash() !== before) throw new Error(`rejected ${show(cmd)} changed the state hash`);
  if (out.seq !== seq + 1) throw new Error(`rejected ${show(cmd)}: seq ${out.seq}, expected ${seq + 1}`);
  return out;
}

export type EventOf<T extends Event['type']> = Extract<Event, { type: T }>;

/** The events of one type, a tick's liquidation rows read as the events they stand for. */
export function eventsOf<T extends Event['type']>(events: readonly Event[], type: T): EventOf<T>[] {
  return classicEvents(events).filter((x): x is EventOf<T> => x.type === type);
}

/** The one event of `type` (fails when there are none or several). */
export function oneEvent<T extends Event['type']>(events: readonly Event[], type: T): EventOf<T> {
  const xs = eventsOf(events, type);
  if (xs.length !== 1) throw new Error(`expected one ${type} event, got ${xs.length}: ${show(events)}`);
  return xs[0];
}

// ─── Fixtures ───────────────────────────────────────────────────────────────
export interface MarketFixture {
  e: Engine;
  /** Market id (0). */
  m: number;
  market: Market;
  accounts: number[];
}

export interface MarketFixtureOptions {
  /** Initial curve price (price units); default $100. */
  initialPrice?: number;
  /** Curve depth (base units); default 1,000 whole units. */
  baseReserve?: number;
  params?: Partial<MarketParams>;
  /** One account per entry, funded with that many quote units (0: not funded). */
  deposits?: number[];
  /** First oracle price, published at T0 (price units); default the initial price; null: no oracle price. */
  oraclePrice?: number | null;
}

/**
 * One market "ETH" ($100, 1,000 units deep unless told otherwise), funded
 * accounts, and a first oracle price (confidence 0) at T0.
 */
export function marketFixture(o: MarketFixtureOptions = {}): MarketFixture {
  const e = new Engine();
  const initialPrice = o.initialPrice ?? 100 * PRICE_USD;
  ok(
    e,
    { type: 'createMarket', symbol: 'ETH', initialPrice, baseReserve: o.baseReserve ?? 1_000 * UNIT, params: o.params },
    0,
  );
  const accounts: number[] = [];
  for (const amount of o.deposits ?? [10_000 * USD, 10_000 * USD, 10_000 * USD]) {
    const a = oneEvent(ok(e, { type: 'createAccount' }, 0), 'accountCreated').account;
    if (amount > 0) ok(e, { type: 'deposit', account: a, amount }, 0);
    accounts.push(a);
  }
  const oracle = o.oraclePrice === undefined ? initialPrice : o.oraclePrice;
  if (oracle !== null) oraclePrice(e, 0, oracle, T0);
  return { e, m: 0, market: e.markets[0], accounts };
}

/** Publish an oracle price (source 0 unless told, confidence 0 unless told) at `ts`, published at `ts`. */
export function oraclePrice(e: Engine, market: number, price: number, ts: number, source = 0, confidence = 0): Event[] {
  return ok(e, { type: 'oracle', market, source, price, confidence, publishTs: ts }, ts);
}

/** A market order on market 0 unless told otherwise. */
export function orderCmd(
  account: number,
  side: 'buy' | 'sell',
  size: number,
  extra: { worstPrice?: number; reduceOnly?: boolean; market?: number } = {},
): Command {
  return { type: 'marketOrder', account, market: 0, side, size, ...extra } as Command;
}

/** Curve price (price units, float) of a market. */
export function curvePrice(m: Market): number {
  return (m.quoteReserve * m.pegE6) / m.baseReserve;
}

/** Σ USDC collateral (cross and isolated) + Σ pools + insurance fund: what conservation says equals deposits − withdrawals. */
export function ledgerTotal(e: Engine): number {
  let total = e.insuranceFund;
  for (let a = 0; a < e.accounts.count; a++) total += e.accounts.collateral[a];
  for (const m of e.markets) {
    total += m.pnlPool + m.feePool;
    for (let a = 0; a < e.accounts.count; a++) total += m.positions.isolatedCollateral[a];
  }
  return total;
}

/**
 * Checks beyond validateInvariants(): every quote entry is a safe integer
 * (DESIGN: a value leaving the safe range is rejected, never rounded), funding
 * indices and the market scalars the engine reads are finite.
 */
export function extraInvariants(e: Engine): string[] {
  const out: string[] = [];
  const n = e.accounts.count;
  for (const m of e.markets) {
    const scalars: [string, number][] = [
      ['baseReserve', m.baseReserve],
      ['quoteReserve', m.quoteReserve],
      ['k', m.k],
      ['pegE6', m.pegE6],
      ['markPrice', m.markPrice],
      ['cumFundingLong', m.cumFundingLong],
      ['cumFundingShort', m.cumFundingShort],
      ['markTwapCum', m.markTwapCum],
      ['oracleTwapCum', m.oracleTwapCum],
      ['basisEma', m.basisEma],
      ['oracleEma', m.oracleEma],
      ['varianceRatePerMs', m.varianceRatePerMs],
    ];
    for (const [name, v] of scalars) if (!Number.isFinite(v)) out.push(`market ${m.id} ${name} ${v}`);
    if (!Number.isSafeInteger(m.ammNetBase)) out.push(`market ${m.id} ammNetBase ${m.ammNetBase}`);
    for (let a = 0; a < n; a++) {
      const q = m.positions.quoteEntry[a];
      if (!Number.isSafeInteger(q)) out.push(`market ${m.id} account ${a} quoteEntry ${q} is not a safe integer`);
      if (!Number.isFinite(m.positions.fundingIndex[a])) out.push(`market ${m.id} account ${a} fundingIndex`);
    }
  }
  return out;
}
