/**
 * What a failing end-to-end test prints to explain a shortfall, so a failure in CI (where the logs stay on the
 * machine) says why: the transactions still open on the application's topics (DescribeProducers: a
 * transaction open for long holds the last stable offset, and read_committed readers stop there), and the
 * warnings and errors of each sluice run.
 */
import { readFileSync } from 'node:fs';
import { createInternalCluster } from '../../../src/kafka/kafkajs/internal-cluster.ts';
import { describePartitionProducers } from '../../../src/kafka/kafkajs/open-transactions.ts';
import { kafka } from './kafka.ts';

const MAX_LOG_LINES = 40;
const MAX_LINE = 400;

export async function explainShortfall(args: { applicationId: string; topics: readonly string[]; logFiles: readonly string[] }): Promise<string> {
  const lines: string[] = [];
  const client = kafka();
  const admin = client.admin();
  await admin.connect();
  const cluster = createInternalCluster(client, { allowAutoTopicCreation: false, maxInFlightRequests: 1 });
  try {
    const internal = (await admin.listTopics()).filter((t) => t.startsWith(`${args.applicationId}-`));
    const topics = [...new Set([...args.topics, ...internal])];
    const partitions = (await admin.fetchTopicMetadata({ topics })).topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partitionId })));
    await cluster.connect();
    const now = BigInt(Date.now());
    for (const d of await describePartitionProducers(cluster, partitions)) {
      if (!d.known) {
        lines.push(`${d.topic}/${d.partition}: producers unknown (${d.why})`);
        continue;
      }
      for (const p of d.producers) {
        if (p.currentTxnStartOffset < 0n) continue;
        lines.push(`${d.topic}/${d.partition}: OPEN transaction of producer ${p.producerId} epoch ${p.producerEpoch} from offset ${p.currentTxnStartOffset}, last write ${(now - p.lastTimestampMs) / 1000n} s ago`);
      }
    }
    if (lines.length === 0) lines.push(`no open transaction on ${partitions.length} partitions of ${topics.length} topics`);
  } catch (error) {
    lines.push(`describing producers failed: ${String(error)}`);
  } finally {
    await cluster.disconnect().catch(() => undefined);
    await admin.disconnect();
  }
  for (const file of args.logFiles) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    const notable = text.split('\n').filter((l) => /"level":(40|50|60)/.test(l));
    lines.push(`${file}: ${notable.length} warnings/errors${notable.length > MAX_LOG_LINES ? ` (last ${MAX_LOG_LINES})` : ''}`);
    for (const l of notable.slice(-MAX_LOG_LINES)) lines.push(`  ${l.length > MAX_LINE ? `${l.slice(0, MAX_LINE)}…` : l}`);
  }
  return lines.join('\n');
}
