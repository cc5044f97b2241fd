import { TopologyError } from '../errors/index.ts';
import type { Admin, TopicSpec } from '../kafka/types.ts';
import type { Logger } from '../logging/logger.ts';
import type { Plan } from '../planner/plan.ts';
import { resolvePartitions, type ResolvedPartitions } from '../planner/partitions.ts';

/**
 * Checks that source and sink topics exist, decides internal topics' partition counts, creates the missing
 * internal topics and fails with a clear error when an existing one has the wrong partition count.
 */
export async function ensureTopics(admin: Admin, plan: Plan, logger: Logger): Promise<ResolvedPartitions> {
  const internalNames = plan.internalTopics.map((t) => t.name);
  const globalTopics = plan.globalTables.map((t) => t.topic);
  const existing = await admin.describeTopics([...plan.sourceTopics, ...plan.sinkTopics, ...globalTopics, ...internalNames]);
  const missingGlobal = plan.globalTables.filter((t) => !existing.has(t.topic));
  if (missingGlobal.length > 0) {
    const first = missingGlobal[0] as (typeof missingGlobal)[number];
    throw new TopologyError(`topic "${first.topic}" of global table "${first.name}" does not exist (create it first)`, { context: { topic: first.topic } });
  }
  const missingSources = plan.sourceTopics.filter((t) => !existing.has(t));
  if (missingSources.length > 0) {
    throw new TopologyError(`source topic${missingSources.length > 1 ? 's' : ''} ${missingSources.map((t) => `"${t}"`).join(', ')} ${missingSources.length > 1 ? 'do' : 'does'} not exist (create ${missingSources.length > 1 ? 'them' : 'it'} first)`, {
      context: { topic: missingSources[0] as string },
    });
  }
  const missingSinks = plan.sinkTopics.filter((t) => !existing.has(t));
  if (missingSinks.length > 0) {
    throw new TopologyError(`output topic${missingSinks.length > 1 ? 's' : ''} ${missingSinks.map((t) => `"${t}"`).join(', ')} ${missingSinks.length > 1 ? 'do' : 'does'} not exist (create ${missingSinks.length > 1 ? 'them' : 'it'} first)`, {
      context: { topic: missingSinks[0] as string },
    });
  }
  const sourcePartitions = new Map<string, number>();
  for (const t of plan.sourceTopics) sourcePartitions.set(t, (existing.get(t) as { partitions: number }).partitions);
  const resolved = resolvePartitions(plan, sourcePartitions);
  const toCreate: TopicSpec[] = [];
  for (const topic of plan.internalTopics) {
    const wanted = resolved.topics.get(topic.name) as number;
    const found = existing.get(topic.name);
    if (found === undefined) toCreate.push({ name: topic.name, partitions: wanted, config: topic.config });
    else if (found.partitions !== wanted && topic.role !== 'dlq') {
      throw new TopologyError(
        `internal topic "${topic.name}" has ${found.partitions} partitions but the topology needs ${wanted} (the source partition count changed?); delete it or reset the application`,
        { context: { topic: topic.name } },
      );
    }
  }
  if (toCreate.length > 0) {
    await admin.createTopics(toCreate);
    logger.info({ topics: toCreate.map((t) => `${t.name}(${t.partitions})`) }, 'created internal topics');
  }
  // Sink and late topics are the user's: report their partition counts too (for /topology and the dashboard).
  const topics = new Map(resolved.topics);
  for (const t of [...plan.sinkTopics, ...globalTopics]) topics.set(t, (existing.get(t) as { partitions: number }).partitions);
  return { topics, subtopologies: resolved.subtopologies };
}
