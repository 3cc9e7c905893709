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
