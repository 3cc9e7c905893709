/**
 * Shape checks for the portfolio-margin commands (validate.ts calls these):
 * field types and sizes, before anything is applied or copied. Values that
 * depend on state (versions, accounts, seqs) are checked when applied.
 */
import type { PortfolioMarginCommand, ScenarioSetCommand, SetAccountMarginMode } from '../commands.ts';
import { type Rejection, reject } from '../errors.ts';

/** Most accounts one portfolioMargin command may carry. */
export const MAX_CHARGES_PER_COMMAND = 1 << 20;

function isSafeNonNegative(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

export function checkSetAccountMarginMode(x: SetAccountMarginMode): Rejection | null {
  return x.mode === 'cross' || x.mode === 'portfolio'
    ? null
    : reject('BAD_COMMAND', "mode must be 'cross' or 'portfolio'");
}

export function checkScenarioSetShape(x: ScenarioSetCommand): Rejection | null {
  for (const f of ['version', 'markets', 'gridCount', 'historicalCount', 'tailCount'] as const) {
    if (!isSafeNonNegative(x[f])) return reject('BAD_COMMAND', `${f} must be a non-negative integer`);
  }
  if (x.measure !== 'es' && x.measure !== 'var') return reject('BAD_COMMAND', "measure must be 'es' or 'var'");
  for (const f of ['scenarios', 'weights', 'volatilities', 'correlations', 'ranges'] as const) {
    if (!Array.isArray(x[f])) return reject('BAD_COMMAND', `${f} must be an array of numbers`);
  }
  return null;
}

export function checkPortfolioMarginShape(x: PortfolioMarginCommand): Rejection | null {
  for (const f of ['version', 'seqUsed', 'tsUsed'] as const) {
    if (!isSafeNonNegative(x[f])) return reject('BAD_COMMAND', `${f} must be a non-negative integer`);
  }
  const { accounts, charges } = x;
  if (!Array.isArray(accounts) || !Array.isArray(charges) || accounts.length !== charges.length) {
    return reject('BAD_COMMAND', 'accounts and charges must be arrays of the same length');
  }
  if (accounts.length > MAX_CHARGES_PER_COMMAND) {
    return reject('BAD_COMMAND', `at most ${MAX_CHARGES_PER_COMMAND} accounts per command`);
  }
  for (let i = 0; i < accounts.length; i++) {
    const a = accounts[i];
    if (!isSafeNonNegative(a)) return reject('BAD_COMMAND', `accounts[${i}] must be a non-negative integer`);
    if (i > 0 && !(a > accounts[i - 1])) return reject('BAD_COMMAND', 'accounts must be strictly increasing');
    if (!isSafeNonNegative(charges[i])) return reject('BAD_AMOUNT', `charges[${i}] must be a non-negative integer`);
  }
  return null;
}
