/**
 * The calls the bots make, over the SDK's typed GatewayClient methods (one
 * per wire op), collected here so the bots read in the trade's words.
 * Nothing here talks to the engine: every call is a WebSocket request.
 */
import type { CommandAck, GatewayClient } from '../gateway/sdk/index.ts';
import type { AccountView, PositionView } from '../gateway/views/account.ts';
import type { MarketSummary, Ticker } from '../gateway/views/market.ts';

// The wire shapes are the gateway's own view types (type-only imports: no engine code runs here).
export type { AccountView, PositionView, Ticker };
/** A market as the `markets` query returns it. */
export type MarketInfo = MarketSummary;

export type Side = 'buy' | 'sell';

export interface Depth {
  market: number;
  levels: number;
  bids: [number, number][];
  asks: [number, number][];
}

export interface PlaceOrderParams {
  market: number;
  side: Side;
  size: number;
  price: number;
  timeInForce?: 'GTC' | 'IOC' | 'FOK' | 'GTT';
  expiryTs?: number;
  postOnly?: boolean;
  reduceOnly?: boolean;
  clientId?: number;
  selfTrade?: 'cancelMaker' | 'expireTaker' | 'expireBoth';
}

export type BatchOp =
  | ({ type: 'placeOrder' } & PlaceOrderParams)
  | { type: 'cancelOrder'; market: number; orderId?: number; clientId?: number }
  | { type: 'cancelAll'; market?: number }
  | { type: 'amendOrder'; market: number; orderId: number; price?: number; size?: number };

export type Role = 'trader' | 'read-only' | 'liquidator' | 'oracle' | 'admin';

/** An engine event as it arrives in an ack or a stream (only the fields the bots read are typed). */
export interface EngineEvent {
  type: string;
  [field: string]: unknown;
}

/** Events of one type from a command's ack. */
export function eventsOf<T = EngineEvent>(ack: CommandAck, type: string): T[] {
  return ack.events.filter((e) => e.type === type) as T[];
}

/** The typed surface over one client. */
export class Exchange {
  constructor(readonly client: GatewayClient) {}

  // Public queries.
  markets(): Promise<MarketInfo[]> {
    return this.client.markets();
  }
  ticker(market: number): Promise<Ticker> {
    return this.client.ticker(market);
  }
  depth(market: number, levels?: number): Promise<Depth> {
    return this.client.depth(market, levels);
  }

  // Private queries (the key's own account unless an admin names one).
  account(account?: number): Promise<AccountView> {
    return this.client.account(account);
  }
  positions(account?: number): Promise<PositionView[]> {
    return this.client.positions(account);
  }

  // Trader.
  marketOrder(p: { market: number; side: Side; size: number; worstPrice?: number; reduceOnly?: boolean }) {
    return this.client.marketOrder(p);
  }
  placeOrder(p: PlaceOrderParams): Promise<CommandAck> {
    return this.client.placeOrder(p);
  }
  cancelAll(market?: number): Promise<CommandAck> {
    return this.client.cancelAll(market);
  }
  batch(ops: BatchOp[]): Promise<CommandAck> {
    return this.client.batch(ops);
  }

  // Liquidator.
  liquidate(p: { account: number; market: number; size: number }): Promise<CommandAck> {
    return this.client.liquidate(p);
  }

  // Oracle feeder.
  oracle(p: { market: number; source: number; price: number; confidence: number; publishTs: number }) {
    return this.client.oracle(p);
  }

  // Admin.
  async createAccount(): Promise<number> {
    return (await this.client.createAccount()).account;
  }
  deposit(account: number, amount: number, asset?: number): Promise<CommandAck> {
    return this.client.deposit(asset === undefined ? { account, amount } : { account, amount, asset });
  }
  registerKey(p: { keyId: string; account: number; roles: Role[]; publicKeyHex: string }): Promise<CommandAck> {
    return this.client.request('registerKey', {
      keyId: p.keyId,
      account: p.account,
      roles: p.roles,
      scheme: 'ed25519',
      publicKey: p.publicKeyHex,
    });
  }
}
