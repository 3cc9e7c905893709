/**
 * The tick announces every flip of a portfolio account's requirement
 * source: `portfolioFallback {active: true, reason}` when it falls back to
 * cross margin (no charge, a stale one, or one over another scenario set),
 * `{active: false, reason: null}` when a charge is in force again. What was
 * announced last is state (accounts.portfolioFallback), so replay and
 * restore announce the same flips; accounts go by id. A flipped account's
 * requirement changed without any mark moving: it is checked exactly in
 * this tick's first pass.
 */
import type { EngineState } from '../state.ts';
import { fallbackOf } from './requirement.ts';
import { portfolioAccounts } from './state.ts';

export function announceFallbacks(s: EngineState): void {
  if (s.portfolio.accounts.size === 0) return;
  const flag = s.accounts.portfolioFallback;
  for (const a of portfolioAccounts(s)) {
    const reason = fallbackOf(s, a);
    const active = reason !== null;
    if (active === (flag[a] === 1)) continue;
    s.undo.at(flag, a, active ? 1 : 0);
    s.events.push({ type: 'portfolioFallback', account: a, active, reason });
    s.recheckAccounts.add(a);
  }
}
