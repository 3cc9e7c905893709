/**
 * The liquidator against a real server: a small leveraged account is pushed
 * under maintenance by an oracle move (the feeder's shock); the liquidator,
 * with nothing but its own key and the public `liquidatable` feed (no key on
 * the victim's account), sees it listed and takes the position over with the
 * `liquidate` op before the backstop's window ends, then unwinds what it took.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Exchange } from '../../bots/exchange.ts';
import { Liquidator, type Takeover } from '../../bots/liquidator.ts';
import { OracleFeeder } from '../../bots/oracle-feeder.ts';
import type { PricePath } from '../../bots/price-path.ts';
import { BASE, type BotServer, BTC, startBotServer, USD, until } from './harness.ts';

let t: BotServer;
beforeAll(async () => {
  // A window of 200 ticks (a few seconds at the gateway's 50 ms idle tick) for external liquidators.
  t = await startBotServer({ builtinOracle: false, marketParams: { liquidatorWindowTicks: 200 } });
});
afterAll(async () => {
  await t?.stop();
});

const flat: PricePath = { next: (p) => p, description: 'flat' };

describe('liquidator', () => {
  it('takes over a position pushed under maintenance by a price move', async () => {
    const feederKey = await t.admin.account({ name: 'liq-feeder', roles: ['oracle'], deposit: 0 });
    const feeder = new OracleFeeder(
      await t.connect(feederKey.signer),
      { markets: [{ market: BTC, path: flat }], intervalMs: 200 },
      t.log,
    );
    await feeder.start();

    // The victim: 1,000 USD carrying 0.15 BTC (about 9,000 USD, 9× leverage).
    const victimKey = await t.admin.account({ name: 'victim', roles: ['trader'], deposit: 1_000 * USD });
    const victim = new Exchange(await t.connect(victimKey.signer));
    await victim.marketOrder({ market: BTC, side: 'buy', size: (15 * BASE) / 100 });

    const liqKey = await t.admin.account({
      name: 'liquidator',
      roles: ['liquidator', 'trader'],
      deposit: 200_000 * USD,
    });
    const liquidator = new Liquidator(await t.connect(liqKey.signer), { markets: [BTC] }, t.log);
    const taken: Takeover[] = [];
    liquidator.onTakeover((x) => taken.push(x));

    const observer = await t.connect(null);
    const publicFeed: { by: string; size: number }[] = [];
    await observer.subscribe('liquidations', { market: BTC }, (msg) =>
      publicFeed.push(msg.data as (typeof publicFeed)[number]),
    );

    await liquidator.start();
    try {
      const before = await victim.account();
      expect(before.inLiquidation).toBe(false);
      // 8% down: the victim's loss (~720 USD) takes its equity under maintenance (6.25% of notional).
      feeder.shock(BTC, -0.08);
      await until(
        () => taken.length > 0,
        10_000,
        () => `a takeover (${JSON.stringify(liquidator.stats())}\n${t.logs.join('\n')})`,
      );
      expect(taken[0]).toMatchObject({ account: victimKey.account, market: BTC, side: 'buy' });
      expect(taken[0].reward).toBeGreaterThan(0);
      expect(taken[0].expectedProfit).toBeGreaterThan(0);
      await until(() => publicFeed.some((x) => x.by === 'liquidator'), 5_000, 'the takeover on the public feed');
      expect(liquidator.candidatesSeen).toBeGreaterThan(0);
      // What it took over, it sold back (reduce-only): flat again.
      await until(() => liquidator.unwinds > 0, 5_000, 'the unwind');
      const own = await liquidator.ex.positions();
      expect(own.find((p) => p.market === BTC)?.base ?? 0).toBe(0);
      const after = await victim.positions();
      const left = after.find((p) => p.market === BTC)?.base ?? 0;
      expect(left).toBeLessThan((15 * BASE) / 100);
      expect((await liquidator.pnl())?.pnl).toBeGreaterThan(0);
    } finally {
      await liquidator.stop();
      await feeder.stop();
    }
  });
});
