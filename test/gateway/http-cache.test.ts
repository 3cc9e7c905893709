/**
 * GET /v1/markets/:market/ticker is served from a cache keyed by engine state:
 * it must answer exactly what the ticker query answers, and change as soon as
 * the engine applies a command.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BTC, ETH, startTestGateway, type TestGateway } from './harness.ts';

let t: TestGateway;
beforeEach(async () => {
  t = await startTestGateway({ tickIntervalMs: 60_000 });
});
afterEach(async () => {
  await t.stop();
});

const get = async (path: string, accept = 'application/json') => {
  const res = await fetch(`${t.http}${path}`, { headers: { accept } });
  return { status: res.status, type: res.headers.get('content-type'), body: Buffer.from(await res.arrayBuffer()) };
};

describe('cached ticker over HTTP', () => {
  it('answers what the ticker query answers, and follows the engine', async () => {
    const reader = await t.client();
    const first = await get(`/v1/markets/${BTC}/ticker`);
    expect(first.status).toBe(200);
    expect(JSON.parse(first.body.toString())).toEqual({
      id: null,
      ok: true,
      result: await reader.request('ticker', { market: BTC }),
    });
    const trader = await t.client(t.signers.trader);
    await trader.marketOrder({ market: BTC, side: 'buy', size: 1_000_000 });
    const after = JSON.parse((await get(`/v1/markets/${BTC}/ticker`)).body.toString());
    expect(after.result.openInterestLong).toBeGreaterThan(JSON.parse(first.body.toString()).result.openInterestLong);
    expect(after).toEqual({ id: null, ok: true, result: await reader.request('ticker', { market: BTC }) });
    // By symbol, per market, in MessagePack, and unknown markets.
    const eth = JSON.parse((await get('/v1/markets/ETH-PERP/ticker')).body.toString());
    expect(eth.result.market).toBe(ETH);
    const packed = await get(`/v1/markets/${BTC}/ticker`, 'application/msgpack');
    expect(packed.type).toBe('application/msgpack');
    expect((await get('/v1/markets/9/ticker')).status).toBe(404);
  });
});
