import type { StatefulOperatorSpec } from '../dsl/graph.ts';
import type { Processor } from '../processor/processor.ts';
import type { Serde } from '../serde/serde.ts';
import { InMemoryKeyValueStore } from '../state/key-value-store.ts';
import type { StateStore } from '../state/state-store.ts';
import { SourceTableStore } from './source-table-store.ts';
import { StreamTableJoinProcessor, type StreamTableJoinOptions } from './stream-table-join.ts';
import { TableFilterProcessor } from './table-filter.ts';
import { TableMapValuesProcessor } from './table-map-values.ts';
import { TableRegroupAggregateProcessor, type RegroupAggregateOptions } from './table-regroup-aggregate.ts';
import { TableRegroupProcessor } from './table-regroup.ts';
import { TableSourceProcessor } from './table-source.ts';
import { TableTableJoinProcessor, type TableTableJoinOptions } from './table-table-join.ts';
import { TableToStreamProcessor } from './table-to-stream.ts';

/** What `t.table(...)` puts in its operator's options. */
export interface TableSourceOptions {
  readonly storeName: string;
  readonly topic: string;
  readonly keySerde: Serde<unknown>;
  readonly valueSerde: Serde<unknown>;
}

/**
 * The table operators, by StatefulOperatorSpec type: how each builds its processor and its stores (a table
 * read from a topic and a regrouped aggregate own one; the others read their parents' through value getters).
 */
const OPERATORS: Readonly<Record<string, { processor(options: never): Processor; stores?(options: never): StateStore[] }>> = {
  'table-source': {
    processor: (o: TableSourceOptions) => new TableSourceProcessor(o.storeName),
    stores: (o: TableSourceOptions) => [new SourceTableStore(o.storeName, o.topic, o.keySerde, o.valueSerde)],
  },
  'table-map-values': { processor: (o: { fn: (v: unknown, k: unknown) => unknown }) => new TableMapValuesProcessor(o.fn) },
  'table-filter': { processor: (o: { predicate: (k: unknown, v: unknown) => boolean }) => new TableFilterProcessor(o.predicate) },
  'table-to-stream': { processor: () => new TableToStreamProcessor() },
  'table-regroup': { processor: (o: { selector: (k: unknown, v: unknown) => unknown }) => new TableRegroupProcessor(o.selector) },
  'table-regroup-aggregate': {
    processor: (o: RegroupAggregateOptions) => new TableRegroupAggregateProcessor(o),
    stores: (o: RegroupAggregateOptions) => [new InMemoryKeyValueStore({ name: o.storeName })],
  },
  'table-table-join': { processor: (o: TableTableJoinOptions) => new TableTableJoinProcessor(o) },
  'stream-table-join': { processor: (o: StreamTableJoinOptions) => new StreamTableJoinProcessor(o) },
};

export function isTableOperator(type: string): boolean {
  return Object.hasOwn(OPERATORS, type);
}

export function createTableProcessor(spec: StatefulOperatorSpec): Processor {
  const operator = OPERATORS[spec.type];
  if (operator === undefined) throw new Error(`not a table operator: ${spec.type}`);
  return operator.processor(spec.options as never);
}

export function createTableStores(spec: StatefulOperatorSpec): StateStore[] {
  return OPERATORS[spec.type]?.stores?.(spec.options as never) ?? [];
}
