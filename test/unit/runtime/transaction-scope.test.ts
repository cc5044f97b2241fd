/**
 * The partitions a rebuilt task's producer aborts leftovers on (runtime/transaction-scope.ts): every partition
 * of everything its transactions can write (sinks, late topics, repartition topics it writes, the dead-letter
 * topic) and its own partition of each changelog. A partition missing here keeps another producer's leftovers
 * open, and the task's next commit would commit them (the chaos suite saw late records twice that way).
 */
import { describe, expect, it } from 'vitest';
import { defineTopology, serdes, tumbling } from '../../../src/index.ts';
import type { Admin, TopicInfo } from '../../../src/kafka/index.ts';
import { plan as planTopology } from '../../../src/planner/plan.ts';
import { transactionScope } from '../../../src/runtime/transaction-scope.ts';

function admin(counts: Record<string, number>): Admin {
  return {
    describeTopics: (names: readonly string[]) => Promise.resolve(new Map<string, TopicInfo>(names.filter((n) => n in counts).map((n) => [n, { name: n, partitions: counts[n] as number }]))),
  } as Partial<Admin> as Admin;
}

describe('transactionScope', () => {
  it('names every partition of the sinks, late, repartition and dead-letter topics, and the task partition of each changelog', async () => {
    const topology = defineTopology({ applicationId: 'scope', onError: 'dead-letter' }, (t) => {
      t.stream('events', { key: serdes.string(), value: serdes.json<{ ts: number; user: string }>(), timestamp: (v) => v.ts })
        .selectKey((_k, v) => v.user)
        .groupByKey()
        .windowedBy(tumbling('1m').grace('10s'))
        .count({ name: 'per-user', lateTopic: 'late-events' })
        .to('counts', { key: serdes.windowed<string>(), value: serdes.json() });
    });
    const p = planTopology(topology);
    const repartition = [...p.repartitionTopics.values()][0] as string;
    const changelog = p.changelogTopics.get('per-user-store') as string;
    expect(changelog).toBeDefined();
    const counts = { events: 3, [repartition]: 3, counts: 2, 'late-events': 1, [p.dlqTopic as string]: 1, [changelog]: 3 };
    const writer = p.subtopologies.find((s) => s.sinkTopics.includes(repartition));
    const reader = p.subtopologies.find((s) => s.stores.length > 0);
    const describe = (scope: { partitions: readonly { topic: string; partition: number }[] }) => scope.partitions.map((x) => `${x.topic}/${x.partition}`).sort();
    expect(describe(await transactionScope(admin(counts), p, writer!, 1))).toEqual([`${p.dlqTopic as string}/0`, `${repartition}/0`, `${repartition}/1`, `${repartition}/2`].sort());
    const scope = await transactionScope(admin(counts), p, reader!, 2);
    expect(scope.groupId).toBe('scope');
    expect(describe(scope)).toEqual(['counts/0', 'counts/1', 'late-events/0', `${p.dlqTopic as string}/0`, `${changelog}/2`].sort());
  });

  it('fails, retriably, naming the topic when a topic it writes is gone', async () => {
    const topology = defineTopology({ applicationId: 'scope2' }, (t) => {
      t.stream('a', { key: serdes.string(), value: serdes.string() }).to('b', { key: serdes.string(), value: serdes.string() });
    });
    const p = planTopology(topology);
    await expect(transactionScope(admin({ a: 1 }), p, p.subtopologies[0]!, 0)).rejects.toThrow(/topic "b" written by sub-topology 0 was not found/);
  });
});
