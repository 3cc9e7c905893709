/**
 * Which engine events are account history, and under which kind. An event
 * becomes one history row per account it names (a liquidation names the
 * liquidated account and its liquidator; a liquidator of −1, the engine's
 * backstop, is no account). Events not listed here are market data or order
 * state, not history. Adding an event kind is one line here.
 */
export type HistoryKind = 'fill' | 'funding' | 'deposit' | 'withdrawal' | 'liquidation';

export const HISTORY_KINDS: readonly HistoryKind[] = ['fill', 'funding', 'deposit', 'withdrawal', 'liquidation'];

const KIND_OF_EVENT: ReadonlyMap<string, HistoryKind> = new Map<string, HistoryKind>([
  ['fill', 'fill'],
  ['fundingSettled', 'funding'],
  ['deposited', 'deposit'],
  ['withdrawn', 'withdrawal'],
  ['liquidation', 'liquidation'],
  ['collateralLiquidated', 'liquidation'],
  ['bankruptcy', 'liquidation'],
]);

/** Event fields that name an account the event concerns; each one gets its own row. */
export const HISTORY_ACCOUNT_FIELDS = ['account', 'liquidator'] as const;

export function historyKindOf(eventType: string): HistoryKind | undefined {
  return KIND_OF_EVENT.get(eventType);
}

export function isHistoryKind(s: string): s is HistoryKind {
  return (HISTORY_KINDS as readonly string[]).includes(s);
}
