/**
 * Slack of complex accounts: lets the tick skip the exact check of a
 * complex account (several cross positions, see thresholds.ts) while the
 * marks, maintenance ratios and funding indices of its markets have not
 * moved far enough since its last check to bring it near its warning line.
 *
 * Derivation. With its positions and collateral fixed, a cross-margin
 * account's maintenance equity and requirement are, per market i (base b_i,
 * mark p_i, maintenance ratio r_i in E6, funding index f_i of its side):
 *   E = K + Σ b_i·(p_i − f_i)/1e9
 *   M = Σ |b_i|·p_i·r_i/1e15
 * It is near (warning) when E < M·(1 + w) — w the widest warning buffer of
 * its cross markets — and below maintenance only when near (up to rounding,
 * covered by the slack's margin). From the values at its last check (⁰),
 * D = E − M·(1 + w) falls by at most
 *   Σ |b_i|/1e9 · ( |p_i − p_i⁰|·(1 + r_i·(1 + w)/1e6)
 *                 + p_i⁰·|r_i − r_i⁰|·(1 + w)/1e6 + |f_i − f_i⁰| )
 * so while that stays below S = D⁰ − margin the account is still neither
 * near nor below. A healthy, unwarned account out of liquidation that is
 * neither near nor below changes nothing when checked (settleWatch), so
 * skipping it is exact.
 *
 * An entry is valid only for the state it was computed on:
 *   - refreshAccount (run for every account a command changed) drops it;
 *   - the epoch moves when any market's margin parameters change or the
 *     market list grows, dropping all;
 *   - accounts with isolated positions, collateral other than USDC (priced
 *     by the oracle) or portfolio margin never get one.
 * Entries live in slots given to the accounts that ever got one (complex
 * accounts), so the cache's size follows their number, not the account count.
 * Derived, not state: not hashed, not snapshotted, dropped on rebuild.
 */
import { BASE_PRECISION, RATIO_PRECISION } from '../../vamm/precision.ts';
import type { EngineState } from '../state.ts';
import { type Health, maintenanceRatioFor } from './health.ts';

/** Floats kept per account and market: base, mark, maintenance ratio (E6), side funding index. */
const PER_MARKET = 4;
/** Parameters of a market the entries depend on (compared each pass; a change drops every entry). */
const SIG = 2;

export class SlackCache {
  /** Bumped whenever every entry must go; an entry is valid while its epoch equals this. */
  epoch = 1;
  /** Markets the rows were laid out for. */
  markets = 0;
  /** Per account: its slot + 1 (0: none yet). */
  slotOf = new Int32Array(0);
  /** Slots in use. */
  slots = 0;
  /** Per slot: epoch of its entry (0 = none). */
  at = new Float64Array(0);
  /** Per slot: S (quote units) and 1 + w. */
  slack = new Float64Array(0);
  buffer = new Float64Array(0);
  /** Per slot × market × PER_MARKET: the values at the check (base 0: no position). */
  rows = new Float64Array(0);
  /** Per market: the parameters the current epoch was computed with. */
  sig = new Float64Array(0);

  /** Drop the account's entry (its state changed). */
  drop(account: number): void {
    if (account < this.slotOf.length) {
      const k = this.slotOf[account];
      if (k !== 0) this.at[k - 1] = 0;
    }
  }

  /** Drop every entry. */
  clear(): void {
    this.epoch++;
  }
}

/** Bring the epoch up to date with the market list and the markets' parameters (run before each pass). */
export function syncSlack(s: EngineState): void {
  const c = s.slack;
  const markets = s.markets;
  const n = markets.length;
  if (c.markets !== n) {
    c.markets = n;
    c.rows = new Float64Array(c.at.length * n * PER_MARKET);
    c.sig = new Float64Array(n * SIG);
    c.epoch++;
  }
  const sig = c.sig;
  for (let i = 0; i < n; i++) {
    const p = markets[i].params;
    const o = i * SIG;
    if (sig[o] !== p.warningBufferE6 || sig[o + 1] !== p.imfFactorE6) {
      sig[o] = p.warningBufferE6;
      sig[o + 1] = p.imfFactorE6;
      c.epoch++;
    }
  }
}

/** True when the account's entry proves it is still neither near its warning line nor below maintenance. */
export function provablySafe(s: EngineState, a: number): boolean {
  const c = s.slack;
  if (a >= c.slotOf.length) return false;
  const k = c.slotOf[a] - 1;
  if (k < 0 || c.at[k] !== c.epoch) return false;
  const markets = s.markets;
  const n = c.markets;
  const rows = c.rows;
  const onePlusW = c.buffer[k];
  let o = k * n * PER_MARKET;
  let drift = 0;
  for (let i = 0; i < n; i++, o += PER_MARKET) {
    const b = rows[o];
    if (b === 0) continue;
    const m = markets[i];
    const abs = Math.abs(b);
    const r =
      m.maintenanceRatioE6 === rows[o + 2] && m.params.imfFactorE6 === 0 ? rows[o + 2] : maintenanceRatioFor(m, abs);
    const f = b > 0 ? m.cumFundingLong : m.cumFundingShort;
    drift +=
      (abs / BASE_PRECISION) *
      (Math.abs(m.markPrice - rows[o + 1]) * (1 + (r / RATIO_PRECISION) * onePlusW) +
        (rows[o + 1] * Math.abs(r - rows[o + 2]) * onePlusW) / RATIO_PRECISION +
        Math.abs(f - rows[o + 3]));
  }
  return drift * (1 + 1e-9) < c.slack[k];
}

/**
 * Record the slack of a cross-margin account just checked healthy, unwarned
 * and out of liquidation, from its cross health `h` at the current marks.
 * Accounts the derivation does not cover get no entry.
 */
export function recordSlack(s: EngineState, a: number, h: Health): void {
  const acc = s.accounts;
  if (acc.portfolio[a] === 1 || acc.warned[a] !== 0 || acc.liquidationSince[a] !== 0) return;
  const balances = acc.balances;
  for (let i = 1; i < balances.length; i++) if (balances[i][a] !== 0) return;
  const c = s.slack;
  const markets = s.markets;
  const n = markets.length;
  if (c.markets !== n) return; // syncSlack runs first in every pass; a new market waits for it
  let buffer = 0;
  for (let i = 0; i < n; i++) {
    const pos = markets[i].positions;
    if (pos.isolated[a] === 1) return;
    if (pos.base[a] !== 0) buffer = Math.max(buffer, markets[i].params.warningBufferE6);
  }
  const onePlusW = 1 + buffer / RATIO_PRECISION;
  const e = h.equityMaintenance;
  const req = h.maintenanceRequirement;
  // Rounding of the exact checks (floor/ceil: 2 units) and float error of both computations.
  const margin = 4 + 1e-9 * (Math.abs(e) + 2 * req + h.notional);
  const slack = e - req * onePlusW - margin;
  if (!(slack > 0)) return;
  const k = slotFor(c, a);
  const rows = c.rows;
  let o = k * n * PER_MARKET;
  for (let i = 0; i < n; i++, o += PER_MARKET) {
    const m = markets[i];
    const b = m.positions.base[a];
    rows[o] = b;
    if (b === 0) continue;
    rows[o + 1] = m.markPrice;
    rows[o + 2] = maintenanceRatioFor(m, Math.abs(b));
    rows[o + 3] = b > 0 ? m.cumFundingLong : m.cumFundingShort;
  }
  c.slack[k] = slack;
  c.buffer[k] = onePlusW;
  c.at[k] = c.epoch;
}

/** The account's slot, given one (and room for it) if it has none. */
function slotFor(c: SlackCache, a: number): number {
  if (a >= c.slotOf.length) {
    const slotOf = new Int32Array(Math.max(a + 1, c.slotOf.length * 2, 64));
    slotOf.set(c.slotOf);
    c.slotOf = slotOf;
  }
  const k = c.slotOf[a] - 1;
  if (k >= 0) return k;
  const slot = c.slots++;
  c.slotOf[a] = slot + 1;
  if (slot >= c.at.length) {
    const size = Math.max(64, c.at.length * 2);
    const at = new Float64Array(size);
    at.set(c.at);
    const slack = new Float64Array(size);
    slack.set(c.slack);
    const buffer = new Float64Array(size);
    buffer.set(c.buffer);
    const rows = new Float64Array(size * c.markets * PER_MARKET);
    rows.set(c.rows);
    c.at = at;
    c.slack = slack;
    c.buffer = buffer;
    c.rows = rows;
  }
  return slot;
}
