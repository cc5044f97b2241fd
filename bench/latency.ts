/**
 * `npm run bench:latency`: end-to-end latency of an exactly-once pass-through at fixed input rates, from a
 * producer's send to visibility for a read_committed reader (sluice's commit path: commit interval, commit
 * duration, commits queuing behind each other).
 *
 * One broker (a fresh local one, or KAFKA_BROKERS); per rate: a 4-partition input, one sluice instance
 * (`--commit-interval-ms 100`), a producer sending `rate` records/s in 10 sends a second (each value carries its
 * send time), and a read_committed consumer of the output. After LATENCY_WARMUP_S seconds, latencies are
 * recorded for LATENCY_MEASURE_S seconds; the table gives p50, p90, p99 and max in milliseconds.
 *
 * Settings: LATENCY_RATES (default "5000,20000"), LATENCY_WARMUP_S (10), LATENCY_MEASURE_S (30),
 * LATENCY_PARTITIONS (4), SLUICE_ROOT (another sluice checkout to measure, e.g. an older commit: its
 * bin/sluice.js and bench/topologies/passthrough.ts are used), KAFKA_BROKERS.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { installFetchAbortedFilter } from '../src/kafka/kafkajs/fetch-response-patch.ts';
import { startBroker } from './lib/broker.ts';
import { createTopics, kafkaFor, SteadyProducer } from './lib/kafka.ts';
import { cleanup, failOnExit, installSignalHandlers, RESULTS_DIR, ROOT, sleep, spawnChild, stopChild } from './lib/processes.ts';

interface LatencyResult {
  readonly rate: number;
  readonly samples: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  readonly sent: number;
}

function numberEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got "${raw}"`);
  return value;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

async function measureRate(brokers: string, rate: number, root: string, warmupS: number, measureS: number, partitions: number): Promise<LatencyResult> {
  const run = randomUUID().slice(0, 8);
  const input = `lat-in-${run}`;
  const output = `lat-out-${run}`;
  const kafka = kafkaFor(brokers, `latency-${run}`);
  const admin = kafka.admin();
  await admin.connect();
  await createTopics(admin, [input, output], partitions);
  await admin.disconnect();

  const sluice = spawnChild(`latency-${rate}`, [
    join(root, 'bin', 'sluice.js'),
    'run',
    join(root, 'bench', 'topologies', 'passthrough.ts'),
    '--brokers',
    brokers,
    '--application-id',
    `lat-${run}`,
    '--processing-guarantee',
    'exactly_once',
    '--commit-interval-ms',
    '100',
    '--http-port',
    'off',
    '--log-format',
    'json',
  ], { env: { BENCH_INPUT: input, BENCH_OUTPUT: output } });
  const crashed = failOnExit(sluice);
  crashed.catch(() => undefined);
  await Promise.race([sluice.waitForLog((l) => l.msg === 'task running', 120_000), crashed]);

  const reader = kafkaFor(brokers, `latency-reader-${run}`).consumer({ groupId: `lat-reader-${run}`, readUncommitted: false, maxWaitTimeInMs: 20 });
  const latencies: number[] = [];
  let recording = false;
  await reader.connect();
  await reader.subscribe({ topic: output, fromBeginning: true });
  await reader.run({
    eachBatch: async ({ batch }) => {
      const now = Date.now();
      if (!recording) return;
      for (const message of batch.messages) {
        const sentAt = (JSON.parse(message.value?.toString() ?? '{}') as { ts?: number }).ts;
        if (typeof sentAt === 'number') latencies.push(now - sentAt);
      }
    },
  });

  const producer = new SteadyProducer(kafka, input, rate, (i) => ({
    key: `user-${i % 1000}`,
    partition: i % partitions,
    value: Buffer.from(JSON.stringify({ id: i, user: `user-${i % 1000}`, ts: Date.now(), pad: 'x'.repeat(60) })),
  }));
  await producer.start();
  await Promise.race([sleep(warmupS * 1000), crashed]);
  recording = true;
  await Promise.race([sleep(measureS * 1000), crashed]);
  recording = false;
  await producer.stop();
  await reader.disconnect();
  await stopChild(sluice);
  const sorted = [...latencies].sort((a, b) => a - b);
  return { rate, samples: sorted.length, p50: percentile(sorted, 50), p90: percentile(sorted, 90), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] ?? Number.NaN, sent: producer.produced };
}

async function main(): Promise<void> {
  installSignalHandlers();
  installFetchAbortedFilter();
  const rates = (process.env.LATENCY_RATES ?? '5000,20000').split(',').map((r) => Number(r.trim()));
  const warmupS = numberEnv('LATENCY_WARMUP_S', 10);
  const measureS = numberEnv('LATENCY_MEASURE_S', 30);
  const partitions = numberEnv('LATENCY_PARTITIONS', 4);
  const root = process.env.SLUICE_ROOT ?? ROOT;
  const broker = await startBroker(process.env.KAFKA_BROKERS);
  const results: LatencyResult[] = [];
  try {
    for (const rate of rates) {
      process.stderr.write(`latency: ${rate} records/s (${warmupS} s warm-up, ${measureS} s measured) with ${root}\n`);
      results.push(await measureRate(broker.brokers, rate, root, warmupS, measureS, partitions));
    }
  } finally {
    await cleanup();
  }
  const lines = [
    `sluice pass-through, exactly-once, 100 ms commits, ${partitions} partitions, send → read_committed visibility (${root === ROOT ? 'this checkout' : root})`,
    '',
    '| records/s | samples | p50 ms | p90 ms | p99 ms | max ms |',
    '|---:|---:|---:|---:|---:|---:|',
    ...results.map((r) => `| ${r.rate} | ${r.samples} | ${r.p50} | ${r.p90} | ${r.p99} | ${r.max} |`),
  ];
  console.log(lines.join('\n'));
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(join(RESULTS_DIR, 'latency-latest.json'), JSON.stringify({ root, partitions, results }, null, 2));
}

main().catch(async (error: unknown) => {
  console.error(`latency: ${(error as Error).stack ?? String(error)}`);
  await cleanup();
  process.exit(1);
});
