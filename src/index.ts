export {
  defineTopology, isTopology, type Topology, type TopologyOptions, type TopologyBuilder, type SourceOptions, type TableOptions, type ErrorPolicy,
} from './dsl/define-topology.ts';
export { Table, type TableGroupOptions } from './dsl/table.ts';
export { GroupedTable } from './dsl/grouped-table.ts';
export type { StreamTableJoinOptions } from './dsl/stream-table-join.ts';
export { keyValue, type KeyValuePair } from './tables/key-value-pair.ts';
export { Stream, type KeyValue, type Named, type SinkOptions, type RepartitionOptions, type ProcessOptions } from './dsl/stream.ts';
export { GlobalTable, type GlobalTableOptions } from './dsl/global-table.ts';
export type {
  StreamProcessor, StreamProcessorContext, StreamRecord, ForwardRecord, FiredTimer, KeyedTimers, Cancellable, TimeDomain,
} from './processor/stream-processor.ts';
export { NO_WATERMARK } from './processor/processor.ts';
export {
  stores, type StoreDefinition, type KeyValueStoreDefinition, type WindowStoreDefinition, type StoreSerdes, type StoreOf,
  type ProcessorKeyValueStore, type ProcessorWindowStore,
} from './state/store-definitions.ts';
export type { WindowedEntry } from './state/windowed-entries.ts';
export { serdes, type Serde, type SerdeContext, type SerdeType } from './serde/index.ts';
export type { Duration } from './time/duration.ts';
export * from './errors/index.ts';
export type { StreamJoinOptions } from './dsl/stream-stream-join.ts';
export { GroupedStream, WindowedStream, type WindowedAggregateOptions, type GroupOptions } from './dsl/grouped-stream.ts';
export { tumbling, hopping, sliding, session, joinWindow, type JoinWindows, type WindowDefinition } from './windows/definitions.ts';
export type { Windowed, WindowResult, EmitMode, Window } from './windows/windowed.ts';
export type { DemoFeed } from './dev/demo-feed.ts';
