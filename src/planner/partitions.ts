import { TopologyError } from '../errors/index.ts';
import type { Plan } from './plan.ts';

/** Partition counts decided for one run: per topic (sources and internal topics) and per sub-topology. */
export interface ResolvedPartitions {
  readonly topics: ReadonlyMap<string, number>;
  readonly subtopologies: ReadonlyMap<number, number>;
}

/**
 * Decides every internal topic's partition count from the source topics' counts and checks that each
 * sub-topology's inputs are co-partitioned (equal counts), as one task reads the same partition of each.
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
  for (const topic of repartition) {
    if ('fixed' in topic.partitions) topics.set(topic.name, topic.partitions.fixed);
  }
  // Iterate to a fixpoint: a repartition topic's count depends on its writer's inputs.
  for (let round = 0; round <= plan.subtopologies.length; round++) {
    let changed = false;
    for (const sub of plan.subtopologies) {
      if (subtopologies.has(sub.id)) continue;
      const counts = sub.sourceTopics.map((t) => topics.get(t));
      if (counts.some((c) => c === undefined)) continue;
      const distinct = [...new Set(counts as number[])];
      if (distinct.length > 1) {
        const detail = sub.sourceTopics.map((t, i) => `${t}=${String(counts[i])}`).join(', ');
        throw new TopologyError(
          `sub-topology ${sub.id} reads topics that are not co-partitioned (${detail}): one task reads the same partition of each (a join, a merge), so they need equal partition counts; create them with the same count, or repartition() one side with { partitions } before the join`,
          { context: { topic: sub.sourceTopics.join(',') } },
        );
      }
      subtopologies.set(sub.id, distinct[0] as number);
      changed = true;
      for (const topic of repartition) {
        if ('maxOfSubtopology' in topic.partitions && topic.partitions.maxOfSubtopology === sub.id) topics.set(topic.name, distinct[0] as number);
      }
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
