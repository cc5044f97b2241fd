import type { Plan } from '../planner/plan.ts';
import type { Serde } from '../serde/serde.ts';

export interface TopicSerdes {
  readonly key: Serde<unknown>;
  readonly value: Serde<unknown>;
}

/**
 * The serdes each output topic is written with, from the plan: sink topics (the `to()` serdes) and repartition
 * topics (the `repartition()` / grouping serdes). Late and dead-letter topics have none (late records are
 * JSON, dead letters the raw input bytes): they are shown as text or hex. When two sinks write one topic, the
 * first one's serdes are used.
 */
export function outputSerdesOf(plan: Plan): ReadonlyMap<string, TopicSerdes> {
  const serdes = new Map<string, TopicSerdes>();
  for (const sub of plan.subtopologies) {
    for (const node of sub.nodes) {
      if (node.type === 'sink' && !serdes.has(node.topic)) serdes.set(node.topic, { key: node.keySerde, value: node.valueSerde });
      if (node.type === 'repartition') {
        const topic = plan.repartitionTopics.get(node.id);
        if (topic !== undefined && !serdes.has(topic)) serdes.set(topic, { key: node.keySerde, value: node.valueSerde });
      }
    }
  }
  return serdes;
}
