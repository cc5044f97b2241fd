/**
 * A window of event time: `[startMs, endMs)`. The end is exclusive for EVERY window type, so one close rule
 * holds everywhere ("closes when watermark >= endMs + grace"):
 * - tumbling / hopping: Kafka Streams' TimeWindow, unchanged;
 * - sliding: Kafka Streams' inclusive `[t - size, t]` is `{ startMs: t - size, endMs: t + 1 }` here;
 * - session: Kafka Streams' inclusive `[first, last]` is `{ startMs: first, endMs: last + 1 }` here.
 * `endMs - 1` is therefore always the last timestamp that belongs to the window.
 */
export interface Window {
  readonly startMs: number;
  readonly endMs: number;
}

/** The output key of a windowed aggregation: the grouping key and its window. The sink defines its bytes. */
export interface Windowed<K> {
  readonly key: K;
  readonly startMs: number;
  readonly endMs: number;
}

/**
 * The output value of a windowed aggregation. `final: false` is an intermediate result (emit 'update');
 * `final: true` is the one result sent when the window closes (in both emit modes).
 */
export interface WindowResult<A> {
  readonly value: A;
  readonly final: boolean;
}

/** 'final': one result per window, when it closes. 'update': every change, then the final result at close. */
export type EmitMode = 'final' | 'update';
