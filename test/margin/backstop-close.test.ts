/**
 * The backstop's close (core/liquidation.ts backstopClose) computes the
 * unit's settlement and penalty in locals and writes its PnL and collateral
 * once each. Checked here against the plain sequence it replaces — a fill
 * (applyFill), settlePnl, then the penalty taken from the collateral as far
 * as it reaches — on twin engines built by the same random commands: cross
 * and isolated positions, long and short, funding pending, PnL pools that
 * can and cannot pay a profit, collateral that can and cannot pay a loss,
 * partial and whole closes. Same return, same events, same state hash; and
 * a rollback to a mark taken before the close restores the state exactly.
 * Reproduce a failure with FC_SEED=<seed>.
 */
import { describe, expect, it } from 'vitest';
import { classicEvents } from '../../core/classic-events.ts';
import type { Command } from '../../core/commands.ts';
import { Engine } from '../../core/engine.ts';
import { backstopClose, resolveBankruptcy } from '../../core/liquidation.ts';
import { refreshMark } from '../../core/mark.ts';
import { type Market, MF } from '../../core/market.ts';
import { applyFill } from '../../core/position.ts';
import { payingColumn, settleFunding, settlePnl } from '../../core/settle.ts';
import type { EngineState } from '../../core/state.ts';
import { baseToReachPrice, type Direction, swapBase } from '../../vamm/curve.ts';
import { bandLimitPriceE6, maxFillBase } from '../../vamm/guards.ts';
import { BASE_PRECISION, RATIO_PRECISION } from '../../vamm/precision.ts';
import { fcSeed, PRICE, QUIET, Rng, show, UNIT, USD } from './helpers.ts';

const seed = fcSeed();

/** The backstop close as it was written before the fused version: fill, settle, penalty, each through its own writes. */
function referenceClose(s: EngineState, m: Market, account: number, size: number, ts: number): number {
  const u = s.undo;
  const b0 = m.positions.base[account];
  const direction: Direction = b0 > 0 ? 'short' : 'long';
  const edge = bandLimitPriceE6(m.oraclePrice, m.params.priceBandE6, direction);
  const fill = Math.min(
    size,
    Math.abs(b0),
    maxFillBase(m.baseReserve, m.params.maxFillFractionE6),
    baseToReachPrice(m, direction, edge),
  );
  if (fill <= 0) return 0;
  const swap = swapBase(m, direction, fill);
  if (swap === null) return 0;
  settleFunding(s, m, account);
  const sign = direction === 'long' ? 1 : -1;
  u.at(m.f, MF.baseReserve, swap.baseReserve);
  u.at(m.f, MF.quoteReserve, swap.quoteReserve);
  u.at(m.f, MF.ammNetBase, m.ammNetBase - sign * fill);
  applyFill(s, m, account, sign * fill, direction === 'long' ? -swap.quote : swap.quote);
  settlePnl(s, m, account);
  // chargePenalty with no liquidator.
  const col = payingColumn(s, m, account);
  const due = Math.ceil((((fill * m.markPrice) / BASE_PRECISION) * m.params.liquidationPenaltyE6) / RATIO_PRECISION);
  const taken = Math.min(due, col[account]);
  const paid = Math.max(taken, 0);
  if (paid > 0) {
    u.at(col, account, col[account] - paid);
    u.set(s, 'insuranceFund', s.insuranceFund + paid);
  }
  refreshMark(s, m, ts);
  s.touch(account);
  s.events.push({
    type: 'liquidation',
    account,
    market: m.id,
    liquidator: -1,
    side: direction === 'long' ? 'buy' : 'sell',
    base: fill,
    price: Math.round(swap.avgPriceE6),
    penalty: paid,
    liquidatorReward: 0,
    insuranceShare: paid,
  });
  return fill;
}

/** Random commands that leave a few accounts holding cross or isolated positions, with money in the PnL pool or not. */
function worldCommands(r: Rng): { commands: { cmd: Command; ts: number }[]; accounts: number; ts: number } {
  const commands: { cmd: Command; ts: number }[] = [];
  let ts = 1_000;
  const add = (cmd: Command) => commands.push({ cmd, ts });
  const price = Math.round(r.between(20, 5_000) * PRICE);
  const depth = Math.round(r.between(50, 5_000) * UNIT);
  add({
    type: 'createMarket',
    symbol: 'X-PERP',
    initialPrice: price,
    baseReserve: depth,
    params: {
      ...QUIET,
      // The test calls the close itself: the tick must not liquidate anything first.
      liquidatorWindowTicks: 1_000,
      priceBandE6: 1_000_000,
      maxFillFractionE6: r.chance(0.5) ? 500_000 : 20_000,
      oracleMaxJumpE6: 10_000_000,
      liquidationPenaltyE6: r.pick([0, 12_500, 60_000]),
      fundingIntervalMs: 1_000,
    },
  });
  add({ type: 'oracle', market: 0, source: 0, price, confidence: 0, publishTs: ts });
  add({ type: 'insuranceDeposit', amount: r.int(1_000) * USD });
  const accounts = 3 + r.int(6);
  for (let a = 0; a < accounts; a++) {
    add({ type: 'createAccount' });
    const usd = r.between(50, 20_000);
    add({ type: 'deposit', account: a, amount: Math.round(usd * USD) });
    if (r.chance(0.3)) {
      add({ type: 'setMarginMode', account: a, market: 0, isolated: true });
      add({ type: 'transferIsolated', account: a, market: 0, amount: Math.round(usd * r.between(0.2, 1) * USD) });
    }
    // Up to ~9× the deposit in notional, long or short (an order the margin refuses is simply rejected, on both twins).
    const size = Math.max(1, Math.round(((usd * r.between(0.5, 9)) / (price / PRICE)) * UNIT));
    add({ type: 'marketOrder', account: a, market: 0, side: r.chance(0.5) ? 'buy' : 'sell', size });
  }
  // Some accounts close part of their position at once: realised PnL (and money in the pool, or debts) before the backstop.
  for (let a = 0; a < accounts; a++) {
    if (!r.chance(0.3)) continue;
    ts += 1_000;
    add({
      type: 'oracle',
      market: 0,
      source: 0,
      price: Math.round(price * r.between(0.8, 1.2)),
      confidence: 0,
      publishTs: ts,
    });
    add({
      type: 'marketOrder',
      account: a,
      market: 0,
      side: r.chance(0.5) ? 'buy' : 'sell',
      size: Math.round(r.between(0.01, 1) * UNIT),
      reduceOnly: true,
    });
  }
  // A large trader moves the curve (the backstop closes into the curve, not at the oracle): some
  // positions end deep in loss, beyond their collateral, others in profit the pool may not hold.
  add({ type: 'createAccount' });
  add({ type: 'deposit', account: accounts, amount: 100_000_000 * USD });
  const moverSide = r.chance(0.5) ? 'buy' : 'sell';
  for (let i = r.int(12); i > 0; i--) {
    add({ type: 'marketOrder', account: accounts, market: 0, side: moverSide, size: Math.round(depth * 0.019) });
  }
  // Funding accrues and stays pending (settled lazily by the close).
  ts += 5_000;
  add({
    type: 'oracle',
    market: 0,
    source: 0,
    price: Math.round(price * r.between(0.9, 1.1)),
    confidence: 0,
    publishTs: ts,
  });
  if (r.chance(0.7)) add({ type: 'fundingTick', market: 0 });
  // The move the backstop closes into.
  ts += 1_000;
  add({
    type: 'oracle',
    market: 0,
    source: 0,
    price: Math.round(price * r.between(0.6, 1.4)),
    confidence: 0,
    publishTs: ts,
  });
  add({ type: 'tick' });
  return { commands, accounts, ts };
}

function twin(commands: { cmd: Command; ts: number }[]): Engine {
  const e = new Engine();
  for (const { cmd, ts } of commands) e.apply(cmd, ts);
  return e;
}

describe('the backstop close', () => {
  it('ends in the same state, with the same events, as a fill, settlePnl and the penalty written one by one', () => {
    const r = new Rng(seed);
    let closes = 0;
    let profitsPaid = 0;
    let lossesPaid = 0;
    let partial = 0;
    let isolated = 0;
    let exhausted = 0;
    let penaltyCut = 0;
    for (let round = 0; round < 250; round++) {
      const w = worldCommands(r);
      const fused = twin(w.commands);
      const plain = twin(w.commands);
      expect(fused.stateHash()).toBe(plain.stateHash());
      const m = fused.markets[0];
      const mPlain = plain.markets[0];
      for (let k = 0; k < w.accounts * 2; k++) {
        const a = r.int(w.accounts);
        const base = Math.abs(m.positions.base[a]);
        if (base === 0) continue;
        const size = r.chance(0.4) ? base : Math.max(1, Math.round(base * r.between(0.05, 1.2)));
        const ts = w.ts + k;
        const where = `round ${round}, account ${a}, size ${size} (seed ${seed})`;
        // The close writes through the undo log: a rollback to a mark before it restores the state.
        const before = fused.stateHash();
        const mark = fused.undo.mark();
        fused.events = [];
        fused.resetLiquidationRows();
        backstopClose(fused, m, a, size, ts);
        fused.undo.rollback(mark);
        expect(fused.stateHash(), `rollback: ${where}`).toBe(before);

        fused.events = [];
        fused.resetLiquidationRows();
        plain.events = [];
        const pnlBefore = m.positions.pnl[a];
        const closedFused = backstopClose(fused, m, a, size, ts);
        const closedPlain = referenceClose(plain, mPlain, a, size, ts);
        expect(closedFused, where).toBe(closedPlain);
        const fusedEvents = classicEvents(fused.events);
        expect(show(fusedEvents), where).toBe(show(plain.events));
        expect(fused.stateHash(), where).toBe(plain.stateHash());
        expect(fused.validateInvariants(), where).toEqual([]);
        fused.undo.commit();
        plain.undo.commit();
        if (closedFused === 0) continue;
        closes++;
        if (closedFused < base) partial++;
        if (m.positions.isolated[a] === 1) isolated++;
        const liq = fusedEvents.find((x) => x.type === 'liquidation');
        const col = m.positions.isolated[a] === 1 ? m.positions.isolatedCollateral : fused.accounts.collateral;
        if (col[a] === 0 && m.positions.pnl[a] < 0) exhausted++;
        if (liq?.type === 'liquidation' && liq.penalty > 0 && col[a] === 0) penaltyCut++;
        const settled = fusedEvents.find((x) => x.type === 'pnlSettled');
        if (settled?.type === 'pnlSettled' && settled.amount > 0) profitsPaid++;
        if (settled?.type === 'pnlSettled' && settled.amount < 0) lossesPaid++;
        if (pnlBefore !== m.positions.pnl[a] && settled === undefined && m.positions.pnl[a] === 0) {
          throw new Error(`PnL moved without a settlement event: ${where}`);
        }
      }
    }
    console.log(
      `closes ${closes}: partial ${partial}, isolated ${isolated}, profit paid ${profitsPaid}, loss paid ${lossesPaid}, ` +
        `collateral exhausted ${exhausted}, penalty cut to the collateral ${penaltyCut}`,
    );
    // The rounds reach every branch of the settlement and penalty.
    expect(closes).toBeGreaterThan(300);
    expect(partial).toBeGreaterThan(20);
    expect(isolated).toBeGreaterThan(20);
    expect(profitsPaid).toBeGreaterThan(20);
    expect(lossesPaid).toBeGreaterThan(20);
    expect(exhausted).toBeGreaterThan(20);
    expect(penaltyCut).toBeGreaterThan(5);
  });
});

describe('resolveBankruptcy', () => {
  it('reports whether it changed anything: nothing for an open or settled unit, true when it covers a debt', () => {
    const e = new Engine();
    let ts = 1_000;
    const must = (cmd: Command) => {
      const out = e.apply(cmd, ts);
      if (!out.ok) throw new Error(`${cmd.type}: ${out.code} ${out.message}`);
      return out.events;
    };
    must({
      type: 'createMarket',
      symbol: 'X-PERP',
      initialPrice: 100 * PRICE,
      baseReserve: 1_000 * UNIT,
      params: {
        ...QUIET,
        liquidatorWindowTicks: 1_000,
        priceBandE6: 1_000_000,
        maxFillFractionE6: 500_000,
        oracleMaxJumpE6: 10_000_000,
      },
    });
    must({ type: 'oracle', market: 0, source: 0, price: 100 * PRICE, confidence: 0, publishTs: ts });
    must({ type: 'insuranceDeposit', amount: 1_000 * USD });
    must({ type: 'createAccount' });
    must({ type: 'deposit', account: 0, amount: 200 * USD });
    must({ type: 'marketOrder', account: 0, market: 0, side: 'buy', size: 10 * UNIT });
    const m = e.markets[0];
    // An open position is not bankrupt: nothing to do.
    expect(resolveBankruptcy(e, 0, null, m, true)).toBe(false);
    // A large seller takes the curve (and the oracle) to about half: the long loses ~$500 on $200 of
    // collateral when it is closed into the curve. Close it all (no penalty taken: the debt stays).
    must({ type: 'createAccount' });
    must({ type: 'deposit', account: 1, amount: 50_000 * USD });
    must({ type: 'marketOrder', account: 1, market: 0, side: 'sell', size: 420 * UNIT });
    ts += 1_000;
    must({ type: 'oracle', market: 0, source: 0, price: 50 * PRICE, confidence: 0, publishTs: ts });
    e.events = [];
    e.resetLiquidationRows();
    expect(backstopClose(e, m, 0, 10 * UNIT, ts)).toBe(10 * UNIT);
    expect(e.accounts.collateral[0]).toBe(0);
    expect(m.positions.pnl[0]).toBeLessThan(0);
    const fund = e.insuranceFund;
    expect(resolveBankruptcy(e, 0, null, m, true)).toBe(true);
    expect(m.positions.pnl[0]).toBe(0);
    expect(e.insuranceFund).toBeLessThan(fund);
    // Flat, settled, no debt: nothing left to change.
    expect(resolveBankruptcy(e, 0, null, m, true)).toBe(false);
    e.undo.commit();
  });
});
