/**
 * vamm/precision.ts — fixed-point scales, the safe-integer guard and notional.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BASE_PRECISION,
  isSafeInt,
  MAX_SAFE_AMOUNT,
  notionalOf,
  PRICE_PRECISION,
  QUOTE_PRECISION,
  RATIO_PRECISION,
  RESERVE_PRECISION,
} from '../../vamm/precision.ts';
import { fcSeed, int } from './arbitraries.ts';

const seed = fcSeed('test/vamm/precision');

describe('precision constants', () => {
  it('quote 1e-6 USD, base 1e-9, price 1e-6 USD, ratio 1e6 = 100%, reserves in base units', () => {
    expect({ QUOTE_PRECISION, BASE_PRECISION, PRICE_PRECISION, RATIO_PRECISION, RESERVE_PRECISION }).toEqual({
      QUOTE_PRECISION: 1e6,
      BASE_PRECISION: 1e9,
      PRICE_PRECISION: 1e6,
      RATIO_PRECISION: 1e6,
      RESERVE_PRECISION: 1e9,
    });
  });

  it('the ledger ceiling is Number.MAX_SAFE_INTEGER (2^53 − 1)', () => {
    expect(MAX_SAFE_AMOUNT).toBe(2 ** 53 - 1);
  });
});

describe('isSafeInt', () => {
  it.each([0, 1, -1, 2 ** 53 - 1, -(2 ** 53 - 1)])('accepts the safe integer %s', (n) => {
    expect(isSafeInt(n)).toBe(true);
  });

  it.each([2 ** 53, -(2 ** 53), 1.5, -0.5, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])(
    'rejects %s (outside the safe range or not an integer)',
    (n) => {
      expect(isSafeInt(n)).toBe(false);
    },
  );
});

describe('notionalOf', () => {
  it('one whole base (1e9) at $100 (100e6) is $100 = 100e6 quote units', () => {
    expect(notionalOf(1e9, 100e6)).toBe(100e6);
  });

  it('uses the size, not its sign: −2 base at $100 is 200e6', () => {
    expect(notionalOf(-2e9, 100e6)).toBe(200e6);
  });

  it('is unrounded for dust: 1 base unit at $100 is 100e6 / 1e9 = 0.1 quote units', () => {
    expect(notionalOf(1, 100e6)).toBe(0.1);
  });

  it('is zero for a zero size', () => {
    expect(notionalOf(0, 100e6)).toBe(0);
  });

  it('is symmetric in the sign of the size', () => {
    fc.assert(
      fc.property(
        int(-1e15, 1e15),
        int(0, 1e12),
        (base, price) => notionalOf(base, price) === notionalOf(-base, price),
      ),
      { seed, verbose: true },
    );
  });
});
