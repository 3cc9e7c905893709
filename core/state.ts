/**
 * Everything the engine holds, in one place. Controllers (oracle.ts,
 * trade.ts, funding.ts, …) take this state, mutate it only through its undo
 * log, and push events; engine.ts owns the apply() entry point.
 */
import { Accounts } from './accounts.ts';
import type { Event } from './events.ts';
import type { Market } from './market.ts';
import { UndoLog } from './undo.ts';

export const MAX_MARKETS = 64;
/** Tolerated clock skew between an oracle's publish time and the sequencer's (ms). */
export const ORACLE_FUTURE_TOLERANCE_MS = 1_000;

export class EngineState {
  readonly accounts = new Accounts();
  readonly markets: Market[] = [];
  readonly marketBySymbol = new Map<string, number>();
  insuranceFund = 0;
  totalDeposits = 0;
  totalWithdrawals = 0;
  /** Seq of the last applied command and its time; metadata, not part of the state hash. */
  seq = 0;
  lastTs = 0;
  readonly undo = new UndoLog();
  events: Event[] = [];
}
