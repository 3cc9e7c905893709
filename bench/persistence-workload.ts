/**
 * Shared workload of the persistence benches (journal, snapshot, recovery):
 * three markets, funded accounts, and seeded market-order streams, driven
 * through the real loop in fixed-size turns with a constant clock.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from '../core/commands.ts';
import type { Engine } from '../core/engine.ts';
import { DEFAULT_LOOP_OPTIONS, type JournalSink, Loop } from '../core/loop.ts';
import { MARKETS, orderStream } from './engine.bench.ts';

export const BENCH_TS = 1_700_000_000_000;
export const TURN_COMMANDS = 4096;

export const MARKET_COUNT = MARKETS.length;

/** Markets, their oracle prices, `accounts` accounts, a deposit for each. */
export function setupCommands(accounts: number): Command[] {
  const out: Command[] = [];
  for (const m of MARKETS) {
    out.push({ type: 'createMarket', symbol: m.symbol, initialPrice: m.price, baseReserve: 1_000_000 * 1e9 });
  }
  MARKETS.forEach((m, i) => {
    out.push({
      type: 'oracle',
      market: i,
      source: 0,
      price: m.price,
      confidence: m.price / 10_000,
      publishTs: BENCH_TS,
    });
  });
  for (let a = 0; a < accounts; a++) out.push({ type: 'createAccount' });
  for (let a = 0; a < accounts; a++) out.push({ type: 'deposit', account: a, amount: 100_000_000_000 });
  return out;
}

/** `n` market orders over the first `accounts` accounts (the engine bench's stream). */
export function orderCommands(n: number, seed: number, accounts: number): Command[] {
  return orderStream(n, seed, accounts);
}

/** A loop with the default options (tick each turn, hash every 1000 turns) and a constant clock. */
export function benchLoop(engine: Engine, sink: JournalSink | null, perTurn = TURN_COMMANDS): Loop {
  return new Loop(engine, () => BENCH_TS, sink, { ...DEFAULT_LOOP_OPTIONS, maxCommandsPerTurn: perTurn });
}

/** Submit `cmds` and run them through the loop, turn by turn. */
export function runAll(loop: Loop, cmds: readonly Command[]): void {
  for (const c of cmds) loop.submit(c);
  loop.drain();
}

export function benchDir(): { dir: string; dbPath: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'clearloop-bench-'));
  return { dir, dbPath: join(dir, 'journal.sqlite'), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
