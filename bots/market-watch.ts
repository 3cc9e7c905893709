/**
 * What the demo shows, read over the protocol like everything else: the
 * ticker and public liquidations of every market (a public connection), and
 * the insurance fund, which every ticker carries (`insuranceFund`, USDC; the
 * `insurance` query adds the other collateral it holds). Bankruptcies are
 * counted from the private warnings streams of the accounts watched (an
 * admin connection may subscribe to any account's).
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
  /** The USDC insurance fund, quote units, from the latest ticker (null before the first). */
  insuranceFund: number | null = null;
  /** Its change since the watch started, quote units. */
  insuranceDelta = 0;
  private insuranceStart: number | null = null;
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
        const t = msg.data as Ticker;
        this.tickers.set(m.market, t);
        this.insuranceStart ??= t.insuranceFund;
        this.insuranceFund = t.insuranceFund;
        this.insuranceDelta = t.insuranceFund - this.insuranceStart;
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

  /** Follow an account's warnings stream for bankruptcies (needs the admin connection). */
  async watchAccount(account: number): Promise<void> {
    if (this.adminClient === null || this.watchedAccounts.has(account)) return;
    this.watchedAccounts.add(account);
    await this.adminClient.subscribe('warnings', { account }, (msg) => {
      if ((msg.data as { type: string }).type === 'bankruptcy') this.bankruptcies++;
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
