/**
 * Shape checks for commands arriving at apply(). The gateway validates
 * against its schema first; the engine checks again, because the journal,
 * the simulator and tests feed it directly, and a bad command must be a
 * rejection, never a crash.
 */
import type { Command, MarketOrder, PlaceOrder } from './commands.ts';
import { type Rejection, reject } from './errors.ts';
import { checkKeyShape } from './keys.ts';
import { checkPortfolioMarginShape, checkScenarioSetShape, checkSetAccountMarginMode } from './portfolio/validate.ts';

export function isSafeId(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
}

export function isPositiveAmount(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n > 0;
}

const ID_FIELDS: Record<string, readonly string[]> = {
  createMarket: [],
  updateMarket: ['market'],
  pauseMarket: ['market'],
  resumeMarket: ['market'],
  createAccount: [],
  createAsset: ['priceMarket'],
  deposit: ['account'],
  withdraw: ['account'],
  setMarginMode: ['account', 'market'],
  setAccountMarginMode: ['account'],
  scenarioSet: [],
  portfolioMargin: [],
  setPortfolioParams: [],
  transferIsolated: ['account', 'market'],
  liquidate: ['liquidator', 'account', 'market'],
  tick: [],
  placeOrder: ['account', 'market'],
  cancelOrder: ['account', 'market'],
  cancelAll: ['account'],
  amendOrder: ['account', 'market', 'orderId'],
  batch: ['account'],
  liquidateCollateral: ['liquidator', 'account', 'asset'],
  registerKey: ['account'],
  revokeKey: [],
  advanceNonce: [],
  insuranceDeposit: [],
  marketOrder: ['account', 'market'],
  oracle: ['market'],
  fundingTick: ['market'],
  settlePnl: ['account', 'market'],
};

/** Null when the command has a known type and well-typed fields. */
export function checkShape(cmd: unknown): Rejection | null {
  if (typeof cmd !== 'object' || cmd === null || Array.isArray(cmd)) return reject('BAD_COMMAND', 'not an object');
  const c = cmd as Record<string, unknown>;
  const type = c.type;
  // The two order commands are most of the traffic: the same checks, in the same order, without
  // the table walk and the long switch below.
  if (type === 'marketOrder' || type === 'placeOrder') {
    if (!isSafeId(c.account)) return reject('BAD_COMMAND', 'account must be a non-negative integer');
    if (!isSafeId(c.market)) return reject('BAD_COMMAND', 'market must be a non-negative integer');
    return type === 'marketOrder' ? checkMarketOrder(cmd as MarketOrder) : checkPlace(cmd as PlaceOrder);
  }
  if (typeof type !== 'string' || !Object.hasOwn(ID_FIELDS, type))
    return reject('BAD_COMMAND', `unknown type ${String(type)}`);
  for (const f of ID_FIELDS[type]) {
    if (!isSafeId(c[f])) return reject('BAD_COMMAND', `${f} must be a non-negative integer`);
  }
  const x = cmd as Command;
  switch (x.type) {
    case 'createMarket':
      if (typeof x.symbol !== 'string' || !/^[A-Z0-9][A-Z0-9-]{0,31}$/.test(x.symbol)) {
        return reject('BAD_COMMAND', 'symbol must be 1-32 of A-Z, 0-9 and -');
      }
      if (!isPositiveAmount(x.initialPrice)) return reject('BAD_PRICE', 'initialPrice');
      if (!isPositiveAmount(x.baseReserve)) return reject('BAD_AMOUNT', 'baseReserve');
      if (x.params !== undefined && (typeof x.params !== 'object' || x.params === null || Array.isArray(x.params))) {
        return reject('BAD_COMMAND', 'params must be an object');
      }
      return null;
    case 'updateMarket':
      if (typeof x.params !== 'object' || x.params === null || Array.isArray(x.params)) {
        return reject('BAD_COMMAND', 'params must be an object');
      }
      return null;
    case 'createAsset':
      if (typeof x.symbol !== 'string' || !/^[A-Z0-9]{1,16}$/.test(x.symbol)) return reject('BAD_COMMAND', 'symbol');
      if (typeof x.initialWeightE6 !== 'number' || typeof x.maintenanceWeightE6 !== 'number') {
        return reject('BAD_COMMAND', 'weights must be numbers');
      }
      return null;
    case 'deposit':
    case 'withdraw':
      if (x.asset !== undefined && !isSafeId(x.asset))
        return reject('BAD_COMMAND', 'asset must be a non-negative integer');
      return isPositiveAmount(x.amount) ? null : reject('BAD_AMOUNT', 'amount');
    case 'insuranceDeposit':
      return isPositiveAmount(x.amount) ? null : reject('BAD_AMOUNT', 'amount');
    case 'registerKey':
    case 'revokeKey':
      return checkKeyShape(c);
    case 'advanceNonce':
      if (checkKeyShape(c) !== null) return checkKeyShape(c);
      return isPositiveAmount(x.nonce) ? null : reject('BAD_COMMAND', 'nonce must be a positive integer');
    case 'setMarginMode':
      return typeof x.isolated === 'boolean' ? null : reject('BAD_COMMAND', 'isolated must be a boolean');
    case 'setAccountMarginMode':
      return checkSetAccountMarginMode(x);
    case 'scenarioSet':
      return checkScenarioSetShape(x);
    case 'portfolioMargin':
      return checkPortfolioMarginShape(x);
    case 'transferIsolated':
      return typeof x.amount === 'number' && Number.isSafeInteger(x.amount) && x.amount !== 0
        ? null
        : reject('BAD_AMOUNT', 'amount must be a non-zero integer');
    case 'liquidate':
      return isPositiveAmount(x.size) ? null : reject('BAD_AMOUNT', 'size');
    case 'placeOrder':
      return checkPlace(x);
    case 'liquidateCollateral':
      return isPositiveAmount(x.units) ? null : reject('BAD_AMOUNT', 'units');
    case 'cancelOrder':
      if (x.orderId === undefined && x.clientId === undefined)
        return reject('BAD_COMMAND', 'orderId or clientId is required');
      if (x.orderId !== undefined && !isSafeId(x.orderId)) return reject('BAD_COMMAND', 'orderId');
      if (x.clientId !== undefined && !isSafeId(x.clientId)) return reject('BAD_COMMAND', 'clientId');
      return null;
    case 'cancelAll':
      return x.market === undefined || isSafeId(x.market) ? null : reject('BAD_COMMAND', 'market');
    case 'amendOrder':
      if (x.price === undefined && x.size === undefined) return reject('BAD_COMMAND', 'price or size is required');
      if (x.price !== undefined && !isPositiveAmount(x.price)) return reject('BAD_PRICE', 'price');
      if (x.size !== undefined && !isPositiveAmount(x.size)) return reject('BAD_AMOUNT', 'size');
      return null;
    case 'batch': {
      if (!Array.isArray(x.ops)) return reject('BAD_COMMAND', 'ops must be an array');
      for (let i = 0; i < x.ops.length; i++) {
        const r = checkShape(x.ops[i]);
        if (r !== null) return reject(r.code, `op ${i}: ${r.message}`);
      }
      return null;
    }
    case 'marketOrder':
      return checkMarketOrder(x);
    case 'oracle':
      if (typeof x.source !== 'number' || typeof x.price !== 'number' || typeof x.confidence !== 'number') {
        return reject('BAD_COMMAND', 'source, price and confidence must be numbers');
      }
      if (typeof x.publishTs !== 'number') return reject('BAD_COMMAND', 'publishTs must be a number');
      return null;
    default:
      return null;
  }
}

const TIME_IN_FORCE = new Set(['GTC', 'IOC', 'FOK', 'GTT']);
const SELF_TRADE = new Set(['cancelMaker', 'expireTaker', 'expireBoth']);

function checkMarketOrder(x: MarketOrder): Rejection | null {
  if (x.side !== 'buy' && x.side !== 'sell') return reject('BAD_COMMAND', 'side must be buy or sell');
  if (!isPositiveAmount(x.size)) return reject('BAD_AMOUNT', 'size');
  if (x.worstPrice !== undefined && !isSafeId(x.worstPrice)) return reject('BAD_PRICE', 'worstPrice');
  if (x.reduceOnly !== undefined && typeof x.reduceOnly !== 'boolean') return reject('BAD_COMMAND', 'reduceOnly');
  return null;
}

function checkPlace(x: PlaceOrder): Rejection | null {
  if (x.side !== 'buy' && x.side !== 'sell') return reject('BAD_COMMAND', 'side must be buy or sell');
  if (!isPositiveAmount(x.size)) return reject('BAD_AMOUNT', 'size');
  if (!isSafeId(x.price)) return reject('BAD_PRICE', 'price');
  if (x.timeInForce !== undefined && !TIME_IN_FORCE.has(x.timeInForce)) return reject('BAD_COMMAND', 'timeInForce');
  if (x.expiryTs !== undefined && !isSafeId(x.expiryTs)) return reject('BAD_EXPIRY', 'expiryTs');
  if (x.postOnly !== undefined && typeof x.postOnly !== 'boolean')
    return reject('BAD_COMMAND', 'postOnly must be a boolean');
  if (x.reduceOnly !== undefined && typeof x.reduceOnly !== 'boolean')
    return reject('BAD_COMMAND', 'reduceOnly must be a boolean');
  if (x.clientId !== undefined && !isSafeId(x.clientId)) return reject('BAD_COMMAND', 'clientId');
  if (x.selfTrade !== undefined && !SELF_TRADE.has(x.selfTrade)) return reject('BAD_COMMAND', 'selfTrade');
  if (x.trigger !== undefined) {
    const t = x.trigger;
    if (typeof t !== 'object' || t === null) return reject('BAD_COMMAND', 'trigger must be an object');
    if (t.kind !== 'stop' && t.kind !== 'takeProfit') return reject('BAD_COMMAND', 'trigger.kind');
    if (t.source !== 'mark' && t.source !== 'oracle') return reject('BAD_COMMAND', 'trigger.source');
    if (!isPositiveAmount(t.price)) return reject('BAD_PRICE', 'trigger.price');
  } else if (x.price === 0) return reject('BAD_PRICE', 'price');
  return null;
}

/** The optional auth of a signed command: null when absent or well formed. */
export function checkAuthShape(auth: unknown): Rejection | null {
  if (auth === undefined) return null;
  if (typeof auth !== 'object' || auth === null) return reject('BAD_COMMAND', 'auth must be an object');
  const a = auth as Record<string, unknown>;
  if (typeof a.keyId !== 'string' || !isPositiveAmount(a.nonce))
    return reject('BAD_COMMAND', 'auth needs keyId and a positive integer nonce');
  return null;
}
