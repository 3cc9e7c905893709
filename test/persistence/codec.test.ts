import { Unpackr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import type { Command } from '../../core/commands.ts';
import type { JournalEntry } from '../../core/loop.ts';
import { decodeTurn, decodeValue, encodeTurn, encodeValue } from '../../persistence/codec.ts';
import { commandStream } from './command-stream.ts';

function entriesOf(cmds: Command[], firstSeq: number, ts: number | number[]): JournalEntry[] {
  return cmds.map((cmd, i) => ({ seq: firstSeq + i, ts: typeof ts === 'number' ? ts : ts[i], cmd }));
}

describe('turn codec', () => {
  it('round-trips every turn of a random stream', () => {
    let seq = 1;
    for (const turn of commandStream({ seed: 11, turns: 40, maxCommandsPerTurn: 50, markets: 3, maxAccounts: 20 })) {
      const entries = entriesOf(turn.cmds, seq, turn.ts);
      expect(decodeTurn(encodeTurn(entries), seq, turn.ts, entries.length)).toEqual(entries);
      seq += entries.length;
    }
  });

  it('writes a plain MessagePack array that any reader without extensions decodes', () => {
    const cmds: Command[] = [{ type: 'createAccount' }, { type: 'deposit', account: 0, amount: 5 }];
    const blob = encodeTurn(entriesOf(cmds, 1, 10));
    expect(blob[0]).toBe(0x92); // fixarray of two
    expect(new Unpackr({ useRecords: false, mapsAsObjects: true }).unpack(blob)).toEqual(cmds);
  });

  it('keeps −0, which MessagePack alone would turn into 0', () => {
    const cmd: Command = { type: 'oracle', market: 0, source: 0, price: 100, confidence: -0, publishTs: 5 };
    const [back] = decodeTurn(encodeTurn(entriesOf([cmd], 1, 10)), 1, 10, 1);
    expect(Object.is((back.cmd as typeof cmd).confidence, -0)).toBe(true);
  });

  it('keeps a field set to undefined apart from a missing field', () => {
    const cmd = { type: 'marketOrder', account: 0, market: 0, side: 'buy', size: 1, worstPrice: undefined } as Command;
    const [back] = decodeTurn(encodeTurn(entriesOf([cmd], 1, 10)), 1, 10, 1);
    expect('worstPrice' in back.cmd).toBe(true);
  });

  it('keeps per-entry times when a turn does not share one', () => {
    const cmds: Command[] = [{ type: 'createAccount' }, { type: 'createAccount' }];
    const entries = entriesOf(cmds, 7, [100, 105]);
    expect(decodeTurn(encodeTurn(entries), 7, 100, 2)).toEqual(entries);
  });

  it('refuses a blob whose command count differs from its row', () => {
    const blob = encodeTurn(entriesOf([{ type: 'createAccount' }], 1, 1));
    expect(() => decodeTurn(blob, 1, 1, 2)).toThrow('turn holds 1 commands, its row says 2');
  });

  it('round-trips small values with −0 anywhere', () => {
    const v = { a: [1, -0, { b: -0 }], c: -0 };
    const back = decodeValue(encodeValue(v)) as typeof v;
    expect(Object.is(back.c, -0) && Object.is(back.a[1], -0) && Object.is((back.a[2] as { b: number }).b, -0)).toBe(
      true,
    );
    expect(Object.is(decodeValue(encodeValue(-0)), -0)).toBe(true);
  });
});
