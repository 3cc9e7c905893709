/**
 * Cancel-on-disconnect and the dead man's switch: both call
 * cancelAllForAccount (injected here as a spy), and by default submit the
 * engine's cancelAll, which removes the account's resting orders.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { BTC, startTestGateway, type TestGateway, TRADER, TRADER2, until } from './harness.ts';

let t: TestGateway;
afterEach(async () => {
  await t.stop();
});

describe('cancel-on-disconnect', () => {
  it('cancels the account’s orders when an opted-in connection closes, and only then', async () => {
    const cancelled: number[] = [];
    t = await startTestGateway({ cancelAllForAccount: (a) => cancelled.push(a) });
    const optedIn = await t.client(t.signers.trader);
    await expect(optedIn.setCancelOnDisconnect(true)).resolves.toEqual({ account: TRADER, enabled: true });
    const plain = await t.client(t.signers.trader2);
    await plain.ping();
    await plain.close();
    await optedIn.close();
    await until(() => cancelled.length === 1, 5_000, 'cancel on disconnect');
    expect(cancelled).toEqual([TRADER]);
  });

  it('can be switched off again', async () => {
    const cancelled: number[] = [];
    t = await startTestGateway({ cancelAllForAccount: (a) => cancelled.push(a) });
    const c = await t.client(t.signers.trader2);
    await c.setCancelOnDisconnect(true);
    await c.setCancelOnDisconnect(false);
    await c.close();
    await until(() => t.gw.connections === 0, 5_000, 'close');
    expect(cancelled).toEqual([]);
  });

  it('removes resting book orders through the engine’s cancelAll by default', async () => {
    t = await startTestGateway();
    const trader = await t.client(t.signers.trader);
    await trader.request('placeOrder', {
      market: BTC,
      side: 'buy',
      price: 50_000_000_000,
      size: 100_000_000,
      clientId: 7,
    });
    const reader = await t.client(t.signers.reader);
    expect(await reader.request<unknown[]>('orders', {})).toHaveLength(1);
    await trader.setCancelOnDisconnect(true);
    await trader.close();
    await until(() => t.engine.markets[BTC].book.ordersOfAccount(TRADER).length === 0, 5_000, 'orders cancelled');
    expect(await reader.request<unknown[]>('orders', {})).toEqual([]);
  });
});

describe('dead man’s switch', () => {
  it('fires once after the deadline unless refreshed', async () => {
    const cancelled: number[] = [];
    t = await startTestGateway({ cancelAllForAccount: (a) => cancelled.push(a), tickIntervalMs: 10 });
    const c = await t.client(t.signers.trader2);
    const armed = await c.setDeadman(150);
    expect(armed).toMatchObject({ account: TRADER2, armed: true });
    await until(() => cancelled.length === 1, 5_000, 'dead man fires');
    expect(cancelled).toEqual([TRADER2]);
  });

  it('is disarmed by ms = 0 and bounds its interval', async () => {
    const cancelled: number[] = [];
    t = await startTestGateway({ cancelAllForAccount: (a) => cancelled.push(a), tickIntervalMs: 10 });
    const c = await t.client(t.signers.trader);
    await c.setDeadman(100);
    await expect(c.setDeadman(0)).resolves.toMatchObject({ armed: false });
    await expect(c.setDeadman(5)).rejects.toMatchObject({ code: 'BAD_SCHEMA' });
    await new Promise((r) => setTimeout(r, 300));
    expect(cancelled).toEqual([]);
  });
});
