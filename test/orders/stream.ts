/**
 * A seeded stream of order-flow commands for the matching tests: limit
 * orders of every time in force and flag, stops and take-profits, cancels
 * by id and client id, amends, cancel-alls, batches, market orders, oracle
 * moves and ticks, over two markets and a handful of accounts.
 */
import type { Command, PlaceOrder } from '../../core/commands.ts';

export function rng(seed: number): () => number {
  let a = seed >>> 0 || 1;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const ACCOUNTS = 6;
export const PRICES = [60_000_000_000, 3_000_000_000];

export function genesis(ts: number): Command[] {
  const out: Command[] = [
    {
      type: 'createMarket',
      symbol: 'BTC-PERP',
      initialPrice: PRICES[0],
      baseReserve: 20_000_000_000_000,
      params: { tickSize: 1_000_000, maxOpenOrders: 40 },
    },
    {
      type: 'createMarket',
      symbol: 'ETH-PERP',
      initialPrice: PRICES[1],
      baseReserve: 400_000_000_000_000,
      params: { tickSize: 100_000, maxOpenOrders: 40 },
    },
  ];
  for (let a = 0; a < ACCOUNTS; a++) {
    out.push({ type: 'createAccount' }, { type: 'deposit', account: a, amount: 5_000_000_000_000 });
  }
  PRICES.forEach((price, market) => {
    out.push({ type: 'oracle', market, source: 0, price, confidence: price / 20_000, publishTs: ts });
  });
  return out;
}

/** `n` commands; `oracle` keeps the walk of each market's price. */
export function orderFlow(seed: number, n: number, startTs: number): { ts: number; cmd: Command }[] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const prices = [...PRICES];
  const ticks = [1_000_000, 100_000];
  const sizes = [
    [1_000_000, 500_000_000],
    [10_000_000, 20_000_000_000],
  ];
  let ts = startTs;
  let nextClient = 1;
  let lastOrderGuess = 1;
  const out: { ts: number; cmd: Command }[] = [];
  for (let i = 0; i < n; i++) {
    ts += Math.floor(r() * 200);
    const market = r() < 0.6 ? 0 : 1;
    const account = Math.floor(r() * ACCOUNTS);
    const mid = prices[market];
    const tick = ticks[market];
    const price = Math.max(tick, Math.round((mid * (1 + (r() - 0.5) * 0.01)) / tick) * tick);
    const [lo, hi] = sizes[market];
    const size = lo + Math.floor(r() * (hi - lo));
    const side = r() < 0.5 ? 'buy' : 'sell';
    const x = r();
    let cmd: Command;
    if (x < 0.42) {
      const tif = pick(['GTC', 'GTC', 'GTC', 'IOC', 'FOK', 'GTT'] as const);
      const place: PlaceOrder = { type: 'placeOrder', account, market, side, size, price, timeInForce: tif };
      if (tif === 'GTT') place.expiryTs = ts + Math.floor(r() * 5_000);
      if (r() < 0.2) place.postOnly = true;
      if (r() < 0.15) place.reduceOnly = true;
      if (r() < 0.4) place.clientId = r() < 0.1 ? 1 : nextClient++;
      if (r() < 0.2) place.selfTrade = pick(['cancelMaker', 'expireTaker', 'expireBoth'] as const);
      cmd = place;
      lastOrderGuess++;
    } else if (x < 0.5) {
      cmd = {
        type: 'placeOrder',
        account,
        market,
        side,
        size,
        price: r() < 0.5 ? 0 : price,
        reduceOnly: r() < 0.5,
        trigger: { kind: r() < 0.5 ? 'stop' : 'takeProfit', price, source: r() < 0.5 ? 'mark' : 'oracle' },
      };
      lastOrderGuess++;
    } else if (x < 0.62) {
      cmd =
        r() < 0.7
          ? { type: 'cancelOrder', account, market, orderId: Math.max(1, lastOrderGuess - Math.floor(r() * 30)) }
          : { type: 'cancelOrder', account, market, clientId: Math.floor(r() * nextClient) + 1 };
    } else if (x < 0.7) {
      cmd = {
        type: 'amendOrder',
        account,
        market,
        orderId: Math.max(1, lastOrderGuess - Math.floor(r() * 30)),
        ...(r() < 0.5 ? { price } : {}),
        ...(r() < 0.7 ? { size } : {}),
      };
    } else if (x < 0.72) {
      cmd = r() < 0.5 ? { type: 'cancelAll', account } : { type: 'cancelAll', account, market };
    } else if (x < 0.77) {
      cmd = {
        type: 'batch',
        account,
        ops: [
          { type: 'cancelOrder', account, market, orderId: Math.max(1, lastOrderGuess - Math.floor(r() * 10)) },
          { type: 'placeOrder', account, market, side, size, price, postOnly: r() < 0.5 },
          {
            type: 'placeOrder',
            account,
            market,
            side: side === 'buy' ? 'sell' : 'buy',
            size,
            price: price + (side === 'buy' ? 4 : -4) * tick,
          },
        ],
      };
      lastOrderGuess += 2;
    } else if (x < 0.85) {
      cmd = {
        type: 'marketOrder',
        account,
        market,
        side,
        size,
        ...(r() < 0.5 ? { worstPrice: price } : {}),
        reduceOnly: r() < 0.2,
      };
    } else if (x < 0.93) {
      prices[market] = Math.max(tick, Math.round(mid * (1 + (r() - 0.5) * 0.02)));
      cmd = {
        type: 'oracle',
        market,
        source: 0,
        price: prices[market],
        confidence: Math.round(prices[market] / 20_000),
        publishTs: ts,
      };
    } else {
      cmd = { type: 'tick' };
    }
    out.push({ ts, cmd });
  }
  return out;
}
