/**
 * Position rows read from the engine: cross positions count, isolated ones
 * do not, and non-USDC collateral is folded into the market that prices it
 * (as base at the mark, so that row × mark = units × oracle price). A
 * snapshot is those rows in shared memory, stamped with the engine's seq.
 */
import { describe, expect, it } from 'vitest';
import type { Command } from '../../core/commands.ts';
import { Engine } from '../../core/engine.ts';
import { crossHealth } from '../../core/margin/health.ts';
import { markPrices, positionRow, snapshotOf } from '../../core/risk/snapshot.ts';
import { PRICE_USD, UNIT, USD } from './fixtures.ts';

const T0 = 1_000_000;

function engine(): Engine {
  const e = new Engine();
  const must = (c: Command) => {
    const r = e.apply(c, T0);
    if (!r.ok) throw new Error(`${c.type}: ${r.code} ${r.message}`);
  };
  must({ type: 'createMarket', symbol: 'BTC-PERP', initialPrice: 60_000 * PRICE_USD, baseReserve: 1_000_000 * UNIT });
  must({ type: 'createMarket', symbol: 'ETH-PERP', initialPrice: 3_000 * PRICE_USD, baseReserve: 1_000_000 * UNIT });
  must({ type: 'oracle', market: 0, source: 0, price: 60_000 * PRICE_USD, confidence: PRICE_USD, publishTs: T0 });
  must({ type: 'oracle', market: 1, source: 0, price: 3_000 * PRICE_USD, confidence: PRICE_USD, publishTs: T0 });
  must({ type: 'createAsset', symbol: 'BTC', priceMarket: 0, initialWeightE6: 900_000, maintenanceWeightE6: 950_000 });
  must({ type: 'createAccount' });
  must({ type: 'createAccount' });
  must({ type: 'deposit', account: 0, amount: 100_000 * USD });
  must({ type: 'deposit', account: 1, amount: 100_000 * USD });
  must({ type: 'deposit', account: 0, amount: UNIT / 2, asset: 1 }); // 0.5 BTC of collateral
  must({ type: 'marketOrder', account: 0, market: 1, side: 'sell', size: 2 * UNIT });
  must({ type: 'setMarginMode', account: 1, market: 0, isolated: true });
  must({ type: 'transferIsolated', account: 1, market: 0, amount: 10_000 * USD });
  must({ type: 'marketOrder', account: 1, market: 0, side: 'buy', size: UNIT / 10 });
  must({ type: 'marketOrder', account: 1, market: 1, side: 'buy', size: UNIT });
  return e;
}

describe('position rows', () => {
  it('fold collateral into the market that prices it, at the mark', () => {
    const e = engine();
    const row = positionRow(e, 0);
    const btc = e.markets[0];
    expect(row[0]).toBeCloseTo((UNIT / 2) * (btc.oraclePrice / btc.markPrice), 3);
    expect((row[0] * btc.markPrice) / UNIT).toBeCloseTo(0.5 * btc.oraclePrice, 3);
    expect(row[1]).toBe(e.markets[1].positions.base[0]);
    expect(row[1]).toBeLessThan(0);
  });

  it('leave isolated positions out', () => {
    const e = engine();
    expect(e.markets[0].positions.base[1]).toBeGreaterThan(0);
    const row = positionRow(e, 1);
    expect(row[0]).toBe(0);
    expect(row[1]).toBe(e.markets[1].positions.base[1]);
  });

  it('snapshot at the current seq, in shared memory, with cross requirements when asked', () => {
    const e = engine();
    const snap = snapshotOf(e, [1, 0], { cross: 'maintenance', floorE6: 50_000 });
    expect(snap.seq).toBe(e.seq);
    expect(snap.positions.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(Array.from(snap.accounts)).toEqual([1, 0]);
    expect(Array.from(snap.positions.subarray(2, 4))).toEqual(Array.from(positionRow(e, 0)));
    expect(Array.from(snap.prices)).toEqual(Array.from(markPrices(e)));
    expect(snap.cross?.[1]).toBe(crossHealth(e, 0).maintenanceRequirement);
    expect(snap.floorE6).toBe(50_000);
    expect(snapshotOf(e, [0]).cross).toBeNull();
  });
});
