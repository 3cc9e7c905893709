/**
 * The liquidator feed's view of the engine (core/liquidation-queue.ts,
 * gateway/views/liquidation.ts), against the engine itself: the account it
 * lists is the one the tick flagged, the backstop acts in exactly the tick
 * the feed announced, and a position the feed lists is one `liquidate`
 * accepts. Also the admin key file parser.
 */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { classicEvents } from '../../core/classic-events.ts';
import type { Command } from '../../core/commands.ts';
import { Engine } from '../../core/engine.ts';
import { accountsInLiquidation, backstopTick, takeoverCandidates } from '../../core/liquidation-queue.ts';
import { parseAdminKeyFile } from '../../gateway/sdk/admin-key.ts';
import { adminSigner } from '../../gateway/sdk/index.ts';
import { liquidatableView } from '../../gateway/views/liquidation.ts';

const PRICE = 60_000_000_000;
const WINDOW = 3;

function setup(drop = 0.92): { e: Engine; now: number; victim: number; liquidator: number } {
  const e = new Engine();
  let now = 1_700_000_000_000;
  const must = (c: Command) => {
    const r = e.apply(c, now);
    if (!r.ok) throw new Error(`${c.type}: ${r.code} ${r.message}`);
    return r;
  };
  must({
    type: 'createMarket',
    symbol: 'BTC-PERP',
    initialPrice: PRICE,
    baseReserve: 1_000_000 * 1e9,
    params: { liquidatorWindowTicks: WINDOW, oracleMaxStaleTradeMs: 86_400_000, oracleMaxStaleMarginMs: 86_400_000 },
  });
  must({ type: 'oracle', market: 0, source: 0, price: PRICE, confidence: PRICE / 10_000, publishTs: now });
  for (let a = 0; a < 2; a++) must({ type: 'createAccount' });
  must({ type: 'deposit', account: 0, amount: 1_000_000_000 }); // victim: 1,000 USD
  must({ type: 'deposit', account: 1, amount: 1_000_000_000_000 }); // liquidator: 1M USD
  must({ type: 'marketOrder', account: 0, market: 0, side: 'buy', size: 150_000_000 });
  now += 1_000;
  const price = Math.round(PRICE * drop);
  must({ type: 'oracle', market: 0, source: 0, price, confidence: price / 10_000, publishTs: now });
  return { e, now, victim: 0, liquidator: 1 };
}

describe('liquidation queue', () => {
  it('lists the flagged account and the backstop acts in exactly the tick it announced', () => {
    const { e, now, victim } = setup();
    expect(accountsInLiquidation(e)).toEqual([]);
    const first = e.apply({ type: 'tick' }, now);
    expect(first.ok && classicEvents(first.events).some((x) => x.type === 'liquidationStarted')).toBe(true);
    expect(accountsInLiquidation(e)).toEqual([victim]);
    const due = backstopTick(e, victim);
    expect(due).toBe(e.tickCount + WINDOW);
    const view = liquidatableView(e, e.markets[0]);
    expect(view.accounts).toHaveLength(1);
    expect(view.accounts[0]).toMatchObject({
      account: victim,
      base: 150_000_000,
      ticksLeft: WINDOW,
      backstopTick: due,
    });
    for (let left = WINDOW; left >= 1; left--) {
      expect(liquidatableView(e, e.markets[0]).accounts[0].ticksLeft).toBe(left);
      const r = e.apply({ type: 'tick' }, now);
      const backstop = r.ok && classicEvents(r.events).some((x) => x.type === 'liquidation' && x.liquidator === -1);
      // Not before the announced tick; in it.
      expect(backstop).toBe(e.tickCount === due);
    }
  });

  it('lists what `liquidate` accepts: a takeover of maxTakeover succeeds', () => {
    const { e, now, victim, liquidator } = setup();
    e.apply({ type: 'tick' }, now);
    const [c] = takeoverCandidates(e, victim);
    expect(c.maxTakeover).toBeGreaterThan(0);
    const r = e.apply({ type: 'liquidate', liquidator, account: victim, market: 0, size: c.maxTakeover }, now);
    expect(r.ok).toBe(true);
    expect(e.markets[0].positions.base[liquidator]).toBe(c.maxTakeover);
  });

  it('lists nobody for a healthy book', () => {
    const { e, now } = setup(1);
    e.apply({ type: 'tick' }, now);
    expect(accountsInLiquidation(e)).toEqual([]);
    expect(liquidatableView(e, e.markets[0]).accounts).toEqual([]);
  });
});

describe('admin key file', () => {
  function file() {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    return {
      keyId: 'admin',
      account: 0,
      publicKey: publicKey.export({ format: 'der', type: 'spki' }).subarray(-32).toString('hex'),
      privateKeyPkcs8: privateKey.export({ format: 'der', type: 'pkcs8' }).toString('hex'),
    };
  }

  it('parses what the server writes and signs with it', () => {
    const f = file();
    const parsed = parseAdminKeyFile(JSON.stringify(f));
    expect(parsed).toEqual(f);
    expect(adminSigner(parsed).sign('x')).toMatch(/^[0-9a-f]{128}$/);
  });

  it('names the problem in a bad file', () => {
    expect(() => parseAdminKeyFile('{', 'k.json')).toThrow(/k\.json: not JSON/);
    expect(() => parseAdminKeyFile(JSON.stringify({ ...file(), account: -1 }))).toThrow(/account/);
    expect(() => parseAdminKeyFile(JSON.stringify({ ...file(), privateKeyPkcs8: 'zz' }))).toThrow(/privateKeyPkcs8/);
    const mismatched = { ...file(), publicKey: file().publicKey };
    expect(() => adminSigner(parseAdminKeyFile(JSON.stringify(mismatched)))).toThrow(/does not match/);
  });
});
