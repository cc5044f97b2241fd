import { TopologyError } from '../errors/index.ts';
import type { Serde } from '../serde/serde.ts';
import { parseDuration, type Duration } from '../time/duration.ts';
import { TopologyGraph, type TimestampExtractor } from './graph.ts';
import { Stream } from './stream.ts';
import { GlobalTable, type GlobalTableOptions } from './global-table.ts';

/** One day: event time more than this ahead of the wall clock is bad input by default. */
export const DEFAULT_MAX_FUTURE_SKEW_MS = 86_400_000;
import { Table } from './table.ts';
import { addTableNode } from './table-nodes.ts';

export type ErrorPolicy = 'fail' | 'skip' | 'dead-letter';

/** Options a topology module gives; durations accept '10s'-style strings. */
export interface TopologyOptions {
  /** Consumer group id, prefix of internal topics and transactional ids. Letters, digits, '.', '_', '-'. */
  readonly applicationId: string;
  /** What happens to a record that does not deserialize or whose user function throws. Default 'fail'. */
  readonly onError?: ErrorPolicy;
  /** Event time may run this far behind the maximum seen before records count as out of order. Default 0. */
  readonly maxOutOfOrderness?: Duration;
  /** An input partition with no record for this long no longer holds the watermark back; then time advances with the wall clock. Default: never. */
  readonly idleTimeout?: Duration;
  /**
   * Event time further ahead of the wall clock than this is bad input (handled by onError), so one record
   * stamped in year 3000 cannot close every window at once. Default '1d'; `--max-future-skew-ms` overrides it.
   */
  readonly maxFutureSkew?: Duration;
}

/** Options compiled once: numbers with units. */
export interface CompiledTopologyOptions {
  readonly applicationId: string;
  readonly onError: ErrorPolicy;
  readonly maxOutOfOrdernessMs: number;
  readonly idleTimeoutMs: number | null;
  readonly maxFutureSkewMs: number;
}

export interface SourceOptions<K, V> {
  readonly key: Serde<K>;
  readonly value: Serde<V>;
  /** Event time of a record; default: its Kafka timestamp. */
  readonly timestamp?: TimestampExtractor<K, V>;
  readonly name?: string;
}

/** Options of `t.table(topic, ...)`; `name` names the table's operator and its store (`<name>-store`). */
export type TableOptions<K, V> = SourceOptions<K, V>;

/** Handed to the build function of `defineTopology`. */
export interface TopologyBuilder {
  stream<K, V>(topic: string | readonly string[], options: SourceOptions<K, V>): Stream<K, V>;
  /**
   * A global table of `topic`: every instance reads every partition (outside the consumer group), keeps the
   * latest value per key (a null value deletes) and is restored to the topic's end before processing starts.
   */
  globalTable<K, V>(topic: string, options: GlobalTableOptions<K, V>): GlobalTable<K, V>;
  /**
   * The latest value per key of a (compacted) topic, as a table; a null value deletes the key. Its store's
   * changelog is the topic itself: no changelog topic is created, and a rebuilt task restores the table
   * from the topic up to the group's committed offset.
   */
  table<K, V>(topic: string, options: TableOptions<K, V>): Table<K, V>;
}

/** A built topology: what a topology module default-exports. */
export interface Topology {
  readonly kind: 'sluice.topology';
  readonly options: CompiledTopologyOptions;
  readonly graph: TopologyGraph;
}

const APPLICATION_ID = /^[A-Za-z0-9._-]{1,200}$/;
const ERROR_POLICIES: readonly ErrorPolicy[] = ['fail', 'skip', 'dead-letter'];

function compile(options: TopologyOptions): CompiledTopologyOptions {
  if (typeof options.applicationId !== 'string' || !APPLICATION_ID.test(options.applicationId)) {
    throw new TopologyError(
      `applicationId "${String(options.applicationId)}" is invalid (expected 1-200 letters, digits, ".", "_" or "-")`,
      { context: { field: 'applicationId' } },
    );
  }
  const onError = options.onError ?? 'fail';
  if (!ERROR_POLICIES.includes(onError)) {
    throw new TopologyError(`onError "${String(onError)}" is invalid (expected one of ${ERROR_POLICIES.join(', ')})`, { context: { field: 'onError' } });
  }
  return {
    applicationId: options.applicationId,
    onError,
    maxOutOfOrdernessMs: options.maxOutOfOrderness === undefined ? 0 : parseDuration(options.maxOutOfOrderness, 'maxOutOfOrderness'),
    idleTimeoutMs: options.idleTimeout === undefined ? null : parseDuration(options.idleTimeout, 'idleTimeout'),
    maxFutureSkewMs: options.maxFutureSkew === undefined ? DEFAULT_MAX_FUTURE_SKEW_MS : parseDuration(options.maxFutureSkew, 'maxFutureSkew'),
  };
}

/**
 * Defines a topology. Pure: builds a graph and touches no network.
 *
 * ```ts
 * export default defineTopology({ applicationId: 'clicks' }, (t) => {
 *   t.stream('clicks', { key: serdes.string(), value: serdes.json<Click>() })
 *     .filter((_, click) => !click.bot)
 *     .to('human-clicks', { key: serdes.string(), value: serdes.json<Click>() });
 * });
 * ```
 */
export function defineTopology(options: TopologyOptions, build: (builder: TopologyBuilder) => void): Topology {
  const compiled = compile(options);
  const graph = new TopologyGraph();
  const builder: TopologyBuilder = {
    stream<K, V>(topic: string | readonly string[], source: SourceOptions<K, V>): Stream<K, V> {
      const topics = typeof topic === 'string' ? [topic] : [...topic];
      if (topics.length === 0 || topics.some((t) => typeof t !== 'string' || t.trim() === '')) {
        throw new TopologyError(`stream() needs one or more topic names (got ${JSON.stringify(topic)})`);
      }
      if (source?.key === undefined || source.value === undefined) {
        throw new TopologyError(`stream("${topics.join(',')}") needs { key, value } serdes, e.g. { key: serdes.string(), value: serdes.json<T>() }`);
      }
      const node = graph.add({
        type: 'source',
        id: graph.nextId(),
        name: graph.claimName(source.name, 'source'),
        parents: [],
        children: [],
        topics,
        keySerde: source.key as Serde<unknown>,
        valueSerde: source.value as Serde<unknown>,
        timestamp: source.timestamp as TimestampExtractor<unknown, unknown> | undefined,
      });
      return new Stream<K, V>(graph, node, false);
    },
    globalTable<K, V>(topic: string, table: GlobalTableOptions<K, V>): GlobalTable<K, V> {
      if (typeof topic !== 'string' || topic.trim() === '') throw new TopologyError(`globalTable() needs a topic name (got ${JSON.stringify(topic)})`);
      if (table?.key === undefined || table.value === undefined) {
        throw new TopologyError(`globalTable("${topic}") needs { key, value } serdes, e.g. { key: serdes.string(), value: serdes.json<T>() }`);
      }
      if (graph.globalTables.some((t) => t.topic === topic)) throw new TopologyError(`topic "${topic}" is read by two globalTable() calls; read it once and reuse the table`);
      const name = graph.claimName(table.name ?? `global-table-${topic}`, 'global-table');
      graph.globalTables.push({ name, topic, keySerde: table.key as Serde<unknown>, valueSerde: table.value as Serde<unknown> });
      return new GlobalTable<K, V>(name, topic, table.key, table.value);
    },
    table<K, V>(topic: string, source: TableOptions<K, V>): Table<K, V> {
      if (typeof topic !== 'string' || topic.trim() === '') throw new TopologyError(`table() needs a topic name (got ${JSON.stringify(topic)})`);
      if (source?.key === undefined || source.value === undefined) {
        throw new TopologyError(`table("${topic}") needs { key, value } serdes, e.g. { key: serdes.string(), value: serdes.json<T>() }`);
      }
      const name = source.name ?? `table-${graph.nextId()}`;
      const node = graph.add({
        type: 'source',
        id: graph.nextId(),
        name: graph.claimName(`${name}-source`, 'source'),
        parents: [],
        children: [],
        topics: [topic],
        keySerde: source.key as Serde<unknown>,
        valueSerde: source.value as Serde<unknown>,
        timestamp: source.timestamp as TimestampExtractor<unknown, unknown> | undefined,
        table: true,
      });
      const storeName = `${name}-store`;
      const tableNode = addTableNode(graph, [node], 'table', name, () => ({
        type: 'table-source',
        stores: [{ name: storeName, kind: 'key-value', sourceTopic: topic }],
        options: { storeName, topic, keySerde: source.key, valueSerde: source.value },
      }));
      return new Table<K, V>(graph, tableNode, { kind: 'store', storeName });
    },
  };
  build(builder);
  if (!graph.nodes.some((n) => n.type === 'source')) throw new TopologyError('the topology reads no topic (call t.stream(...) or t.table(...))');
  return { kind: 'sluice.topology', options: compiled, graph };
}

export function isTopology(value: unknown): value is Topology {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'sluice.topology';
}
