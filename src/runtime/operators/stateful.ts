import type { StatefulOperatorSpec } from '../../dsl/graph.ts';
import { TopologyError } from '../../errors/index.ts';
import type { Subtopology } from '../../planner/plan.ts';
import { InMemoryKeyValueStore } from '../../state/key-value-store.ts';
import type { StateStore } from '../../state/state-store.ts';
import { TableAggregateProcessor } from '../../state/table-aggregate.ts';
import type { Aggregation } from '../../windows/aggregations.ts';
import type { WindowDefinition } from '../../windows/definitions.ts';
import { windowedAggregate, windowedAggregateStore } from '../../windows/windowed-aggregate.ts';
import type { EmitMode } from '../../windows/windowed.ts';
import type { Processor } from '../../processor/processor.ts';
import type { ProcessorSpecOptions } from '../../dsl/processor-spec.ts';
import { StreamProcessorNode } from './stream-processor-node.ts';
import { createStreamJoinProcessor, createStreamJoinStores, STREAM_JOIN } from '../../joins/stream-join-operator.ts';
import { createTableProcessor, createTableStores, isTableOperator } from '../../tables/operators.ts';

/** What the DSL's grouped and windowed aggregations put in StatefulOperatorSpec.options. */
interface AggregateOptions {
  readonly storeName: string;
  readonly aggregation: Aggregation<unknown, unknown, unknown>;
  readonly windows?: WindowDefinition;
  readonly emit?: EmitMode;
}

const WINDOWED = new Set(['window-aggregate', 'sliding-aggregate', 'session-aggregate']);

function optionsOf(spec: StatefulOperatorSpec): AggregateOptions {
  return spec.options as unknown as AggregateOptions;
}

/**
 * Creates the stores of a sub-topology's stateful operators, one set per task. `changelogTopicOf` gives each
 * store's changelog topic (the context of its serdes).
 */
export function createStores(subtopology: Subtopology, changelogTopicOf: (store: string) => string): Map<string, StateStore> {
  const stores = new Map<string, StateStore>();
  for (const node of subtopology.nodes) {
    if (node.type !== 'operator' || node.spec.kind !== 'stateful') continue;
    const spec = node.spec.operator;
    if (spec.type === 'processor') {
      const processor = spec.options as unknown as ProcessorSpecOptions;
      for (const definition of processor.definitions) stores.set(definition.name, definition.create(changelogTopicOf(definition.name)));
      stores.set(processor.timerStore, new InMemoryKeyValueStore({ name: processor.timerStore }));
      continue;
    }
    if (spec.type === STREAM_JOIN) {
      for (const store of createStreamJoinStores(spec)) stores.set(store.name, store);
      continue;
    }
    if (isTableOperator(spec.type)) {
      for (const store of createTableStores(spec)) stores.set(store.name, store);
      continue;
    }
    const options = optionsOf(spec);
    if (spec.type === 'table-aggregate') stores.set(options.storeName, new InMemoryKeyValueStore({ name: options.storeName }));
    else if (WINDOWED.has(spec.type) && options.windows !== undefined) stores.set(options.storeName, windowedAggregateStore(options.windows, { name: options.storeName }));
    else throw new TopologyError(`operator "${node.name}" has an unknown stateful type "${spec.type}"`);
  }
  return stores;
}

/** Builds the processor of a stateful operator. */
export function createStatefulProcessor(spec: StatefulOperatorSpec, nodeName: string): Processor {
  if (spec.type === 'processor') return new StreamProcessorNode(nodeName, spec.options as unknown as ProcessorSpecOptions);
  if (spec.type === STREAM_JOIN) return createStreamJoinProcessor(spec, nodeName);
  if (isTableOperator(spec.type)) return createTableProcessor(spec);
  const options = optionsOf(spec);
  const { initializer, aggregator, merger } = options.aggregation;
  if (spec.type === 'table-aggregate') return new TableAggregateProcessor({ name: nodeName, storeName: options.storeName, initializer, aggregator });
  if (WINDOWED.has(spec.type) && options.windows !== undefined) {
    return windowedAggregate({
      name: nodeName,
      windows: options.windows,
      storeName: options.storeName,
      initializer,
      aggregator,
      ...(merger !== undefined ? { merger } : {}),
      emit: options.emit ?? 'final',
    });
  }
  throw new TopologyError(`operator "${nodeName}" has an unknown stateful type "${spec.type}"`);
}
