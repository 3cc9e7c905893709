/**
 * The portfolio-margin commands at their boundaries: every rejection has its
 * stable code and changes nothing (the helpers check the state hash), and
 * every limit is tested under, at and over.
 */
import { describe, expect, it } from 'vitest';
import type { Command } from '../../core/commands.ts';
import { crossHealth, isolatedHealth } from '../../core/margin/health.ts';
import { MAX_CHARGE_AGE_MS, MAX_INITIAL_MULTIPLIER_E6 } from '../../core/portfolio/params.ts';
import { MAX_GRID_SCENARIOS, scenarioSetCommand } from '../../core/portfolio/scenario-command.ts';
import { MAX_CHARGES_PER_COMMAND } from '../../core/portfolio/validate.ts';
import { oneEvent } from '../margin/helpers.ts';
import {
  correlatedSet,
  E6,
  installSet,
  portfolioMode,
  portfolioViolations,
  twoMarkets,
  UNIT,
  USD,
  volatileSet,
} from './helpers.ts';

const setCmd = (version = 1) => scenarioSetCommand(correlatedSet(version));

describe('setAccountMarginMode', () => {
  it('switches an account without positions either way, and a repeat is a no-op', () => {
    const sc = twoMarkets();
    const a = sc.account(100);
    const ev = sc.ok({ type: 'setAccountMarginMode', account: a, mode: 'portfolio' });
    expect(oneEvent(ev, 'accountMarginModeSet')).toEqual({
      type: 'accountMarginModeSet',
      account: a,
      mode: 'portfolio',
    });
    expect(sc.ok({ type: 'setAccountMarginMode', account: a, mode: 'portfolio' })).toEqual([]);
    sc.ok({ type: 'setAccountMarginMode', account: a, mode: 'cross' });
    expect(sc.e.accounts.portfolio[a]).toBe(0);
    expect(Number.isNaN(sc.e.accounts.portfolioCharge[a])).toBe(true);
    expect(portfolioViolations(sc.e)).toEqual([]);
  });

  it('refuses bad shapes and unknown accounts', () => {
    const sc = twoMarkets();
    const a = sc.account(100);
    sc.rejects({ type: 'setAccountMarginMode', account: a, mode: 'isolated' }, 'BAD_COMMAND');
    sc.rejects({ type: 'setAccountMarginMode', account: a }, 'BAD_COMMAND');
    sc.rejects({ type: 'setAccountMarginMode', account: -1, mode: 'cross' }, 'BAD_COMMAND');
    sc.rejects({ type: 'setAccountMarginMode', account: a + 1, mode: 'portfolio' }, 'UNKNOWN_ACCOUNT');
  });

  it('switches with positions only when the account meets initial margin in the new mode', () => {
    const sc = twoMarkets();
    installSet(sc, volatileSet());
    const a = sc.account(130);
    sc.order(a, 0, 'buy', 10 * UNIT); // cross IM $100; portfolio IM 1.25 × $150
    sc.rejects({ type: 'setAccountMarginMode', account: a, mode: 'portfolio' }, 'MODE_SWITCH_MARGIN');
    sc.ok({ type: 'deposit', account: a, amount: 60 * USD });
    sc.ok({ type: 'setAccountMarginMode', account: a, mode: 'portfolio' });
    // It starts on its exact charge at once.
    expect(sc.e.accounts.portfolioCharge[a] / USD).toBeCloseTo(150, 3);
    expect(sc.e.accounts.portfolioChargeTs[a]).toBe(sc.ts);
  });

  it('refuses going back to cross when the hedge would not meet cross initial margin', () => {
    const sc = twoMarkets();
    installSet(sc, correlatedSet());
    const a = sc.account(120);
    portfolioMode(sc, a);
    sc.order(a, 0, 'buy', 10 * UNIT);
    sc.order(a, 1, 'sell', 10 * UNIT);
    sc.rejects({ type: 'setAccountMarginMode', account: a, mode: 'cross' }, 'MODE_SWITCH_MARGIN');
    sc.ok({ type: 'deposit', account: a, amount: 81 * USD });
    sc.ok({ type: 'setAccountMarginMode', account: a, mode: 'cross' });
    expect(crossHealth(sc.e, a).initialRequirement).toBe(200 * USD);
  });

  it('is refused in liquidation', () => {
    const sc = twoMarkets();
    installSet(sc, volatileSet());
    const a = sc.account(110);
    sc.order(a, 0, 'buy', 10 * UNIT);
    sc.at(1_000).oracle(0, 90 * 1_000_000); // −$100: equity $10 < MM $56.25
    sc.tick();
    expect(sc.e.accounts.liquidationSince[a]).not.toBe(0);
    sc.rejects({ type: 'setAccountMarginMode', account: a, mode: 'portfolio' }, 'IN_LIQUIDATION');
  });

  it('leaves isolated positions isolated: their health and the portfolio row ignore each other', () => {
    const sc = twoMarkets();
    installSet(sc, correlatedSet());
    const a = sc.account(500);
    sc.ok({ type: 'setMarginMode', account: a, market: 1, isolated: true });
    sc.ok({ type: 'transferIsolated', account: a, market: 1, amount: 150 * USD });
    sc.order(a, 1, 'sell', 10 * UNIT);
    const iso = isolatedHealth(sc.e.markets[1], a);
    portfolioMode(sc, a);
    expect(sc.e.accounts.portfolioCharge[a]).toBe(0); // the isolated short is not in the row
    sc.order(a, 0, 'buy', 10 * UNIT);
    expect(isolatedHealth(sc.e.markets[1], a)).toEqual(iso);
    expect(sc.e.markets[1].positions.isolated[a]).toBe(1);
  });
});

describe('scenarioSet', () => {
  it('installs a set, with an event, and then only higher versions', () => {
    const sc = twoMarkets();
    const ev = sc.ok(setCmd(3));
    expect(oneEvent(ev, 'scenarioSetInstalled')).toEqual({
      type: 'scenarioSetInstalled',
      version: 3,
      markets: 2,
      gridCount: 8,
      historicalCount: 4,
      tailCount: 1,
    });
    sc.rejects(setCmd(3), 'SCENARIO_VERSION');
    sc.rejects(setCmd(2), 'SCENARIO_VERSION');
    sc.ok(setCmd(4));
    expect(sc.e.portfolio.set?.version).toBe(4);
  });

  it('refuses a set that does not cover the engine’s markets', () => {
    const sc = twoMarkets();
    const cmd = setCmd();
    sc.rejects(
      {
        ...cmd,
        markets: 1,
        scenarios: cmd.scenarios.slice(0, 12),
        correlations: [1],
        volatilities: [0.02],
        ranges: [0.06],
      },
      'BAD_SCENARIOS',
    );
    sc.market('C', 100, 1_000);
    sc.rejects(cmd, 'BAD_SCENARIOS');
  });

  it('refuses malformed sets with BAD_SCENARIOS or BAD_COMMAND', () => {
    const sc = twoMarkets();
    const cmd = setCmd();
    const bad: [Record<string, unknown>, string][] = [
      [{ scenarios: cmd.scenarios.slice(1) }, 'BAD_SCENARIOS'],
      [{ scenarios: [...cmd.scenarios.slice(1), Number.NaN] }, 'BAD_SCENARIOS'],
      [{ scenarios: [...cmd.scenarios.slice(1), '0.01'] }, 'BAD_SCENARIOS'],
      [{ scenarios: [-1, ...cmd.scenarios.slice(1)] }, 'BAD_SCENARIOS'], // a return of −100%
      [{ weights: [1.5, ...cmd.weights.slice(1)] }, 'BAD_SCENARIOS'],
      [{ tailCount: 5 }, 'BAD_SCENARIOS'],
      [{ tailCount: 0 }, 'BAD_SCENARIOS'],
      [{ gridCount: MAX_GRID_SCENARIOS + 1 }, 'BAD_SCENARIOS'],
      [{ historicalCount: 1_001 }, 'BAD_SCENARIOS'],
      [{ correlations: [1, 0, 0] }, 'BAD_SCENARIOS'],
      [{ measure: 'cvar' }, 'BAD_COMMAND'],
      [{ version: -1 }, 'BAD_COMMAND'],
      [{ version: 1.5 }, 'BAD_COMMAND'],
      [{ weights: 'x' }, 'BAD_COMMAND'],
    ];
    for (const [change, code] of bad) sc.rejects({ ...cmd, ...change }, code as 'BAD_SCENARIOS');
    expect(sc.e.portfolio.set).toBeNull();
  });

  it('stops being in force when a market is created: portfolio accounts fall back', () => {
    const sc = twoMarkets();
    installSet(sc, correlatedSet());
    const a = sc.account(100);
    portfolioMode(sc, a);
    expect(sc.tick()).toEqual([]);
    sc.market('C', 100, 1_000);
    expect(oneEvent(sc.tick(), 'portfolioFallback')).toEqual({
      type: 'portfolioFallback',
      account: a,
      active: true,
      reason: 'SCENARIOS_CHANGED',
    });
  });
});

describe('portfolioMargin', () => {
  function withPortfolioAccounts() {
    const sc = twoMarkets();
    installSet(sc, correlatedSet());
    const a = sc.account(1_000);
    const b = sc.account(1_000);
    const c = sc.account(1_000); // stays cross
    portfolioMode(sc, a);
    portfolioMode(sc, b);
    return { sc, a, b, c };
  }

  it('applies charges where the row has not changed since seqUsed, and says how many', () => {
    const { sc, a, b, c } = withPortfolioAccounts();
    const seqUsed = sc.e.seq;
    sc.at(100);
    sc.order(b, 0, 'buy', UNIT); // b's row changes after the snapshot
    const ev = sc.ok({
      type: 'portfolioMargin',
      version: 1,
      seqUsed,
      tsUsed: sc.ts - 100,
      accounts: [a, b, c],
      charges: [7 * USD, 8 * USD, 9 * USD],
    });
    expect(oneEvent(ev, 'portfolioCharges')).toMatchObject({ applied: 1, skipped: 2 });
    expect(sc.e.accounts.portfolioCharge[a]).toBe(7 * USD);
    expect(sc.e.accounts.portfolioChargeTs[a]).toBe(sc.ts - 100);
    expect(sc.e.accounts.portfolioCharge[b]).not.toBe(8 * USD);
    expect(Number.isNaN(sc.e.accounts.portfolioCharge[c])).toBe(true);
    expect(portfolioViolations(sc.e)).toEqual([]);
  });

  it('never replaces a fresher charge over the same set', () => {
    const { sc, a } = withPortfolioAccounts();
    sc.at(1_000);
    const seqUsed = sc.e.seq;
    sc.ok({ type: 'withdraw', account: a, amount: 1 }); // stamps nothing: the charge is in force
    sc.ok({ type: 'portfolioMargin', version: 1, seqUsed, tsUsed: sc.ts, accounts: [a], charges: [5] });
    const ev = sc.ok({ type: 'portfolioMargin', version: 1, seqUsed, tsUsed: sc.ts - 1, accounts: [a], charges: [6] });
    expect(oneEvent(ev, 'portfolioCharges')).toMatchObject({ applied: 0, skipped: 1 });
    expect(sc.e.accounts.portfolioCharge[a]).toBe(5);
  });

  it('refuses bad shapes, versions, seqs, times and accounts', () => {
    const { sc, a, b } = withPortfolioAccounts();
    const base = {
      type: 'portfolioMargin',
      version: 1,
      seqUsed: sc.e.seq,
      tsUsed: sc.ts,
      accounts: [a, b],
      charges: [1, 2],
    };
    sc.rejects({ ...base, version: 2 }, 'SCENARIO_VERSION');
    sc.rejects({ ...base, accounts: [b, a] }, 'BAD_COMMAND');
    sc.rejects({ ...base, accounts: [a, a] }, 'BAD_COMMAND');
    sc.rejects({ ...base, accounts: [a] }, 'BAD_COMMAND');
    sc.rejects({ ...base, accounts: [a, -1] }, 'BAD_COMMAND');
    sc.rejects({ ...base, charges: [1, -1] }, 'BAD_AMOUNT');
    sc.rejects({ ...base, charges: [1, 0.5] }, 'BAD_AMOUNT');
    sc.rejects({ ...base, charges: [1, Number.MAX_SAFE_INTEGER + 1] }, 'BAD_AMOUNT');
    sc.rejects({ ...base, accounts: [a, 99] }, 'UNKNOWN_ACCOUNT');
    sc.rejects({ ...base, seqUsed: sc.e.seq + 1 }, 'BAD_COMMAND'); // the command's own seq: not before it
    sc.rejects({ ...base, tsUsed: sc.ts + 1 }, 'BAD_COMMAND');
    sc.rejects({ ...base, tsUsed: -1 }, 'BAD_COMMAND');
    sc.ok({ ...base, seqUsed: sc.e.seq }); // the last command applied: the latest allowed
    sc.ok({ ...base, accounts: [], charges: [] });
  });

  it('bounds the accounts one command carries', () => {
    const { sc } = withPortfolioAccounts();
    const n = MAX_CHARGES_PER_COMMAND + 1;
    const accounts = Array.from({ length: n }, (_, i) => i);
    sc.rejects(
      { type: 'portfolioMargin', version: 1, seqUsed: 1, tsUsed: 0, accounts, charges: new Array(n).fill(0) },
      'BAD_COMMAND',
    );
  });

  it('is refused without a set in force', () => {
    const sc = twoMarkets();
    sc.rejects(
      { type: 'portfolioMargin', version: 0, seqUsed: 1, tsUsed: 0, accounts: [], charges: [] },
      'SCENARIO_VERSION',
    );
  });
});

describe('setPortfolioParams', () => {
  const ok = (change: Record<string, unknown>) => {
    const sc = twoMarkets();
    return sc.ok({ type: 'setPortfolioParams', ...change });
  };
  const bad = (change: Record<string, unknown>) => {
    const sc = twoMarkets();
    sc.rejects({ type: 'setPortfolioParams', ...change }, 'INVALID_PARAMS');
  };

  it('accepts every limit and refuses one past it', () => {
    for (const v of [0, E6]) ok({ floorE6: v });
    for (const v of [-1, E6 + 1, 0.5, '1']) bad({ floorE6: v });
    for (const v of [1, MAX_CHARGE_AGE_MS]) ok({ maxChargeAgeMs: v });
    for (const v of [0, MAX_CHARGE_AGE_MS + 1]) bad({ maxChargeAgeMs: v });
    for (const v of [E6, MAX_INITIAL_MULTIPLIER_E6]) ok({ initialMultiplierE6: v });
    for (const v of [E6 - 1, MAX_INITIAL_MULTIPLIER_E6 + 1]) bad({ initialMultiplierE6: v });
    bad({ noSuchParam: 1 });
    bad({ constructor: 1 });
  });

  it('keeps fields left out and announces the result', () => {
    const sc = twoMarkets();
    const ev = sc.ok({ type: 'setPortfolioParams', floorE6: 200_000 } as Command);
    expect(oneEvent(ev, 'portfolioParamsSet')).toEqual({
      type: 'portfolioParamsSet',
      floorE6: 200_000,
      maxChargeAgeMs: 15_000,
      initialMultiplierE6: 1_250_000,
    });
    expect(sc.e.portfolio.params.floorE6).toBe(200_000);
  });
});
