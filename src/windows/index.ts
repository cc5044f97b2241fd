export { tumbling, hopping, sliding, session, joinWindow, firstWindowStartMs, TimeWindows, SlidingWindows, SessionWindows, JoinWindows, type WindowDefinition } from './definitions.ts';
export type { Window, Windowed, WindowResult, EmitMode } from './windowed.ts';
export { count, sum, min, max, reduce, aggregate, type Aggregation, type MergeableAggregation } from './aggregations.ts';
export { WindowAggregateProcessor, type WindowAggregateOptions } from './window-aggregate.ts';
export { SessionAggregateProcessor, type SessionAggregateOptions } from './session-aggregate.ts';
export { SlidingAggregateProcessor, slidingAggregateSerde, type SlidingAggregate, type SlidingAggregateOptions } from './sliding-aggregate.ts';
export { windowedAggregate, windowedAggregateStore, type WindowedAggregateOptions, type WindowedStoreOptions } from './windowed-aggregate.ts';
