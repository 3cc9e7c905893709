/**
 * Price fixtures and the seeded PRNG: exact decimal parsing, the OHLC path,
 * alignment of markets with different bar sizes, and reproducible draws.
 */
import { describe, expect, it } from 'vitest';
import { alignSeries, loadSeries, parseDecimalE6, parseKlines } from '../../sim/prices.ts';
import { Rng } from '../../sim/rng.ts';

describe('price files', () => {
  it('parses decimal prices exactly into 1e-6 units', () => {
    expect(parseDecimalE6('43538.02')).toBe(43_538_020_000);
    expect(parseDecimalE6('0.000001')).toBe(1);
    expect(parseDecimalE6('29.859')).toBe(29_859_000);
    expect(() => parseDecimalE6('1.0000001')).toThrow(/6 decimals/);
    expect(() => parseDecimalE6('-1')).toThrow();
  });

  it('rejects a file with a gap', () => {
    const text = 'ts_ms,open,high,low,close,volume\n0,1,1,1,1,1\n60000,1,1,1,1,1\n180000,1,1,1,1,1\n';
    expect(() => parseKlines(text, 'gap.csv')).toThrow(/gap/);
  });

  it('walks each bar open → low → high → close on an up bar', () => {
    const text = 'ts_ms,open,high,low,close,volume\n0,10,12,9,11,1\n60000,11,11,11,11,1\n';
    const g = alignSeries([parseKlines(text, 'up.csv')]);
    expect(g.stepMs).toBe(15_000);
    expect(Array.from(g.prices[0].slice(0, 5))).toEqual([10e6, 9e6, 12e6, 11e6, 11e6]);
  });

  it('aligns 5-minute and 15-minute markets on one grid over their common window', () => {
    const g = alignSeries([
      loadSeries('btc-usdt-perp-2022-11-06-5m.csv'),
      loadSeries('sol-usdt-perp-2022-11-06-15m.csv'),
    ]);
    expect(g.stepMs).toBe(75_000);
    expect(g.ts[0]).toBe(1_667_606_400_000);
    for (const col of g.prices) for (const p of col) expect(Number.isSafeInteger(p) && p > 0).toBe(true);
    // The 15-minute market sits exactly on its own points (every 225 s = 3 steps): a down bar, O → H → L → C.
    expect([g.prices[1][0], g.prices[1][3], g.prices[1][6], g.prices[1][9]]).toEqual([
      33_730_000, 33_990_000, 33_640_000, 33_650_000,
    ]);
    // Between them it is interpolated.
    expect(g.prices[1][1]).toBe(Math.round(33_730_000 + (33_990_000 - 33_730_000) / 3));
  });
});

describe('seeded PRNG', () => {
  it('draws the same numbers for the same seed and forks independently of draws made', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const xs = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(xs);
    const fresh = new Rng(42).fork('trader-1').next();
    expect(a.fork('trader-1').next()).toBe(fresh);
    expect(new Rng(43).next()).not.toBe(xs[0]);
    for (const x of xs) expect(x >= 0 && x < 1).toBe(true);
  });
});
