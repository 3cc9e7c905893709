/**
 * `portfolioMargin {version, seqUsed, tsUsed, accounts[], charges[]}`: the
 * pool's charges, as a journaled command (the runner submits it; replay
 * applies it without a pool). They priced the positions as of command
 * `seqUsed` at time `tsUsed`, over scenario set `version`, which must be the
 * set in force. A charge is applied to an account only when
 *   - the account is in portfolio mode,
 *   - its row has not changed since (positionSeq ≤ seqUsed), and
 *   - it holds no fresher charge over the same set (stamped after tsUsed,
 *     e.g. by the hot loop's exact check);
 * the others are skipped and keep what they hold. A charge that rose (or
 * replaced one not in force) gets its account checked exactly next tick.
 */
import type { PortfolioMarginCommand } from '../commands.ts';
import { type Rejection, reject } from '../errors.ts';
import type { EngineState } from '../state.ts';
import { fallbackOf } from './requirement.ts';
import { storeCharge } from './row.ts';
import { setInForce } from './state.ts';

export function applyPortfolioCharges(s: EngineState, cmd: PortfolioMarginCommand): Rejection | null {
  const set = setInForce(s);
  if (set === null || set.version !== cmd.version) {
    return reject(
      'SCENARIO_VERSION',
      `charges over set ${cmd.version}, in force ${set === null ? 'none' : set.version}`,
    );
  }
  if (cmd.seqUsed >= s.seq) return reject('BAD_COMMAND', `seqUsed ${cmd.seqUsed} is not before this command`);
  if (cmd.tsUsed > s.lastTs) return reject('BAD_COMMAND', `tsUsed ${cmd.tsUsed} is in the future`);
  const n = cmd.accounts.length;
  if (n > 0 && !s.accounts.exists(cmd.accounts[n - 1])) {
    return reject('UNKNOWN_ACCOUNT', `account ${cmd.accounts[n - 1]}`); // increasing: the last is the largest
  }
  const acc = s.accounts;
  let applied = 0;
  for (let i = 0; i < n; i++) {
    const a = cmd.accounts[i];
    if (acc.portfolio[a] !== 1 || acc.positionSeq[a] > cmd.seqUsed) continue;
    const held = acc.portfolioCharge[a];
    if (!Number.isNaN(held) && acc.portfolioChargeVersion[a] === cmd.version && acc.portfolioChargeTs[a] > cmd.tsUsed) {
      continue;
    }
    const charge = cmd.charges[i];
    if (fallbackOf(s, a) !== null || charge > held) s.recheckAccounts.add(a);
    storeCharge(s, a, charge, cmd.tsUsed, cmd.version);
    applied++;
  }
  s.events.push({
    type: 'portfolioCharges',
    version: cmd.version,
    seqUsed: cmd.seqUsed,
    tsUsed: cmd.tsUsed,
    applied,
    skipped: n - applied,
  });
  return null;
}
