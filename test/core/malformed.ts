/**
 * Bad input for the engine's property harness: malformed commands, each with
 * the exact code the engine must reject it with, and parameter sets a market
 * update must refuse. Rejections must change nothing (the harness checks the
 * state hash).
 */
import type { ErrorCode } from '../../core/errors.ts';
import { UNIT } from './helpers.ts';
import type { Planned } from './planner.ts';
import type { Rng } from './streams.ts';

/** Parameter sets an updateMarket must reject (INVALID_PARAMS). */
export const INVALID_PARAMS: readonly unknown[] = [
  { initialMarginE6: 0 },
  { maintenanceMarginE6: 200_000 },
  { oracleSources: 0 },
  { fundingIntervalMs: 10 },
  { takerFeeE6: 1.5 },
  { priceBandE6: '100000' },
  { noSuchParam: 1 },
  { baseSpreadE6: 30_000 },
];

/** A malformed command for an engine with `accounts` accounts and a market 0, and its code. */
export function malformedCommand(r: Rng, ts: number, accounts: number): Planned {
  const a = Math.max(0, accounts - 1);
  const m = 0;
  const cases: [unknown, ErrorCode][] = [
    [null, 'BAD_COMMAND'],
    [undefined, 'BAD_COMMAND'],
    [42, 'BAD_COMMAND'],
    ['deposit', 'BAD_COMMAND'],
    [[], 'BAD_COMMAND'],
    [{}, 'BAD_COMMAND'],
    [{ type: 'noSuchCommand' }, 'BAD_COMMAND'],
    [{ type: 7 }, 'BAD_COMMAND'],
    [{ type: 'deposit', account: a, amount: -5 }, 'BAD_AMOUNT'],
    [{ type: 'deposit', account: a, amount: 1.5 }, 'BAD_AMOUNT'],
    [{ type: 'deposit', account: a, amount: Number.NaN }, 'BAD_AMOUNT'],
    [{ type: 'deposit', account: a, amount: Number.POSITIVE_INFINITY }, 'BAD_AMOUNT'],
    [{ type: 'deposit', account: a, amount: 0 }, 'BAD_AMOUNT'],
    [{ type: 'deposit', account: a, amount: 2 ** 53 }, 'BAD_AMOUNT'],
    [{ type: 'deposit', account: a, amount: '100' }, 'BAD_AMOUNT'],
    [{ type: 'deposit', account: String(a), amount: 100 }, 'BAD_COMMAND'],
    [{ type: 'deposit', account: -1, amount: 100 }, 'BAD_COMMAND'],
    [{ type: 'deposit', account: 0.5, amount: 100 }, 'BAD_COMMAND'],
    [{ type: 'deposit', account: Number.NaN, amount: 100 }, 'BAD_COMMAND'],
    [{ type: 'deposit', account: accounts + 7, amount: 100 }, 'UNKNOWN_ACCOUNT'],
    [{ type: 'withdraw', account: a, amount: 0 }, 'BAD_AMOUNT'],
    [{ type: 'withdraw', account: a, amount: -1 }, 'BAD_AMOUNT'],
    [{ type: 'insuranceDeposit', amount: -1 }, 'BAD_AMOUNT'],
    [{ type: 'insuranceDeposit', amount: 2 ** 60 }, 'BAD_AMOUNT'],
    [{ type: 'marketOrder', account: a, market: m, side: 'long', size: UNIT }, 'BAD_COMMAND'],
    [{ type: 'marketOrder', account: a, market: m, side: 'buy', size: -1 }, 'BAD_AMOUNT'],
    [{ type: 'marketOrder', account: a, market: m, side: 'buy', size: 0 }, 'BAD_AMOUNT'],
    [{ type: 'marketOrder', account: a, market: m, side: 'buy', size: 1.25 }, 'BAD_AMOUNT'],
    [{ type: 'marketOrder', account: a, market: m, side: 'sell', size: Number.NaN }, 'BAD_AMOUNT'],
    [{ type: 'marketOrder', account: a, market: m, side: 'buy', size: UNIT, worstPrice: -1 }, 'BAD_PRICE'],
    [{ type: 'marketOrder', account: a, market: m, side: 'buy', size: UNIT, worstPrice: 1.5 }, 'BAD_PRICE'],
    [{ type: 'marketOrder', account: a, market: m, side: 'buy', size: UNIT, reduceOnly: 'yes' }, 'BAD_COMMAND'],
    [{ type: 'marketOrder', account: a, market: 99, side: 'buy', size: UNIT }, 'UNKNOWN_MARKET'],
    [{ type: 'marketOrder', account: a, market: '0', side: 'buy', size: UNIT }, 'BAD_COMMAND'],
    [{ type: 'oracle', market: m, source: 0, price: '100', confidence: 0, publishTs: ts }, 'BAD_COMMAND'],
    [{ type: 'oracle', market: m, source: 0, price: Number.NaN, confidence: 0, publishTs: ts }, 'BAD_PRICE'],
    [{ type: 'oracle', market: m, source: 0, price: -100, confidence: 0, publishTs: ts }, 'BAD_PRICE'],
    [{ type: 'oracle', market: m, source: 0, price: 100, confidence: -1, publishTs: ts }, 'BAD_PRICE'],
    [{ type: 'oracle', market: m, source: 0, price: 100, confidence: 0, publishTs: -1 }, 'BAD_COMMAND'],
    [{ type: 'oracle', market: m, source: 0, price: 100, confidence: 0, publishTs: 'now' }, 'BAD_COMMAND'],
    [{ type: 'oracle', market: m, source: 0.5, price: 100, confidence: 0, publishTs: ts }, 'ORACLE_BAD_SOURCE'],
    [{ type: 'oracle', market: m, source: 99, price: 100, confidence: 0, publishTs: ts }, 'ORACLE_BAD_SOURCE'],
    [{ type: 'createMarket', symbol: 'lower', initialPrice: 1, baseReserve: UNIT }, 'BAD_COMMAND'],
    [{ type: 'createMarket', symbol: 'OK1', initialPrice: 0, baseReserve: UNIT }, 'BAD_PRICE'],
    [{ type: 'createMarket', symbol: 'OK1', initialPrice: 1, baseReserve: 1.5 }, 'BAD_AMOUNT'],
    [{ type: 'createMarket', symbol: 'OK1', initialPrice: 1, baseReserve: UNIT, params: [] }, 'BAD_COMMAND'],
    [{ type: 'createMarket', symbol: 'OK1', initialPrice: 1, baseReserve: 2 ** 52 + 2 }, 'OUT_OF_RANGE'],
    [{ type: 'updateMarket', market: m, params: null }, 'BAD_COMMAND'],
    [{ type: 'updateMarket', market: m }, 'BAD_COMMAND'],
    [{ type: 'pauseMarket', market: -3 }, 'BAD_COMMAND'],
    [{ type: 'fundingTick', market: Number.POSITIVE_INFINITY }, 'BAD_COMMAND'],
    [{ type: 'settlePnl', account: a, market: 77 }, 'UNKNOWN_MARKET'],
    [{ type: 'settlePnl', account: accounts + 1, market: m }, 'UNKNOWN_ACCOUNT'],
  ];
  const [cmd, code] = r.pick(cases);
  return { cmd, ts, expect: code };
}
