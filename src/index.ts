export { defineTopology, isTopology, type Topology, type TopologyOptions, type TopologyBuilder, type SourceOptions, type ErrorPolicy } from './dsl/define-topology.ts';
export { Stream, type KeyValue, type Named, type SinkOptions, type RepartitionOptions } from './dsl/stream.ts';
export { serdes, type Serde, type SerdeContext, type SerdeType } from './serde/index.ts';
export type { Duration } from './time/duration.ts';
export * from './errors/index.ts';
export { GroupedStream, WindowedStream, type WindowedAggregateOptions, type GroupOptions } from './dsl/grouped-stream.ts';
export { tumbling, hopping, sliding, session, type WindowDefinition } from './windows/definitions.ts';
export type { Windowed, WindowResult, EmitMode, Window } from './windows/windowed.ts';
export type { DemoFeed } from './dev/demo-feed.ts';
