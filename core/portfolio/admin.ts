/**
 * `setPortfolioParams {floorE6?, maxChargeAgeMs?, initialMultiplierE6?}`:
 * the admin command that changes the engine's portfolio-margin parameters.
 * Fields left out keep their values; the result is validated as a whole
 * (params.ts). Requirements follow at once; the next tick announces any
 * account whose source flipped (a shorter maximum age can age charges out).
 */
import type { SetPortfolioParams } from '../commands.ts';
import { type Rejection, reject } from '../errors.ts';
import type { EngineState } from '../state.ts';
import { PORTFOLIO_PARAM_NAMES, resolvePortfolioParams } from './params.ts';

export function setPortfolioParams(s: EngineState, cmd: SetPortfolioParams): Rejection | null {
  const changes: Record<string, unknown> = {};
  for (const name of PORTFOLIO_PARAM_NAMES) if (cmd[name] !== undefined) changes[name] = cmd[name];
  for (const key of Object.keys(cmd)) {
    if (key !== 'type' && key !== 'auth' && !(PORTFOLIO_PARAM_NAMES as readonly string[]).includes(key)) {
      return reject('INVALID_PARAMS', `unknown portfolio parameter ${key}`);
    }
  }
  const params = resolvePortfolioParams(s.portfolio.params, changes);
  if (typeof params === 'string') return reject('INVALID_PARAMS', params);
  s.undo.set(s.portfolio, 'params', params);
  for (const a of s.portfolio.accounts) s.recheckAccounts.add(a);
  s.events.push({ type: 'portfolioParamsSet', ...params });
  return null;
}
