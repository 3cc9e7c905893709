/**
 * Limits and back-pressure: token buckets per connection and per key answer
 * RATE_LIMITED; a consumer that stops reading is closed as a slow consumer
 * (4001) while the server keeps serving everyone else; subscription caps.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CloseCodes } from '../../gateway/errors.ts';
import { BTC, startTestGateway, type TestGateway, until } from './harness.ts';
import { rawClient } from './raw.ts';

let t: TestGateway;
afterEach(async () => {
  await t.stop();
});

async function closesWith(code: number): Promise<number> {
  const m = await t.gw.metrics.closes.get();
  return m.values.find((v) => v.labels.code === String(code))?.value ?? 0;
}

describe('rate limits', () => {
  it('answers a connection past its bucket with RATE_LIMITED', async () => {
    t = await startTestGateway({ limits: { connectionRatePerSec: 1, connectionBurst: 5 } });
    const c = await t.client();
    const results = await Promise.allSettled(Array.from({ length: 12 }, () => c.ping()));
    const limited = results.filter(
      (r) => r.status === 'rejected' && (r.reason as { code: string }).code === 'RATE_LIMITED',
    );
    expect(results.filter((r) => r.status === 'fulfilled').length).toBeLessThanOrEqual(6);
    expect(limited.length).toBeGreaterThanOrEqual(6);
  });

  it('answers a key past its bucket with RATE_LIMITED across connections', async () => {
    t = await startTestGateway({ limits: { keyRatePerSec: 1, keyBurst: 3 } });
    const a = await t.client(t.signers.trader);
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => a.account()));
    const limited = results.filter(
      (r) => r.status === 'rejected' && (r.reason as { code: string }).code === 'RATE_LIMITED',
    );
    expect(limited.length).toBeGreaterThanOrEqual(4);
  });

  it('caps subscriptions per connection', async () => {
    t = await startTestGateway({ limits: { maxSubscriptionsPerConnection: 2 } });
    const c = await t.client();
    await c.subscribe('trades', { market: 0 }, () => {});
    await c.subscribe('trades', { market: 1 }, () => {});
    await expect(c.subscribe('ticker', { market: 0 }, () => {})).rejects.toMatchObject({
      code: 'TOO_MANY_SUBSCRIPTIONS',
    });
  });
});

describe('slow consumers', () => {
  it('closes a connection that stops reading with 4001 and keeps serving others', async () => {
    t = await startTestGateway({
      limits: { slowConsumerBytes: 64 * 1024, connectionRatePerSec: 1_000_000, connectionBurst: 1_000_000 },
    });
    const slow = await rawClient(t.url);
    slow.ws.pause();
    // Each depth reply is several KB; the socket buffers fill, then the server's backlog passes the limit.
    const frame = JSON.stringify({ op: 'depth', params: { market: BTC, levels: 100 } });
    for (let i = 0; i < 4_000 && (await closesWith(CloseCodes.SLOW_CONSUMER)) === 0; i++) {
      slow.ws.send(frame);
      if (i % 200 === 199) await new Promise((r) => setTimeout(r, 5));
    }
    await until(() => t.gw.connections === 0, 10_000, 'slow consumer closed');
    expect(await closesWith(CloseCodes.SLOW_CONSUMER)).toBe(1);
    slow.ws.resume();
    expect((await slow.closed).code).toBe(CloseCodes.SLOW_CONSUMER);
    const other = await t.client();
    await expect(other.ping()).resolves.toMatchObject({ pong: true });
  });
});
