/**
 * The functions of an aggregation, as Kafka Streams splits them: `initializer` gives the empty aggregate,
 * `aggregator` adds one record, `merger` combines two aggregates (session windows need it to merge sessions).
 * Aggregates should be treated as immutable: return a new value rather than mutating `aggregate`.
 */
export interface Aggregation<K, V, A> {
  readonly initializer: () => A;
  readonly aggregator: (key: K, value: V, aggregate: A) => A;
  readonly merger?: (a: A, b: A) => A;
}

/** An aggregation with a merger: usable with every window type, sessions included. */
export interface MergeableAggregation<K, V, A> extends Aggregation<K, V, A> {
  readonly merger: (a: A, b: A) => A;
}

/** Number of records. */
export function count<K = unknown, V = unknown>(): MergeableAggregation<K, V, number> {
  return {
    initializer: () => 0,
    aggregator: (_key, _value, aggregate) => aggregate + 1,
    merger: (a, b) => a + b,
  };
}

/** Sum of `selector(value)`. */
export function sum<K, V>(selector: (value: V) => number): MergeableAggregation<K, V, number> {
  return {
    initializer: () => 0,
    aggregator: (_key, value, aggregate) => aggregate + selector(value),
    merger: (a, b) => a + b,
  };
}

/** Smallest `selector(value)`. */
export function min<K, V>(selector: (value: V) => number): MergeableAggregation<K, V, number> {
  return reduceOver(selector, (a, b) => (b < a ? b : a));
}

/** Largest `selector(value)`. */
export function max<K, V>(selector: (value: V) => number): MergeableAggregation<K, V, number> {
  return reduceOver(selector, (a, b) => (b > a ? b : a));
}

/**
 * Combines the values themselves (Kafka Streams' reduce): the first value is the aggregate, each next one is
 * `fn(aggregate, value)`; `fn` also merges sessions, so it should be associative.
 */
export function reduce<K, V>(fn: (aggregate: V, value: V) => V): MergeableAggregation<K, V, V> {
  return reduceOver((value: V) => value, fn);
}

/** A general aggregation; pass `merge` to use it with session windows. */
export function aggregate<K, V, A>(initializer: () => A, add: (key: K, value: V, aggregate: A) => A): Aggregation<K, V, A>;
export function aggregate<K, V, A>(
  initializer: () => A,
  add: (key: K, value: V, aggregate: A) => A,
  merge: (a: A, b: A) => A,
): MergeableAggregation<K, V, A>;
export function aggregate<K, V, A>(
  initializer: () => A,
  add: (key: K, value: V, aggregate: A) => A,
  merge?: (a: A, b: A) => A,
): Aggregation<K, V, A> {
  return merge === undefined ? { initializer, aggregator: add } : { initializer, aggregator: add, merger: merge };
}

/**
 * Reductions have no natural empty aggregate. The initializer returns `undefined` ("no value yet"), which the
 * aggregator and merger below understand; it is never stored or emitted, because every stored aggregate has
 * seen at least one record. Hence the one cast.
 */
function reduceOver<K, V, A>(select: (value: V) => A, combine: (a: A, b: A) => A): MergeableAggregation<K, V, A> {
  const empty = undefined as A;
  return {
    initializer: () => empty,
    aggregator: (_key, value, aggregate) => (aggregate === undefined ? select(value) : combine(aggregate, select(value))),
    merger: (a, b) => (a === undefined ? b : b === undefined ? a : combine(a, b)),
  };
}
