/** The persistence layer's public surface. */
export { BackgroundWorker } from './background.ts';
export type { BackgroundSnapshot, CheckpointResult, FollowResult } from './background-protocol.ts';
export { isPersistenceError, PersistenceError, type PersistenceErrorCode } from './errors.ts';
export { type ExportFormat, exportHistory, exportLines } from './history-export.ts';
export { HISTORY_KINDS, type HistoryKind } from './history-kinds.ts';
export type { HistoryPage, HistoryPageQuery, HistoryQuery, HistoryRecord } from './history-query.ts';
export { type HistorySourceAdapter, historySource } from './history-source.ts';
export type { JournalBounds, JournalReader } from './journal-reader.ts';
export type { JournalWriter } from './journal-writer.ts';
export type { HistoryMode, JournalRetention, StoreOptions, Synchronous } from './options.ts';
export type { Recovered, RecoveryOptions, RecoveryReport } from './recovery.ts';
export type { ReplayResult, TornTail } from './replay.ts';
export { JOURNAL_FORMAT_VERSION } from './schema.ts';
export { SnapshotPolicy, type SnapshotPolicyOptions } from './snapshot-policy.ts';
export type { SnapshotRef, SnapshotStore, WrittenSnapshot } from './snapshot-store.ts';
export { openStore, Store } from './store.ts';
