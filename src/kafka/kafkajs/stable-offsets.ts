/**
 * A group's committed offsets read with require_stable (OffsetFetch v7, src/kafka/wire/offset-fetch.ts): while a
 * transaction holding offsets of the group for a partition is still open, the coordinator answers
 * UNSTABLE_OFFSET_COMMIT, and the read waits and asks again, up to `timeoutMs` (at least the transaction
 * timeout of the producers that commit for the group, after which the coordinator aborts the transaction).
 * kafkajs's admin asks with an OffsetFetch version that predates the flag.
 */
import type { Cluster } from 'kafkajs';
import { KafkaError } from '../../errors/index.ts';
import { decodeOffsetFetchResponse, encodeOffsetFetchRequest, OFFSET_FETCH_API_KEY, OFFSET_FETCH_API_VERSION, UNSTABLE_OFFSET_COMMIT, type OffsetFetchResponse } from '../wire/offset-fetch.ts';
import { createErrorFromCode, encodedRequest, sendToBroker, type KafkajsBroker } from './kafkajs-eos-internals.ts';

/** Errors after which asking again (the coordinator found anew) answers. */
const RETRY_CODES = new Set([UNSTABLE_OFFSET_COMMIT, 14 /* COORDINATOR_LOAD_IN_PROGRESS */, 15 /* COORDINATOR_NOT_AVAILABLE */, 16 /* NOT_COORDINATOR */]);
const BACKOFF_MS = 50;
const MAX_BACKOFF_MS = 1_000;

export async function fetchStableOffsets(cluster: Cluster, groupId: string, topic: string, partitions: readonly number[], timeoutMs: number): Promise<Map<number, string>> {
  const api = { key: OFFSET_FETCH_API_KEY, version: OFFSET_FETCH_API_VERSION, name: 'OffsetFetch' };
  const body = encodeOffsetFetchRequest({ groupId, topics: [{ topic, partitions }], requireStable: true });
  const deadline = Date.now() + timeoutMs;
  let backoff = BACKOFF_MS;
  for (;;) {
    const coordinator = (await cluster.findGroupCoordinator({ groupId })) as unknown as KafkajsBroker;
    const response: OffsetFetchResponse = await sendToBroker(coordinator, encodedRequest(api, body, decodeOffsetFetchResponse));
    const codes = [response.errorCode, ...response.partitions.map((p) => p.errorCode)].filter((c) => c !== 0);
    if (codes.length === 0) {
      const result = new Map<number, string>();
      for (const p of response.partitions) if (p.topic === topic) result.set(p.partition, p.committedOffset < 0n ? '-1' : String(p.committedOffset));
      for (const p of partitions) if (!result.has(p)) result.set(p, '-1');
      return result;
    }
    const code = codes[0] as number;
    if (!codes.every((c) => RETRY_CODES.has(c))) throw createErrorFromCode(code);
    if (Date.now() + backoff > deadline) {
      throw new KafkaError(
        code === UNSTABLE_OFFSET_COMMIT
          ? `the offsets of group ${groupId} for ${topic} stayed unstable for ${timeoutMs} ms: a transaction holding them is still open`
          : `reading the offsets of group ${groupId} for ${topic}: ${createErrorFromCode(code).message} for ${timeoutMs} ms`,
        { retriable: true, context: { topic } },
      );
    }
    await new Promise((resolve) => setTimeout(resolve, backoff));
    backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
  }
}
