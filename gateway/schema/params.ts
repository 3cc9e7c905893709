/**
 * Params schemas, one per op. Accounts are never a trader's choice: a
 * trader's, liquidator's or read-only key acts on the account it is bound to,
 * so their params carry no `account`. Admin ops name the account.
 */
import { type TSchema, Type } from '@sinclair/typebox';
import { MARKET_PARAM_NAMES } from '../../core/params.ts';
import { KEY_ID_PATTERN } from '../auth/keys.ts';
import { PRIVATE_CHANNELS, PUBLIC_CHANNELS, ROLES } from '../protocol.ts';
import { Amount, Closed, Empty, Id, MarketId, Price, Side, SignedAmount, Ts } from './primitives.ts';

const literals = (xs: readonly string[]) => Type.Union(xs.map((x) => Type.Literal(x)));

const MarketParamsPartial = Closed(
  Object.fromEntries(MARKET_PARAM_NAMES.map((n) => [n, Type.Optional(SignedAmount)])) as Record<string, TSchema>,
);

/** Most operations in one batch request. */
export const BATCH_MAX_OPS = 20;

const PlaceOrderParams = Closed({
  market: MarketId,
  side: Side,
  size: Amount,
  /** Limit price; 0 only for a stop-market order (with a trigger). */
  price: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
  timeInForce: Type.Optional(literals(['GTC', 'IOC', 'FOK', 'GTT'])),
  expiryTs: Type.Optional(Ts),
  postOnly: Type.Optional(Type.Boolean()),
  reduceOnly: Type.Optional(Type.Boolean()),
  clientId: Type.Optional(Id),
  selfTrade: Type.Optional(literals(['cancelMaker', 'expireTaker', 'expireBoth'])),
  trigger: Type.Optional(
    Closed({ kind: literals(['stop', 'takeProfit']), price: Price, source: literals(['mark', 'oracle']) }),
  ),
});
const CancelOrderParams = Closed({ market: MarketId, orderId: Type.Optional(Id), clientId: Type.Optional(Id) });
const CancelAllParams = Closed({ market: Type.Optional(MarketId) });
const AmendOrderParams = Closed({
  market: MarketId,
  orderId: Id,
  price: Type.Optional(Price),
  size: Type.Optional(Amount),
});

export const P = {
  // Trading (trader)
  marketOrder: Closed({
    market: MarketId,
    side: Side,
    size: Amount,
    worstPrice: Type.Optional(Price),
    reduceOnly: Type.Optional(Type.Boolean()),
  }),
  withdraw: Closed({ amount: Amount, asset: Type.Optional(Id) }),
  setMarginMode: Closed({ market: MarketId, isolated: Type.Boolean() }),
  setAccountMarginMode: Closed({ mode: Type.Union([Type.Literal('cross'), Type.Literal('portfolio')]) }),
  transferIsolated: Closed({ market: MarketId, amount: SignedAmount }),
  settlePnl: Closed({ market: MarketId }),
  // Liquidator
  liquidate: Closed({ account: Id, market: MarketId, size: Amount }),
  // Oracle feeder
  oracle: Closed({
    market: MarketId,
    source: Type.Integer({ minimum: 0, maximum: 15 }),
    price: Price,
    confidence: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
    publishTs: Ts,
  }),
  // Admin
  deposit: Closed({ account: Id, amount: Amount, asset: Type.Optional(Id) }),
  createAccount: Empty,
  createMarket: Closed({
    symbol: Type.String({ pattern: '^[A-Z0-9][A-Z0-9-]{0,31}$' }),
    initialPrice: Price,
    baseReserve: Amount,
    params: Type.Optional(MarketParamsPartial),
  }),
  updateMarket: Closed({ market: MarketId, params: MarketParamsPartial }),
  pauseMarket: Closed({ market: MarketId }),
  resumeMarket: Closed({ market: MarketId }),
  insuranceDeposit: Closed({ amount: Amount }),
  createAsset: Closed({
    symbol: Type.String({ pattern: '^[A-Z0-9]{1,16}$' }),
    priceMarket: MarketId,
    initialWeightE6: Type.Integer({ minimum: 0, maximum: 1_000_000 }),
    maintenanceWeightE6: Type.Integer({ minimum: 0, maximum: 1_000_000 }),
  }),
  fundingTick: Closed({ market: MarketId }),
  registerKey: Closed({
    keyId: Type.String({ pattern: KEY_ID_PATTERN }),
    account: Id,
    roles: Type.Array(literals(ROLES), { minItems: 1, maxItems: ROLES.length }),
    scheme: literals(['ed25519', 'hmac-sha256']),
    publicKey: Type.Optional(Type.String({ pattern: '^[0-9a-f]{64}$' })),
    secret: Type.Optional(Type.String({ pattern: '^([0-9a-f]{2}){16,64}$' })),
  }),
  revokeKey: Closed({ keyId: Type.String({ pattern: KEY_ID_PATTERN }) }),

  // Order book (trader): the engine's placeOrder / cancelOrder / cancelAll / amendOrder / batch.
  placeOrder: PlaceOrderParams,
  cancelOrder: CancelOrderParams,
  cancelAll: CancelAllParams,
  amendOrder: AmendOrderParams,
  batch: Closed({
    ops: Type.Array(
      Type.Union([
        Closed({ type: Type.Literal('placeOrder'), ...PlaceOrderParams.properties }),
        Closed({ type: Type.Literal('cancelOrder'), ...CancelOrderParams.properties }),
        Closed({ type: Type.Literal('cancelAll'), ...CancelAllParams.properties }),
        Closed({ type: Type.Literal('amendOrder'), ...AmendOrderParams.properties }),
      ]),
      { minItems: 1, maxItems: BATCH_MAX_OPS },
    ),
  }),
  orders: Closed({ market: Type.Optional(MarketId) }),

  // Queries
  ping: Empty,
  time: Empty,
  markets: Empty,
  ticker: Closed({ market: MarketId }),
  depth: Closed({ market: MarketId, levels: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000 })) }),
  trades: Closed({ market: MarketId, limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })) }),
  fundingHistory: Closed({ market: MarketId, limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })) }),
  insurance: Empty,
  liquidatable: Closed({ market: Type.Optional(MarketId) }),
  account: Closed({ account: Type.Optional(Id) }),
  positions: Closed({ account: Type.Optional(Id) }),
  history: Closed({
    kind: literals(['fill', 'funding', 'deposit', 'withdrawal', 'liquidation']),
    account: Type.Optional(Id),
    fromTs: Type.Optional(Ts),
    toTs: Type.Optional(Ts),
    cursor: Type.Optional(Type.String({ maxLength: 128 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000 })),
  }),

  // Session (WebSocket only)
  subscribe: Closed({
    channel: literals([...PUBLIC_CHANNELS, ...PRIVATE_CHANNELS]),
    market: Type.Optional(MarketId),
    account: Type.Optional(Id),
    levels: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000 })),
  }),
  unsubscribe: Closed({
    channel: literals([...PUBLIC_CHANNELS, ...PRIVATE_CHANNELS]),
    market: Type.Optional(MarketId),
    account: Type.Optional(Id),
  }),
  setDeadman: Closed({ ms: Type.Integer({ minimum: 0, maximum: 86_400_000 }) }),
  setCancelOnDisconnect: Closed({ enabled: Type.Boolean() }),
  // Session logon (WebSocket only): one signed logon, then requests with a nonce and no signature.
  logon: Closed({ replies: Type.Optional(literals(['full', 'ack'])) }),
  logout: Empty,
} as const;
