import { TopologyError } from '../errors/index.ts';
import type { InternalTopic, Plan, Subtopology } from './plan.ts';

/** Partition counts decided for one run: per topic (sources and internal topics) and per sub-topology. */
export interface ResolvedPartitions {
  readonly topics: ReadonlyMap<string, number>;
  readonly subtopologies: ReadonlyMap<number, number>;
}

/**
 * Decides every internal topic's partition count from the source topics' counts and checks that each
 * sub-topology's inputs are co-partitioned (equal counts), as one task reads the same partition of each.
 * A join's repartition topic (`copartitionWith`) takes the count of the other inputs of its reader; when all
 * of the reader's inputs are such topics, they all take the largest count of their writers.
 */
export function resolvePartitions(plan: Plan, sourcePartitions: ReadonlyMap<string, number>): ResolvedPartitions {
  const topics = new Map<string, number>();
  for (const topic of plan.sourceTopics) {
    const count = sourcePartitions.get(topic);
    if (count === undefined) throw new TopologyError(`source topic "${topic}" does not exist (create it, or check the name in stream("${topic}"))`, { context: { topic } });
    topics.set(topic, count);
  }
  const subtopologies = new Map<number, number>();
  const repartition = plan.internalTopics.filter((t) => t.role === 'repartition');
  const copartitioned = new Map<string, Extract<InternalTopic['partitions'], { copartitionWith: number }>>();
  for (const topic of repartition) {
    if ('fixed' in topic.partitions) topics.set(topic.name, topic.partitions.fixed);
    if ('copartitionWith' in topic.partitions) copartitioned.set(topic.name, topic.partitions);
  }
  const setWriterCounts = (sub: Subtopology, count: number): void => {
    for (const topic of repartition) {
      if ('maxOfSubtopology' in topic.partitions && topic.partitions.maxOfSubtopology === sub.id) topics.set(topic.name, count);
    }
  };
  // Iterate to a fixpoint: a repartition topic's count depends on its writer's inputs (or its reader's others).
  for (let round = 0; round <= plan.subtopologies.length; round++) {
    let changed = false;
    for (const sub of plan.subtopologies) {
      if (subtopologies.has(sub.id)) continue;
      const pending = sub.sourceTopics.filter((t) => !topics.has(t));
      let count: number | undefined;
      if (pending.length > 0) {
        // Join inputs take the count of the other side (or, when every input is one, the largest writer's).
        const joinInputs = pending.map((t) => copartitioned.get(t)).filter((p) => p?.copartitionWith === sub.id);
        if (joinInputs.length < pending.length) continue;
        if (pending.length === sub.sourceTopics.length) {
          const writers = joinInputs.map((p) => subtopologies.get((p as { fallbackMaxOf: number }).fallbackMaxOf));
          if (writers.some((c) => c === undefined)) continue;
          count = Math.max(...(writers as number[]));
        }
      }
      const known = sub.sourceTopics.filter((t) => topics.has(t));
      checkCopartitioned(sub, known, topics);
      count ??= topics.get(known[0] as string) as number;
      for (const t of sub.sourceTopics) if (!topics.has(t)) topics.set(t, count);
      subtopologies.set(sub.id, count);
      changed = true;
      setWriterCounts(sub, count);
    }
    if (!changed) break;
  }
  for (const sub of plan.subtopologies) {
    if (!subtopologies.has(sub.id)) throw new TopologyError(`could not decide the partition count of sub-topology ${sub.id} (a repartition cycle?)`);
  }
  for (const topic of plan.internalTopics) {
    if ('sameAsSubtopology' in topic.partitions) topics.set(topic.name, subtopologies.get(topic.partitions.sameAsSubtopology) as number);
    if ('fixed' in topic.partitions) topics.set(topic.name, topic.partitions.fixed);
  }
  return { topics, subtopologies };
}

function checkCopartitioned(sub: Subtopology, inputs: readonly string[], topics: ReadonlyMap<string, number>): void {
  const counts = inputs.map((t) => topics.get(t) as number);
  if (new Set(counts).size <= 1) return;
  const first = counts[0] as number;
  const other = inputs.findIndex((_, i) => counts[i] !== first);
  const a = inputs[0] as string;
  const b = inputs[other] as string;
  const detail = inputs.map((t, i) => `${t}=${String(counts[i])}`).join(', ');
  throw new TopologyError(
    `sub-topology ${sub.id} reads topics that are not co-partitioned (${detail}): "${a}" has ${first} partitions and "${b}" has ${String(counts[other])}; ` +
      'a join or merge reads the same partition of each, so they need equal partition counts (recreate one with the other\'s count, or repartition() one side with { partitions })',
    { context: { topic: b } },
  );
}
