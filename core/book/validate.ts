/**
 * Boundary checks shared by the fast book and the naive reference, so both
 * reject the same input with the same code. Checks run in a fixed order; the
 * first failure names the result.
 */
import { type BookCode, GTC, GTT, type NewOrder, NO_CLIENT_ID } from './types.ts';

export function isPositiveSafeInteger(x: unknown): x is number {
  return Number.isSafeInteger(x) && (x as number) > 0;
}

export function isNonNegativeSafeInteger(x: unknown): x is number {
  return Number.isSafeInteger(x) && (x as number) >= 0;
}

export function isAccount(x: unknown, maxAccounts: number): x is number {
  return Number.isInteger(x) && (x as number) >= 0 && (x as number) < maxAccounts;
}

/** 'OK' if `o` may rest in a book whose highest id seen so far is `lastId`. Uniqueness and capacity are the book's. */
export function checkNewOrder(o: NewOrder, lastId: number, maxAccounts: number): BookCode {
  if (!isNonNegativeSafeInteger(o.id)) return 'BAD_ID';
  if (o.id <= lastId) return 'ORDER_ID_NOT_INCREASING';
  if (!isAccount(o.account, maxAccounts)) return 'BAD_ACCOUNT';
  if (o.side !== 0 && o.side !== 1) return 'BAD_SIDE';
  if (!isPositiveSafeInteger(o.price)) return 'BAD_PRICE';
  if (!isPositiveSafeInteger(o.size)) return 'BAD_SIZE';
  const tif = o.timeInForce;
  if (tif !== undefined && tif !== GTC && tif !== GTT) return 'BAD_TIME_IN_FORCE';
  if (tif === GTT && !isNonNegativeSafeInteger(o.expiryTs)) return 'BAD_EXPIRY';
  if (o.postOnly !== undefined && typeof o.postOnly !== 'boolean') return 'BAD_FLAG';
  if (o.reduceOnly !== undefined && typeof o.reduceOnly !== 'boolean') return 'BAD_FLAG';
  const c = o.clientId;
  if (c !== undefined && c !== NO_CLIENT_ID && !isNonNegativeSafeInteger(c)) return 'BAD_CLIENT_ID';
  return 'OK';
}

/** Validates BookOptions with a precise RangeError per bad field (piscina style). */
export function resolveOptions(
  opts: { maxOrders?: number; maxAccounts?: number; initialCapacity?: number },
  defaults: { maxOrders: number; maxAccounts: number; ceiling: number },
): { maxOrders: number; maxAccounts: number; initialCapacity: number } {
  const maxOrders = opts.maxOrders ?? defaults.maxOrders;
  if (!Number.isInteger(maxOrders) || maxOrders < 1 || maxOrders > defaults.ceiling) {
    throw new RangeError(`maxOrders must be an integer in [1, ${defaults.ceiling}], got ${maxOrders}`);
  }
  const maxAccounts = opts.maxAccounts ?? defaults.maxAccounts;
  if (!Number.isInteger(maxAccounts) || maxAccounts < 1 || maxAccounts > defaults.ceiling) {
    throw new RangeError(`maxAccounts must be an integer in [1, ${defaults.ceiling}], got ${maxAccounts}`);
  }
  const initialCapacity = opts.initialCapacity ?? Math.min(maxOrders, 1024);
  if (!Number.isInteger(initialCapacity) || initialCapacity < 1 || initialCapacity > maxOrders) {
    throw new RangeError(`initialCapacity must be an integer in [1, maxOrders], got ${initialCapacity}`);
  }
  return { maxOrders, maxAccounts, initialCapacity };
}
