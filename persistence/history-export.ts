/**
 * History export as CSV or JSON lines (cli export). CSV has fixed columns:
 * the row's own, then the event fields history kinds use today, then any
 * other field as JSON in `extra`, so the header never depends on the data.
 */
import type { HistoryQuery, HistoryRecord, HistoryScanFilter } from './history-query.ts';

export type ExportFormat = 'csv' | 'jsonl';

const ROW_COLUMNS = ['id', 'seq', 'ts', 'kind', 'account', 'market'] as const;
const EVENT_COLUMNS = [
  'side',
  'base',
  'quote',
  'price',
  'fee',
  'spreadFee',
  'realisedPnl',
  'liquidity',
  'positionBase',
  'asset',
  'amount',
  'balance',
  'liquidator',
  'penalty',
] as const;
const SKIPPED = new Set<string>(['type', 'account', 'market', ...EVENT_COLUMNS]);

export const CSV_HEADER = [...ROW_COLUMNS, ...EVENT_COLUMNS, 'extra'].join(',');

function csvCell(v: unknown): string {
  if (v === undefined || v === null) return '';
  const s = typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(r: HistoryRecord): string {
  const ev = r.event as unknown as Record<string, unknown>;
  const extra: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(ev)) if (!SKIPPED.has(k)) extra[k] = v;
  const cells: unknown[] = [r.id, r.seq, r.ts, r.kind, r.account, r.market];
  for (const c of EVENT_COLUMNS) cells.push(ev[c]);
  cells.push(Object.keys(extra).length === 0 ? undefined : extra);
  return cells.map(csvCell).join(',');
}

export function jsonLine(r: HistoryRecord): string {
  return JSON.stringify(r);
}

/** The export's lines: the CSV header first (for CSV), then one line per matching row. */
export function* exportLines(
  history: HistoryQuery,
  filter: HistoryScanFilter,
  format: ExportFormat,
): Generator<string> {
  if (format === 'csv') yield CSV_HEADER;
  for (const r of history.scan(filter)) yield format === 'csv' ? csvLine(r) : jsonLine(r);
}

/** Write every matching row, one line per call of `write`. Returns the row count. */
export function exportHistory(
  history: HistoryQuery,
  filter: HistoryScanFilter,
  format: ExportFormat,
  write: (line: string) => void,
): number {
  let lines = 0;
  for (const line of exportLines(history, filter, format)) {
    write(line);
    lines++;
  }
  return format === 'csv' ? lines - 1 : lines;
}
