/**
 * Bad input: every malformed command is rejected with its own stable code and
 * changes nothing (same state hash; see `rejects` in helpers.ts), whatever is
 * wrong with it — its shape, a field's type, an amount that is negative,
 * fractional or outside the safe-integer range, an id that names nothing.
 *
 * Codes, as errors.ts defines them: a command of unknown type or with a field
 * of the wrong type → BAD_COMMAND; an amount that is not a positive safe
 * integer (whatever its type) → BAD_AMOUNT; a price that is not one →
 * BAD_PRICE; a well-formed value whose result would leave the safe range →
 * OUT_OF_RANGE; ids that name nothing → UNKNOWN_MARKET / UNKNOWN_ACCOUNT /
 * UNKNOWN_ASSET / ORACLE_BAD_SOURCE.
 */
import { describe, expect, it } from 'vitest';
import type { ErrorCode } from '../../core/errors.ts';
import { marketFixture, ok, oraclePrice, orderCmd, rejects, T0, UNIT, USD } from './helpers.ts';

const MAX = Number.MAX_SAFE_INTEGER;
const buy = { type: 'marketOrder', account: 0, market: 0, side: 'buy', size: UNIT };
const price = { type: 'oracle', market: 0, source: 0, price: 100_000_000, confidence: 0, publishTs: T0 + 1 };
const market = { type: 'createMarket', symbol: 'BTC', initialPrice: 100_000_000, baseReserve: 1_000 * UNIT };

type Case = [name: string, cmd: unknown, code: ErrorCode];

function rejectsEach(cases: Case[]) {
  it.each(cases)('%s', (_name, cmd, code) => {
    const { e } = marketFixture();
    rejects(e, cmd, T0 + 1, code);
    expect(e.validateInvariants()).toEqual([]);
  });
}

describe('commands of the wrong shape or with a field of the wrong type: BAD_COMMAND', () => {
  rejectsEach([
    ['null', null, 'BAD_COMMAND'],
    ['undefined', undefined, 'BAD_COMMAND'],
    ['a number', 42, 'BAD_COMMAND'],
    ['a string', 'deposit', 'BAD_COMMAND'],
    ['an array', [buy], 'BAD_COMMAND'],
    ['an object without a type', { account: 0, amount: 1 }, 'BAD_COMMAND'],
    ['an unknown type', { type: 'launchRocket' }, 'BAD_COMMAND'],
    ['a type that is not a string', { type: 7 }, 'BAD_COMMAND'],
    ['a type inherited from Object.prototype', { type: 'toString' }, 'BAD_COMMAND'],
    ['an account id that is a string', { type: 'deposit', account: '0', amount: 1 }, 'BAD_COMMAND'],
    ['an account id that is negative', { type: 'deposit', account: -1, amount: 1 }, 'BAD_COMMAND'],
    ['an account id that is fractional', { type: 'withdraw', account: 0.5, amount: 1 }, 'BAD_COMMAND'],
    ['an account id that is NaN', { type: 'settlePnl', account: Number.NaN, market: 0 }, 'BAD_COMMAND'],
    ['a market id that is a string', { ...buy, market: '0' }, 'BAD_COMMAND'],
    ['a market id beyond the safe range', { type: 'fundingTick', market: 2 ** 53 }, 'BAD_COMMAND'],
    ['a market id that is missing', { type: 'pauseMarket' }, 'BAD_COMMAND'],
    ['a side that is neither buy nor sell', { ...buy, side: 'long' }, 'BAD_COMMAND'],
    ['reduceOnly that is not a boolean', { ...buy, reduceOnly: 'yes' }, 'BAD_COMMAND'],
    ['an oracle price that is a string', { ...price, price: '100000000' }, 'BAD_COMMAND'],
    ['an oracle publish time that is a string', { ...price, publishTs: 'now' }, 'BAD_COMMAND'],
    ['an oracle publish time that is negative', { ...price, publishTs: -1 }, 'BAD_COMMAND'],
    ['an oracle publish time that is fractional', { ...price, publishTs: T0 + 1.5 }, 'BAD_COMMAND'],
    ['a symbol in lower case', { ...market, symbol: 'btc' }, 'BAD_COMMAND'],
    ['a symbol that is not a string', { ...market, symbol: 5 }, 'BAD_COMMAND'],
    ['market params that are an array', { ...market, params: [] }, 'BAD_COMMAND'],
    ['updateMarket without params', { type: 'updateMarket', market: 0 }, 'BAD_COMMAND'],
    ['updateMarket with null params', { type: 'updateMarket', market: 0, params: null }, 'BAD_COMMAND'],
    [
      'a margin mode that is not a boolean',
      { type: 'setMarginMode', account: 0, market: 0, isolated: 1 },
      'BAD_COMMAND',
    ],
    ['a collateral asset id that is a string', { type: 'deposit', account: 0, amount: 1, asset: '1' }, 'BAD_COMMAND'],
  ]);
});

describe('amounts that are not positive safe integers: BAD_AMOUNT (prices: BAD_PRICE)', () => {
  rejectsEach([
    ['a negative deposit', { type: 'deposit', account: 0, amount: -5 }, 'BAD_AMOUNT'],
    ['a zero deposit', { type: 'deposit', account: 0, amount: 0 }, 'BAD_AMOUNT'],
    ['a fractional deposit', { type: 'deposit', account: 0, amount: 1.5 }, 'BAD_AMOUNT'],
    ['a NaN deposit', { type: 'deposit', account: 0, amount: Number.NaN }, 'BAD_AMOUNT'],
    ['an infinite deposit', { type: 'deposit', account: 0, amount: Number.POSITIVE_INFINITY }, 'BAD_AMOUNT'],
    ['a deposit amount given as a string', { type: 'deposit', account: 0, amount: '100' }, 'BAD_AMOUNT'],
    ['a deposit beyond the safe range (2^53)', { type: 'deposit', account: 0, amount: 2 ** 53 }, 'BAD_AMOUNT'],
    ['a negative withdrawal', { type: 'withdraw', account: 0, amount: -1 }, 'BAD_AMOUNT'],
    ['a fractional insurance deposit', { type: 'insuranceDeposit', amount: 0.5 }, 'BAD_AMOUNT'],
    ['an insurance deposit beyond the safe range', { type: 'insuranceDeposit', amount: 2 ** 60 }, 'BAD_AMOUNT'],
    ['a negative order size', { ...buy, size: -1 }, 'BAD_AMOUNT'],
    ['a zero order size', { ...buy, size: 0 }, 'BAD_AMOUNT'],
    ['a fractional order size', { ...buy, size: 1.25 }, 'BAD_AMOUNT'],
    ['a NaN order size', { ...buy, size: Number.NaN }, 'BAD_AMOUNT'],
    ['an order size beyond the safe range', { ...buy, size: 2 ** 53 + 2 }, 'BAD_AMOUNT'],
    ['a fractional base reserve', { ...market, baseReserve: 1.5 }, 'BAD_AMOUNT'],
    ['a zero liquidation size', { type: 'liquidate', liquidator: 1, account: 0, market: 0, size: 0 }, 'BAD_AMOUNT'],
    ['a zero isolated transfer', { type: 'transferIsolated', account: 0, market: 0, amount: 0 }, 'BAD_AMOUNT'],
    ['a fractional isolated transfer', { type: 'transferIsolated', account: 0, market: 0, amount: 0.5 }, 'BAD_AMOUNT'],
    ['a negative worst price', { ...buy, worstPrice: -1 }, 'BAD_PRICE'],
    ['a fractional worst price', { ...buy, worstPrice: 100.5 }, 'BAD_PRICE'],
    ['a worst price given as a string', { ...buy, worstPrice: '100' }, 'BAD_PRICE'],
    ['a zero initial price', { ...market, initialPrice: 0 }, 'BAD_PRICE'],
    ['a negative initial price', { ...market, initialPrice: -100 }, 'BAD_PRICE'],
    ['an initial price beyond the safe range', { ...market, initialPrice: 2 ** 53 }, 'BAD_PRICE'],
    ['a negative oracle price', { ...price, price: -1 }, 'BAD_PRICE'],
    ['a zero oracle price', { ...price, price: 0 }, 'BAD_PRICE'],
    ['a fractional oracle price', { ...price, price: 100.5 }, 'BAD_PRICE'],
    ['a NaN oracle price', { ...price, price: Number.NaN }, 'BAD_PRICE'],
    ['an oracle price beyond the safe range', { ...price, price: 2 ** 53 }, 'BAD_PRICE'],
    ['a negative oracle confidence', { ...price, confidence: -1 }, 'BAD_PRICE'],
  ]);
});

describe('ids that name nothing', () => {
  rejectsEach([
    ['a deposit to an unknown account', { type: 'deposit', account: 3, amount: 1 }, 'UNKNOWN_ACCOUNT'],
    ['a withdrawal from an unknown account', { type: 'withdraw', account: 99, amount: 1 }, 'UNKNOWN_ACCOUNT'],
    ['an order from an unknown account', { ...buy, account: 99 }, 'UNKNOWN_ACCOUNT'],
    ['an order on an unknown market', { ...buy, market: 1 }, 'UNKNOWN_MARKET'],
    ['a price for an unknown market', { ...price, market: 1 }, 'UNKNOWN_MARKET'],
    ['a price from an unknown source', { ...price, source: 1 }, 'ORACLE_BAD_SOURCE'],
    ['a price from a fractional source', { ...price, source: 0.5 }, 'ORACLE_BAD_SOURCE'],
    ['a funding tick on an unknown market', { type: 'fundingTick', market: 5 }, 'UNKNOWN_MARKET'],
    ['settling an unknown market', { type: 'settlePnl', account: 0, market: 5 }, 'UNKNOWN_MARKET'],
    ['settling an unknown account', { type: 'settlePnl', account: 9, market: 0 }, 'UNKNOWN_ACCOUNT'],
    ['pausing an unknown market', { type: 'pauseMarket', market: 5 }, 'UNKNOWN_MARKET'],
    ['resuming an unknown market', { type: 'resumeMarket', market: 5 }, 'UNKNOWN_MARKET'],
    ['updating an unknown market', { type: 'updateMarket', market: 5, params: {} }, 'UNKNOWN_MARKET'],
    ['a deposit of an unknown asset', { type: 'deposit', account: 0, amount: 1, asset: 4 }, 'UNKNOWN_ASSET'],
    [
      'a liquidation by an unknown liquidator',
      { type: 'liquidate', liquidator: 9, account: 0, market: 0, size: 1 },
      'UNKNOWN_ACCOUNT',
    ],
    [
      'an asset priced by an unknown market',
      { type: 'createAsset', symbol: 'WBTC', priceMarket: 3, initialWeightE6: 1, maintenanceWeightE6: 2 },
      'UNKNOWN_MARKET',
    ],
  ]);
});

describe('market parameters', () => {
  rejectsEach([
    ['a duplicate symbol', { ...market, symbol: 'ETH' }, 'DUPLICATE_MARKET'],
    ['initial margin of zero', { ...market, params: { initialMarginE6: 0 } }, 'INVALID_PARAMS'],
    ['maintenance above initial margin', { ...market, params: { maintenanceMarginE6: 200_000 } }, 'INVALID_PARAMS'],
    ['a fractional parameter', { ...market, params: { takerFeeE6: 1.5 } }, 'INVALID_PARAMS'],
    ['a parameter given as a string', { ...market, params: { priceBandE6: '1000' } }, 'INVALID_PARAMS'],
    ['an unknown parameter', { ...market, params: { leverage: 100 } }, 'INVALID_PARAMS'],
    [
      'a change of the number of oracle sources',
      { type: 'updateMarket', market: 0, params: { oracleSources: 3 } },
      'INVALID_PARAMS',
    ],
    [
      'an update breaking a cross-field rule',
      { type: 'updateMarket', market: 0, params: { baseSpreadE6: 30_000 } },
      'INVALID_PARAMS',
    ],
  ]);

  it('rejects parameters named like Object.prototype members (constructor, toString, __proto__, …) as unknown', () => {
    const { e } = marketFixture();
    for (const name of ['constructor', 'toString', 'hasOwnProperty', '__proto__']) {
      // JSON.parse makes an own property even for "__proto__", as a decoded wire message would.
      const params = JSON.parse(`{"${name}": 1}`);
      rejects(e, { ...market, params }, T0, 'INVALID_PARAMS');
      rejects(e, { type: 'updateMarket', market: 0, params }, T0, 'INVALID_PARAMS');
    }
  });

  it('rejects a 65th market with TOO_MANY_MARKETS', () => {
    const { e } = marketFixture();
    for (let i = 1; i < 64; i++) ok(e, { ...market, symbol: `M${i}` }, 0);
    rejects(e, { ...market, symbol: 'M64' }, 0, 'TOO_MANY_MARKETS');
  });
});

describe('values whose result would leave the safe-integer range: OUT_OF_RANGE', () => {
  it('rejects a deposit that would take a balance, or total deposits, past MAX_SAFE_INTEGER', () => {
    const { e } = marketFixture({ deposits: [10 * USD, 0] });
    rejects(e, { type: 'deposit', account: 0, amount: MAX - 10 * USD + 1 }, T0, 'OUT_OF_RANGE');
    rejects(e, { type: 'deposit', account: 1, amount: MAX - 10 * USD + 1 }, T0, 'OUT_OF_RANGE'); // total deposits
    ok(e, { type: 'deposit', account: 1, amount: MAX - 20 * USD }, T0);
    rejects(e, { type: 'insuranceDeposit', amount: 20 * USD + 1 }, T0, 'OUT_OF_RANGE');
    expect(e.validateInvariants()).toEqual([]);
  });

  it('rejects a market whose base reserve doubled is beyond the safe range', () => {
    const { e } = marketFixture();
    rejects(e, { ...market, baseReserve: 2 ** 52 + 2 }, T0, 'OUT_OF_RANGE');
  });

  it('rejects an order far beyond the curve as too large rather than rounding it', () => {
    const { e } = marketFixture();
    rejects(e, orderCmd(0, 'buy', MAX), T0, 'FILL_TOO_LARGE');
  });

  // A $9e9-per-unit market, $9e9 of collateral: each 0.5-unit short is a safe $4.5e9 fill, but the
  // position's quote entry (proceeds) adds up past 2^53 quote units within a few fills.
  it('never lets a position’s quote entry leave the safe range: the order that would is rejected', () => {
    const { e, market: m } = marketFixture({
      initialPrice: 9e15,
      baseReserve: 1e12,
      params: { priceBandE6: 1_000_000 },
      deposits: [9e15],
    });
    for (let i = 0; i < 40; i++) {
      const out = e.apply(orderCmd(0, 'sell', 5e8), T0);
      if (!out.ok) {
        expect(out.code).toBe('OUT_OF_RANGE');
        break;
      }
      expect(
        Number.isSafeInteger(m.positions.quoteEntry[0]),
        `quote entry ${m.positions.quoteEntry[0]} after fill ${i + 1}`,
      ).toBe(true);
    }
  });

  // A 10,000-unit short opened at $100; the oracle then reads $9e9 for a whole interval. Funding at
  // the 0.125% cap owes 1.125e13 quote units per unit: 1.125e17 for the position, beyond 2^53.
  it('never lets funding push unsettled PnL outside the safe range', () => {
    const { e } = marketFixture({
      baseReserve: 1e15,
      params: { maxRepegStepE6: 0, maxKStepE6: 0, priceBandE6: 1_000_000 },
      deposits: [1e12],
      oraclePrice: null,
    });
    const steps: [unknown, number][] = [
      [{ type: 'oracle', market: 0, source: 0, price: 100_000_000, confidence: 0, publishTs: 0 }, 0],
      [orderCmd(0, 'sell', 5e12), 0],
      [orderCmd(0, 'sell', 5e12), 0],
    ];
    for (let t = 1; t < 3_600_001; t += 600_000) {
      steps.push([{ type: 'oracle', market: 0, source: 0, price: 9e15, confidence: 0, publishTs: t }, t]);
    }
    steps.push([{ type: 'oracle', market: 0, source: 0, price: 9e15, confidence: 0, publishTs: 3_600_001 }, 3_600_001]);
    steps.push([{ type: 'fundingTick', market: 0 }, 3_600_001]);
    steps.push([{ type: 'settlePnl', account: 0, market: 0 }, 3_600_001]);
    for (const [cmd, ts] of steps) {
      const out = e.apply(cmd as never, ts);
      if (!out.ok) expect(out.code, JSON.stringify(cmd)).toBe('OUT_OF_RANGE');
      expect(e.validateInvariants(), `after ${JSON.stringify(cmd)}`).toEqual([]);
    }
  });
});

describe('rejections of well-formed commands change nothing either', () => {
  it('leaves the hash unchanged however deep the command got before it was refused', () => {
    const { e } = marketFixture({ deposits: [10_175_177, 1_000 * USD] });
    // Refused after the swap, the fill, the PnL settlement and the fee charge were all applied.
    rejects(e, orderCmd(0, 'buy', UNIT), T0, 'INSUFFICIENT_MARGIN');
    ok(e, orderCmd(1, 'buy', UNIT), T0);
    // Refused after its settlement ran.
    rejects(e, { type: 'withdraw', account: 1, amount: 999 * USD }, T0, 'INSUFFICIENT_MARGIN');
    oraclePrice(e, 0, 100_000_000, T0 + 1);
    rejects(
      e,
      { type: 'oracle', market: 0, source: 0, price: 1, confidence: 0, publishTs: T0 + 1 },
      T0 + 2,
      'ORACLE_OUT_OF_ORDER',
    );
  });
});

describe('sequencer time', () => {
  // ts comes from the sequencer, not from clients; a broken clock must still not brick the engine.
  it('a non-finite time does not become the engine clock: the next fresh price lets trading resume', () => {
    const { e } = marketFixture();
    e.apply({ type: 'createAccount' }, Number.POSITIVE_INFINITY);
    expect(Number.isFinite(e.lastTs)).toBe(true);
    oraclePrice(e, 0, 100_000_000, T0 + 1_000);
    ok(e, orderCmd(0, 'buy', UNIT), T0 + 1_000);
  });

  it('a time behind the engine clock is ignored: time never runs backwards', () => {
    const { e } = marketFixture();
    ok(e, { type: 'createAccount' }, T0 + 15_000);
    ok(e, { type: 'createAccount' }, T0);
    expect(e.lastTs).toBe(T0 + 15_000);
    // At "T0" the engine still judges the price published at T0 to be 15 s old: too old to trade on.
    rejects(
      e,
      { type: 'oracle', market: 0, source: 0, price: 1, confidence: 0, publishTs: T0 },
      T0,
      'ORACLE_OUT_OF_ORDER',
    );
    rejects(e, orderCmd(0, 'buy', UNIT), T0, 'ORACLE_STALE');
  });
});
