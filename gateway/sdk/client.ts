/**
 * The typed client for the gateway's WebSocket API: one method per wire op
 * (docs/PROTOCOL.md), named as the op, over the connection in
 * client-core.ts (request ids, signing, streams, book resync, reconnect).
 * Params are typed from the server's own schemas (types.ts). Commands
 * resolve with their acknowledgement once durable; a rejection rejects with
 * a GatewayError carrying the stable code (and, for an engine rejection,
 * the seq it was journaled under).
 */
import type { Channel } from '../protocol.ts';
import { ClientCore, type ClientOptions, GatewayError } from './client-core.ts';
import type {
  AccountView,
  AmendOrderParams,
  BatchOp,
  CancelOrderParams,
  CommandAck,
  CreateAssetParams,
  CreateMarketParams,
  DepthResult,
  FundingRecord,
  HistoryPage,
  HistoryParams,
  InsuranceView,
  KeyRegistered,
  LiquidatableView,
  MarketOrderParams,
  MarketSummary,
  OpenOrder,
  OracleParams,
  PlaceOrderParams,
  PositionView,
  PublicTrade,
  RegisterKeyParams,
  Ticker,
  TimeResult,
} from './types.ts';

export { type ClientOptions, GatewayError, type StreamHandler, streamKeyOf } from './client-core.ts';
export type { CommandAck } from './types.ts';

/** Params without the fields left undefined (absent optionals stay absent on the wire and in the signature). */
function defined<T extends object>(p: T): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(p)) if (v !== undefined) out[k] = v;
  return out;
}

export class GatewayClient extends ClientCore {
  static async connect(options: ClientOptions): Promise<GatewayClient> {
    const c = new GatewayClient(options);
    await c.open();
    return c;
  }

  // ─── Public queries (unsigned) ───
  ping(): Promise<{ pong: true; ts: number }> {
    return this.request('ping', {});
  }
  time(): Promise<TimeResult> {
    return this.request('time', {});
  }
  markets(): Promise<MarketSummary[]> {
    return this.request('markets', {});
  }
  ticker(market: number): Promise<Ticker> {
    return this.request('ticker', { market });
  }
  depth(market: number, levels?: number): Promise<DepthResult> {
    return this.request('depth', defined({ market, levels }));
  }
  /** Recent public trades, newest first. */
  trades(market: number, limit?: number): Promise<PublicTrade[]> {
    return this.request('trades', defined({ market, limit }));
  }
  /** Recent funding payments, newest first. */
  fundingHistory(market: number, limit?: number): Promise<FundingRecord[]> {
    return this.request('fundingHistory', defined({ market, limit }));
  }
  /** The insurance fund: USDC and the other collateral it holds. */
  insurance(): Promise<InsuranceView> {
    return this.request('insurance', {});
  }
  /** Accounts in liquidation whose positions in `market` a takeover would accept now. */
  liquidatable(market: number): Promise<LiquidatableView>;
  /** The same for every market, by market id. */
  liquidatable(): Promise<LiquidatableView[]>;
  liquidatable(market?: number): Promise<LiquidatableView | LiquidatableView[]> {
    return this.request('liquidatable', defined({ market }));
  }

  // ─── Private queries (signed; the key's account unless an admin names another) ───
  account(account?: number): Promise<AccountView> {
    return this.request('account', defined({ account }));
  }
  positions(account?: number): Promise<PositionView[]> {
    return this.request('positions', defined({ account }));
  }
  /** Resting orders of the key's account, in one market or all. */
  orders(market?: number): Promise<OpenOrder[]> {
    return this.request('orders', defined({ market }));
  }
  /** One page of account history; pass the page's nextCursor to get the next. */
  history<T = Record<string, unknown>>(p: HistoryParams): Promise<HistoryPage<T>> {
    return this.request('history', defined(p));
  }
  /** Every item of an account's history from `p` on, page by page (each page one request). */
  async *historyAll<T = Record<string, unknown>>(p: Omit<HistoryParams, 'cursor'>): AsyncGenerator<T> {
    let cursor: string | undefined;
    for (;;) {
      const page = await this.history<T>({ ...p, cursor });
      yield* page.items;
      if (page.nextCursor === null || page.items.length === 0) return;
      cursor = page.nextCursor;
    }
  }

  // ─── Trading (trader key; acts on its own account) ───
  marketOrder(p: MarketOrderParams): Promise<CommandAck> {
    return this.request('marketOrder', defined(p));
  }
  /** A limit or stop order: GTC/IOC/FOK/GTT, post-only, reduce-only, client id, self-trade rule, trigger. */
  placeOrder(p: PlaceOrderParams): Promise<CommandAck> {
    return this.request('placeOrder', defined(p));
  }
  /** Cancel one order by its id or by the client id it was placed with. */
  cancelOrder(p: CancelOrderParams): Promise<CommandAck> {
    return this.request('cancelOrder', defined(p));
  }
  /** Cancel every order of the account, in one market or all. */
  cancelAll(market?: number): Promise<CommandAck> {
    return this.request('cancelAll', defined({ market }));
  }
  amendOrder(p: AmendOrderParams): Promise<CommandAck> {
    return this.request('amendOrder', defined(p));
  }
  /** Up to BATCH_MAX_OPS order operations applied atomically: all or none. */
  batch(ops: BatchOp[]): Promise<CommandAck> {
    return this.request('batch', { ops: ops.map((o) => defined(o)) });
  }
  withdraw(p: { amount: number; asset?: number }): Promise<CommandAck> {
    return this.request('withdraw', defined(p));
  }
  /** Move the account's position in `market` to isolated margin (true) or back to cross. */
  setMarginMode(market: number, isolated: boolean): Promise<CommandAck> {
    return this.request('setMarginMode', { market, isolated });
  }
  setAccountMarginMode(mode: 'cross' | 'portfolio'): Promise<CommandAck> {
    return this.request('setAccountMarginMode', { mode });
  }
  /** Collateral into (positive) or out of (negative) an isolated position. */
  transferIsolated(market: number, amount: number): Promise<CommandAck> {
    return this.request('transferIsolated', { market, amount });
  }
  settlePnl(market: number): Promise<CommandAck> {
    return this.request('settlePnl', { market });
  }

  // ─── Liquidator ───
  /** Take over up to `size` of an account's position in liquidation (see liquidatable()). */
  liquidate(p: { account: number; market: number; size: number }): Promise<CommandAck> {
    return this.request('liquidate', { account: p.account, market: p.market, size: p.size });
  }

  // ─── Oracle feeder ───
  oracle(p: OracleParams): Promise<CommandAck> {
    return this.request('oracle', defined(p));
  }

  // ─── Admin ───
  /** A new account; resolves with its id and the acknowledgement. */
  async createAccount(): Promise<CommandAck & { account: number }> {
    const ack = await this.request<CommandAck>('createAccount', {});
    const created = ack.events.find((e) => e.type === 'accountCreated') as { account?: number } | undefined;
    if (typeof created?.account !== 'number')
      throw new GatewayError('BAD_REPLY', 'createAccount: no accountCreated event in the acknowledgement');
    return { ...ack, account: created.account };
  }
  /** Credit collateral as the bridge would (USDC unless `asset`). */
  deposit(p: { account: number; amount: number; asset?: number }): Promise<CommandAck> {
    return this.request('deposit', defined(p));
  }
  insuranceDeposit(amount: number): Promise<CommandAck> {
    return this.request('insuranceDeposit', { amount });
  }
  createMarket(p: CreateMarketParams): Promise<CommandAck> {
    return this.request('createMarket', defined(p));
  }
  updateMarket(market: number, params: Record<string, number>): Promise<CommandAck> {
    return this.request('updateMarket', { market, params });
  }
  pauseMarket(market: number): Promise<CommandAck> {
    return this.request('pauseMarket', { market });
  }
  resumeMarket(market: number): Promise<CommandAck> {
    return this.request('resumeMarket', { market });
  }
  createAsset(p: CreateAssetParams): Promise<CommandAck> {
    return this.request('createAsset', { ...p });
  }
  fundingTick(market: number): Promise<CommandAck> {
    return this.request('fundingTick', { market });
  }
  registerKey(p: RegisterKeyParams): Promise<KeyRegistered> {
    return this.request('registerKey', defined(p));
  }
  revokeKey(keyId: string): Promise<CommandAck | { keyId: string; revoked: boolean }> {
    return this.request('revokeKey', { keyId });
  }

  // ─── Session (this connection) ───
  /**
   * Log this connection on with the signer's key: until logout() or the
   * connection ends, signed ops go with a nonce and no signature (the SDK
   * does it; a reconnect logs on again). `replies: 'ack'` makes command
   * acknowledgements `{ seq }` only (events then come on the private streams).
   */
  async logon(
    replies: 'full' | 'ack' = 'full',
  ): Promise<{ keyId: string; account: number; roles: string[]; replies: string }> {
    const result = await this.request<{ keyId: string; account: number; roles: string[]; replies: string }>('logon', {
      replies,
    });
    this.session = { replies };
    return result;
  }
  /** End the session logon: signed ops are signed again. */
  async logout(): Promise<{ loggedOut: boolean; keyId: string | null }> {
    this.session = null;
    return this.request('logout', {});
  }
  /** Arm (ms > 0, refresh by calling again) or disarm (0) the account's dead man's switch. */
  setDeadman(ms: number): Promise<{ account: number; armed: boolean; deadlineTs: number }> {
    return this.request('setDeadman', { ms });
  }
  /** Cancel the account's orders when this connection closes. */
  setCancelOnDisconnect(enabled: boolean): Promise<{ account: number; enabled: boolean }> {
    return this.request('setCancelOnDisconnect', { enabled });
  }
}

export type { Channel };
