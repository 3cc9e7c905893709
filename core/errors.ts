/**
 * Stable rejection codes. A rejected command changes nothing; its code is
 * part of the wire protocol, so a code is never renamed or reused.
 * Grouped by subsystem, as exchange-core groups its result codes.
 */
export const ErrorCodes = {
  // Command shape and values
  BAD_COMMAND: 'the command is not a known command type or has a field of the wrong type',
  BAD_AMOUNT: 'an amount is not a positive safe integer',
  BAD_PRICE: 'a price is not a positive safe integer',
  OUT_OF_RANGE: 'a value, or a result computed from it, would leave the safe-integer range',
  INVALID_PARAMS: 'a market parameter is missing or outside its allowed range',
  BAD_SCENARIOS: 'the scenario set is malformed or does not cover the engine’s markets',
  SCENARIO_VERSION: 'the scenario-set version is not the one this command needs',
  // Keys and nonces
  UNKNOWN_KEY: 'no active API key has this id',
  DUPLICATE_KEY: 'an active API key has this id already',
  TOO_MANY_KEYS: 'the engine holds the maximum number of API keys',
  NONCE_USED: 'the nonce is not above the last one accepted for this key',
  // Lookups
  UNKNOWN_MARKET: 'no market has this id',
  UNKNOWN_ACCOUNT: 'no account has this id',
  UNKNOWN_ASSET: 'no collateral asset has this id',
  DUPLICATE_MARKET: 'a market with this symbol exists already',
  DUPLICATE_ASSET: 'a collateral asset with this symbol exists already',
  TOO_MANY_ASSETS: 'the engine holds the maximum number of collateral assets',
  TOO_MANY_MARKETS: 'the engine holds the maximum number of markets',
  // Market state
  MARKET_PAUSED: 'the market is paused',
  MARKET_ACTIVE: 'the market is not paused',
  // Oracle guards
  ORACLE_STALE: 'the oracle price is older than this action allows',
  ORACLE_CONFIDENCE: 'the oracle confidence interval is wider than this action allows',
  ORACLE_JUMP: 'the oracle price moved further from its TWAP than this action allows',
  ORACLE_BAD_SOURCE: 'no oracle source has this index',
  ORACLE_OUT_OF_ORDER: 'the update is not newer than the last one from this source',
  ORACLE_FUTURE: 'the update is published in the future',
  // Trading
  PRICE_BAND: 'the trade would move the price beyond the band around the oracle',
  WORST_PRICE: 'nothing can fill within the worst price',
  FILL_TOO_LARGE: 'the fill exceeds the maximum fraction of the reserves',
  REDUCE_ONLY: 'a reduce-only order would open or grow a position',
  // Orders
  UNKNOWN_ORDER: 'no open order of this account has this id or client id',
  DUPLICATE_CLIENT_ID: 'the account already has an open order with this client id',
  OFF_TICK: 'the price is not a multiple of the market tick size',
  POST_ONLY_WOULD_CROSS: 'a post-only order would take liquidity',
  FOK_NOT_FILLED: 'a fill-or-kill order could not be filled entirely',
  TOO_MANY_ORDERS: 'the account has the maximum number of open orders in this market',
  BAD_EXPIRY: 'a good-till-time order needs an expiry in the future',
  BATCH_TOO_LARGE: 'a batch holds more operations than allowed',
  BOOK_FULL: 'the order book holds its maximum number of orders',
  // Margin and ledgers
  INSUFFICIENT_MARGIN: 'the account would not meet initial margin',
  INSUFFICIENT_COLLATERAL: 'the collateral balance does not cover the amount',
  POSITION_OPEN: 'the position must be closed first',
  NOT_ISOLATED: 'the position is not isolated',
  IN_LIQUIDATION: 'the account is being liquidated: it may only reduce risk',
  MODE_SWITCH_MARGIN: 'the account would not meet initial margin in the margin mode it asks for',
  // Liquidation
  ACCOUNT_HEALTHY: 'the account meets maintenance margin and cannot be liquidated',
  NOTHING_TO_LIQUIDATE: 'the account has no position in this market',
  LIQUIDATOR_MARGIN: 'the liquidator would not meet initial margin after the takeover',
  SELF_LIQUIDATION: 'an account cannot liquidate itself',
  // Funding
  FUNDING_TOO_EARLY: 'the funding interval has not elapsed',
  // Bugs: apply threw; the state was rolled back and the command rejected
  INTERNAL_ERROR: 'the engine hit an internal error; the command changed nothing',
} as const;

export type ErrorCode = keyof typeof ErrorCodes;

/** A rejection: a value, never an exception. */
export class Rejection {
  constructor(
    readonly code: ErrorCode,
    readonly message: string,
  ) {}
}

export function reject(code: ErrorCode, detail?: string): Rejection {
  return new Rejection(code, detail === undefined ? ErrorCodes[code] : `${ErrorCodes[code]}: ${detail}`);
}

/**
 * Thrown from deep inside a computation (a fill, a funding settlement) when
 * a ledger value would leave the safe-integer range. apply() turns it into an
 * OUT_OF_RANGE rejection and rolls the command back: never rounded.
 */
export class OutOfRange extends Error {}

/** Throw OutOfRange unless `v` is a safe integer. */
export function safe(v: number, what: string): number {
  if (!Number.isSafeInteger(v)) throw new OutOfRange(`${what} would be ${v}`);
  return v;
}
