/**
 * The history source the gateway's `history` query reads (structurally the
 * HistorySource of gateway/queries.ts; persistence does not import gateway):
 * one kind, one account, a time window, newest first, in cursor pages.
 * Bad kinds, cursors and limits throw PersistenceErrors whose codes start
 * with BAD_, which the gateway reports as the caller's fault.
 */
import { PersistenceError } from './errors.ts';
import { isHistoryKind } from './history-kinds.ts';
import type { HistoryPage, HistoryQuery } from './history-query.ts';

export interface HistorySourceAdapter {
  query(
    kind: string,
    account: number,
    fromTs: number | undefined,
    toTs: number | undefined,
    cursor: string | null,
    limit: number,
  ): HistoryPage;
}

export function historySource(history: HistoryQuery): HistorySourceAdapter {
  return {
    query(kind, account, fromTs, toTs, cursor, limit) {
      if (!isHistoryKind(kind)) throw new PersistenceError('BAD_QUERY', `unknown history kind ${JSON.stringify(kind)}`);
      return history.page({ account, kinds: [kind], fromTs, toTs, cursor, limit, order: 'desc' });
    },
  };
}
