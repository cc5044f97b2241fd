/**
 * What the DSL records for a stream–stream join (pure data, no runtime imports). A join named `n` is three
 * graph nodes, as in Kafka Streams: `n-left` and `n-right` (one stateful operator per input, type
 * `stream-join`) feeding the merge node `n`. Because the merge node has both as parents, the planner puts both
 * inputs in one sub-topology, so one task sees the same partition of both.
 */

export const STREAM_JOIN = 'stream-join';

export type JoinKind = 'inner' | 'left' | 'outer';
export type JoinSide = 'left' | 'right';

/** The user's joiner, loosely typed (the typed edge is Stream.join): null stands for the missing side. */
export type AnyJoiner = (leftValue: unknown, rightValue: unknown, key: unknown) => unknown;

/** StatefulOperatorSpec.options of one side of a join (type `stream-join`). */
export interface StreamJoinSideSpec {
  readonly side: JoinSide;
  readonly kind: JoinKind;
  readonly joiner: AnyJoiner;
  /** The join window from the left's view: a left record at t joins right records in [t − beforeMs, t + afterMs]. */
  readonly beforeMs: number;
  readonly afterMs: number;
  readonly graceMs: number;
  readonly leftStore: string;
  readonly rightStore: string;
  /** Records not matched yet (left and outer joins); shared by both sides, declared by the left one. */
  readonly unmatchedStore: string | undefined;
}

/** Store names of a join named `name`. */
export function joinStoreNames(name: string): { readonly left: string; readonly right: string; readonly unmatched: string } {
  return { left: `${name}-left-store`, right: `${name}-right-store`, unmatched: `${name}-outer-store` };
}
