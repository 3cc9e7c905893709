/**
 * What must hold after a command of the margin streams (stream.ts), by
 * category: `restore` after a command that liquidated, `maintenance` after
 * every tick. Each check returns its failures as messages; the World counts
 * them, or throws the first when the property enables that category.
 */
import type { Command } from '../../core/commands.ts';
import type { Engine } from '../../core/engine.ts';
import type { Event } from '../../core/events.ts';
import {
  bandLimited,
  eventsOf,
  MAX_BACKSTOP_STEPS,
  maxFillLimited,
  minWindowTicks,
  type NaiveUnit,
  naiveDistressed,
  oracleStaleForMargin,
  restoreTarget,
  show,
  unitHealth,
  unitMarkets,
} from './helpers.ts';

/**
 * How close to maintenance + buffer a liquidation must land: 5 units, or 1% of the buffer when
 * that is more. Closing moves the curve and the mark (and, for cross accounts, other markets
 * move with other liquidations), so the target is met to within a small share of the cushion.
 */
const RESTORE_TOLERANCE = 5;
const RESTORE_TOLERANCE_SHARE_OF_BUFFER = 0.01;

/** How the marks moved during the command (`before`: the marks when it started), for messages. */
export function markMoves(e: Engine, before: readonly number[]): string {
  const moved = e.markets.filter((m) => m.markPrice !== before[m.id]);
  if (moved.length === 0) return 'no mark moved during the command';
  return `marks moved during the command: ${moved.map((m) => `market ${m.id} ${before[m.id]} → ${m.markPrice}`).join(', ')}`;
}

/** Did another account's liquidation, after this account's last one, hit a market this account holds? */
function movedAfterByOthers(e: Engine, events: readonly Event[], account: number): boolean {
  let last = -1;
  events.forEach((x, i) => {
    if (x.type === 'liquidation' && x.account === account) last = i;
  });
  return events.some(
    (x, i) =>
      i > last &&
      x.type === 'liquidation' &&
      x.account !== account &&
      e.markets[x.market].positions.base[account] !== 0,
  );
}

/**
 * restore: every unit the command liquidated ends it at maintenance + buffer
 * (within the tolerance), or closed, or with a reason the backstop or the
 * liquidator was held back.
 */
export function restoreFailures(
  e: Engine,
  cmd: Command,
  events: readonly Event[],
  ts: number,
  marksBefore: readonly number[],
): string[] {
  const out: string[] = [];
  const limited = cmd.type === 'tick' ? maxFillLimited(e, events) : new Set<string>();
  const byUnit = new Map<string, { account: number; market: number; base: number; steps: number }>();
  for (const ev of eventsOf(events, 'liquidation')) {
    const key = `${ev.account}:${ev.market}`;
    const u = byUnit.get(key) ?? { account: ev.account, market: ev.market, base: 0, steps: 0 };
    u.base += ev.base;
    u.steps++;
    byUnit.set(key, u);
  }
  for (const [key, u] of byUnit) {
    const m = e.markets[u.market];
    if (m.positions.base[u.account] === 0) continue; // closed
    const h = unitHealth(e, u.account, u.market);
    const target = restoreTarget(h, m.params.liquidationBufferE6);
    const tolerance = Math.max(
      RESTORE_TOLERANCE,
      (target - h.maintenanceRequirement) * RESTORE_TOLERANCE_SHARE_OF_BUFFER,
    );
    if (h.equityMaintenance >= target - tolerance) continue;
    if (cmd.type === 'liquidate' && u.base === cmd.size) continue; // the liquidator took less than needed
    if (limited.has(key)) continue;
    if (cmd.type === 'tick' && (oracleStaleForMargin(m, ts) || bandLimited(m, m.positions.base[u.account]))) continue;
    // Restored at its own liquidation, then moved by later liquidations of others in the same
    // tick (they move the curve and so the mark): a market move, not a short liquidation —
    // as long as the account is still above maintenance.
    if (
      cmd.type === 'tick' &&
      h.equityMaintenance >= h.maintenanceRequirement &&
      movedAfterByOthers(e, events, u.account)
    )
      continue;
    out.push(
      `account ${u.account} market ${u.market}: ${u.steps} liquidation step(s) of ${u.base} base leave equity ${h.equityMaintenance} ` +
        `< maintenance ${h.maintenanceRequirement} + buffer = ${target} (short by ${target - h.equityMaintenance}); ` +
        `${h.equityMaintenance < h.maintenanceRequirement ? 'still BELOW maintenance' : 'above maintenance'}` +
        `${u.steps === MAX_BACKSTOP_STEPS ? ' (backstop step limit)' : ''}; ${markMoves(e, marksBefore)}\n` +
        `events: ${show(events.filter((x) => 'account' in x && x.account === u.account))}`,
    );
  }
  return out;
}

/**
 * maintenance: after a tick no account is below maintenance, unless (outside
 * a strict stream) it is in liquidation inside its liquidator window or its
 * backstop was held back by the max fill, a stale oracle or the price band.
 */
export function maintenanceFailures(
  e: Engine,
  events: readonly Event[],
  ts: number,
  strict: boolean,
  marksBefore: readonly number[],
): string[] {
  const out: string[] = [];
  const limited = maxFillLimited(e, events);
  for (let a = 0; a < e.accounts.count; a++) {
    const units = naiveDistressed(e, a);
    if (units.length === 0) continue;
    if (!strict && excused(e, a, units, limited, ts)) continue;
    out.push(
      `account ${a} is below maintenance after the tick: ${show(units.map((u) => ({ market: u.market, equity: u.health.equityMaintenance, maintenance: u.health.maintenanceRequirement })))}; ` +
        `liquidationSince ${e.accounts.liquidationSince[a]}, tick ${e.tickCount}; positions ${show(e.markets.map((m) => [m.positions.base[a], m.positions.pnl[a], m.positions.isolated[a]]))}; ` +
        `${markMoves(e, marksBefore)}\n` +
        `its events this tick: ${show(events.filter((x) => 'account' in x && x.account === a))}`,
    );
  }
  return out;
}

function excused(e: Engine, a: number, units: NaiveUnit[], limited: Set<string>, ts: number): boolean {
  const since = e.accounts.liquidationSince[a];
  if (since !== 0 && e.tickCount - since < minWindowTicks(e, a)) return true;
  for (const u of units) {
    for (const m of unitMarkets(e, u)) {
      if (oracleStaleForMargin(m, ts)) return true;
      if (limited.has(`${a}:${m.id}`)) return true;
      // The backstop stops at the edge of the price band around the oracle (price protection).
      if (bandLimited(m, m.positions.base[a])) return true;
    }
  }
  return false;
}
