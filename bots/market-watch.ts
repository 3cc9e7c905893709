/**
 * What the demo shows, read over the protocol like everything else: the
 * ticker and public liquidations of every market (a public connection), and
 * the insurance fund.
 *
 * The gateway has no query for the insurance fund, so it is tracked from the
 * events that move it, read on the private warnings stream of each account
 * (an admin connection may subscribe to any account's): a liquidation adds
 * its `insuranceShare`, a bankruptcy takes its `insuranceCovered`. Collateral
 * the fund buys from a bankrupt account (non-USDC collateral only) is not on
 * that stream; the demo deposits USDC only, so nothing is missed there.
 */
import type { GatewayClient } from '../gateway/sdk/index.ts';
import type { MarketInfo, Ticker } from './exchange.ts';
import { Exchange } from './exchange.ts';

export interface LiquidationCount {
  liquidator: number;
  backstop: number;
}

/** A message of the public liquidations stream. */
export interface PublicLiquidation {
  ts: number;
  side: 'buy' | 'sell';
  size: number;
  price: number;
  by: 'liquidator' | 'backstop';
}

export class MarketWatch {
  readonly tickers = new Map<number, Ticker>();
  readonly liquidations = new Map<number, LiquidationCount>();
  readonly trades = new Map<number, number>();
  markets: MarketInfo[] = [];
  /** Net change of the insurance fund since the watch started, quote units (from events). */
  insuranceDelta = 0;
  bankruptcies = 0;
  private readonly watchedAccounts = new Set<number>();
  private readonly liquidationListeners: ((market: number, e: PublicLiquidation) => void)[] = [];

  constructor(
    private readonly publicClient: GatewayClient,
    private readonly adminClient: GatewayClient | null,
  ) {}

  async start(): Promise<void> {
    this.markets = await new Exchange(this.publicClient).markets();
    for (const m of this.markets) {
      this.liquidations.set(m.market, { liquidator: 0, backstop: 0 });
      this.trades.set(m.market, 0);
      await this.publicClient.subscribe('ticker', { market: m.market }, (msg) => {
        this.tickers.set(m.market, msg.data as Ticker);
      });
      await this.publicClient.subscribe('liquidations', { market: m.market }, (msg) => {
        const e = msg.data as PublicLiquidation;
        (this.liquidations.get(m.market) as LiquidationCount)[e.by]++;
        for (const fn of this.liquidationListeners) fn(m.market, e);
      });
      await this.publicClient.subscribe('trades', { market: m.market }, () => {
        this.trades.set(m.market, (this.trades.get(m.market) ?? 0) + 1);
      });
    }
  }

  onLiquidation(fn: (market: number, e: PublicLiquidation) => void): void {
    this.liquidationListeners.push(fn);
  }

  /** Follow an account's warnings stream for insurance-fund movements (needs the admin connection). */
  async watchAccount(account: number): Promise<void> {
    if (this.adminClient === null || this.watchedAccounts.has(account)) return;
    this.watchedAccounts.add(account);
    await this.adminClient.subscribe('warnings', { account }, (msg) => {
      const e = msg.data as { type: string; insuranceShare?: number; insuranceCovered?: number };
      if (e.type === 'liquidation') this.insuranceDelta += e.insuranceShare ?? 0;
      else if (e.type === 'bankruptcy') {
        this.bankruptcies++;
        this.insuranceDelta -= e.insuranceCovered ?? 0;
      }
    });
  }

  totalLiquidations(): LiquidationCount {
    const out = { liquidator: 0, backstop: 0 };
    for (const c of this.liquidations.values()) {
      out.liquidator += c.liquidator;
      out.backstop += c.backstop;
    }
    return out;
  }
}
