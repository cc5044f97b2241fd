import { KafkaError } from '../errors/index.ts';
import type { Admin, TopicPartition, TransactionScope } from '../kafka/types.ts';
import type { Plan, Subtopology } from '../planner/plan.ts';

/**
 * Every partition a task's transactions may have written (every partition of its sinks, late, repartition and
 * dead-letter topics; its own partition of each changelog) and its group. A rebuilt task's producer aborts there
 * what an earlier producer of the task may have left open (TransactionalProducer.connect) before the task reads
 * the group's offsets and its changelogs.
 */
export async function transactionScope(admin: Admin, plan: Plan, subtopology: Subtopology, partition: number): Promise<TransactionScope> {
  const everyPartition = [...new Set([...subtopology.sinkTopics, ...subtopology.lateTopics, ...(plan.dlqTopic !== null ? [plan.dlqTopic] : [])])];
  const found = await admin.describeTopics(everyPartition);
  const partitions: TopicPartition[] = [];
  for (const topic of everyPartition) {
    const count = found.get(topic)?.partitions;
    if (count === undefined) throw new KafkaError(`topic "${topic}" written by sub-topology ${subtopology.id} was not found`, { retriable: true, context: { topic } });
    for (let p = 0; p < count; p++) partitions.push({ topic, partition: p });
  }
  for (const store of subtopology.stores) {
    const changelog = plan.changelogTopics.get(store.name);
    if (changelog !== undefined) partitions.push({ topic: changelog, partition });
  }
  return { partitions, groupId: plan.applicationId };
}
