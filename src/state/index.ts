export type { ChangelogEntry, StateStore } from './state-store.ts';
export { jsonStoreSerde, type StoreSerde } from './store-serde.ts';
export { InMemoryKeyValueStore, type KeyValueStore, type StoreOptions } from './key-value-store.ts';
export { InMemoryWindowStore, type WindowStore } from './window-store.ts';
export { InMemorySessionStore, type SessionStore } from './session-store.ts';
export type { WindowedEntry } from './windowed-entries.ts';
export {
  writeSnapshot, readSnapshot, deleteSnapshot, loadSnapshot, encodeSnapshot, decodeSnapshot, snapshotPath,
  SNAPSHOT_FORMAT_VERSION, type SnapshottableStore, type TaskSnapshot,
} from './snapshot.ts';
export { TableAggregateProcessor, type TableAggregateOptions } from './table-aggregate.ts';
