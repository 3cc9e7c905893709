/**
 * setAccountMarginMode over a real socket: a trader switches its account to
 * portfolio margin and back; the engine records the mode, and a bad mode is
 * a schema error that changes nothing.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway, TRADER } from './harness.ts';

let t: TestGateway | null = null;
afterEach(async () => {
  await t?.stop();
  t = null;
});

describe('setAccountMarginMode', () => {
  it('switches the signing account to portfolio margin and back', async () => {
    t = await startTestGateway();
    const c = await t.client(t.signers.trader, 'json');
    const on = (await c.request('setAccountMarginMode', { mode: 'portfolio' })) as { events: { type: string }[] };
    expect(on.events.map((e) => e.type)).toContain('accountMarginModeSet');
    expect(t.engine.accounts.portfolio[TRADER]).toBe(1);
    await c.request('setAccountMarginMode', { mode: 'cross' });
    expect(t.engine.accounts.portfolio[TRADER]).toBe(0);
  });

  it('answers an unknown mode with BAD_SCHEMA and changes nothing', async () => {
    t = await startTestGateway();
    const c = await t.client(t.signers.trader, 'json');
    const before = t.engine.stateHash();
    await expect(c.request('setAccountMarginMode', { mode: 'isolated' })).rejects.toMatchObject({ code: 'BAD_SCHEMA' });
    expect(t.engine.stateHash()).toBe(before);
  });
});

describe('rejected commands', () => {
  it('carry the seq the engine journaled them under, and changed nothing', async () => {
    t = await startTestGateway();
    const c = await t.client(t.signers.trader, 'json');
    const positionBefore = t.engine.markets[0].positions.base[TRADER];
    const collateralBefore = t.engine.accounts.collateral[TRADER];
    const seqBefore = t.engine.seq;
    // Far more than the trader's funds: the engine rejects it (after the gateway accepted the request).
    const err = await c.marketOrder({ market: 0, side: 'buy', size: 10_000_000_000_000 }).catch((e) => e);
    expect(err.code).toMatch(/INSUFFICIENT_MARGIN|FILL_TOO_LARGE|PRICE_BAND/);
    expect(typeof err.seq).toBe('number');
    expect(err.seq).toBeGreaterThan(seqBefore);
    // (The turn's tick moves engine state on; the rejected command itself changed nothing of the trader's.)
    expect(t.engine.markets[0].positions.base[TRADER]).toBe(positionBefore);
    expect(t.engine.accounts.collateral[TRADER]).toBe(collateralBefore);
  });
});
