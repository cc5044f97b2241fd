/**
 * `npm run bench:memory`: resident memory per key of sluice's state for the running count (bench/topologies/
 * table-count.ts) at 1M, 5M and 10M distinct keys, and at 1M keys the restore rate and SIGKILL → first new
 * commit time. One instance on 4 partitions; its RSS is read once it runs with empty state (the baseline) and
 * after each load step has been committed (RSS after load − baseline) ÷ keys. Node's heap figures come from the
 * instance's /metrics (nodejs_heap_size_used_bytes). Settings: MEMORY_KEYS (1000000,5000000,10000000),
 * BENCH_PARTITIONS (4), BENCH_RECOVERY_RATE (2000 records/s during the kill), BENCH_SESSION_TIMEOUT_MS,
 * KAFKA_BROKERS or BENCH_BROKER_PORT.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Admin } from 'kafkajs';
import { startBroker } from './lib/broker.ts';
import { int } from './lib/config.ts';
import { httpPort, metricSum, sluiceArgs } from './lib/engines.ts';
import { eventValue } from './lib/event.ts';
import { committedOffsets, createTopics, endOffsets, kafkaFor, produceRecords, SteadyProducer } from './lib/kafka.ts';
import { onCleanup, RESULTS_DIR, runBench, sleep, spawnChild, stopChild, type Child } from './lib/processes.ts';
import { treeRssBytes } from './lib/proc-tree.ts';

const log = (message: string) => process.stderr.write(`bench: ${message}\n`);
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const MiB = 2 ** 20;

const steps = (process.env.MEMORY_KEYS ?? '1000000,5000000,10000000').split(',').map((s) => Number(s.replace(/_/g, '').trim()));
const partitions = int('BENCH_PARTITIONS', 4, 1);
const recoveryRate = int('BENCH_RECOVERY_RATE', 2_000, 10);
const sessionTimeout = process.env.BENCH_SESSION_TIMEOUT_MS;
const VALUE_BYTES = 60;
const key = (i: number) => `key-${String(i).padStart(8, '0')}`;

interface Step {
  readonly keys: number;
  readonly rssBytes: number;
  readonly bytesPerKey: number;
  readonly heapUsedBytes: number | undefined;
  readonly heapBytesPerKey: number | undefined;
  readonly loadSeconds: number;
}

async function heapUsed(port: number): Promise<number | undefined> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(2_000) });
    return metricSum(await response.text(), 'nodejs_heap_size_used_bytes');
  } catch {
    return undefined;
  }
}

async function waitCommitted(admin: Admin, group: string, topic: string, child: Child, timeoutMs: number): Promise<void> {
  const ends = await endOffsets(admin, topic);
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (child.hasExited()) throw new Error(`the instance exited; see ${child.logFile}`);
    if (performance.now() > deadline) throw new Error(`not committed within ${timeoutMs} ms; see ${child.logFile}`);
    const c = await committedOffsets(admin, group, topic);
    if (ends.every((e, p) => (c[p] ?? -1) >= e)) return;
    await sleep(250);
  }
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const broker = await startBroker(process.env.KAFKA_BROKERS === '' ? undefined : process.env.KAFKA_BROKERS);
  const kafka = kafkaFor(broker.brokers, 'bench-memory');
  const admin = kafka.admin();
  await admin.connect();
  onCleanup(() => admin.disconnect());
  const runId = randomBytes(3).toString('hex');
  const input = `bench-${runId}-mem-in`;
  const output = `bench-${runId}-mem-out`;
  const appId = `bench-${runId}-mem`;
  await createTopics(admin, [input, output], partitions);
  const env = { BENCH_INPUT: input, BENCH_OUTPUT: output };
  const extra = sessionTimeout === undefined || sessionTimeout === '' ? [] : ['--session-timeout-ms', sessionTimeout];
  let port = await httpPort();
  let instance = spawnChild('memory-1', sluiceArgs('table-count.ts', broker.brokers, appId, ['--http-port', String(port), ...extra]), { env });
  const running = (c: Child) => c.logs.filter((l) => l.msg === 'task running').length >= partitions;
  for (const deadline = performance.now() + 120_000; !running(instance); await sleep(200)) {
    if (instance.hasExited() || performance.now() > deadline) throw new Error(`the instance did not start; see ${instance.logFile}`);
  }
  await sleep(3_000);
  const baseline = treeRssBytes([instance.pid], 'now') as number;
  const heapBaseline = await heapUsed(port);
  log(`baseline (empty state): RSS ${fmt(baseline / MiB)} MiB, heap used ${heapBaseline === undefined ? '?' : fmt(heapBaseline / MiB)} MiB`);
  const results: Step[] = [];
  let restore: Record<string, number | undefined> | undefined;
  let loaded = 0;
  for (const n of steps) {
    log(`producing keys ${fmt(loaded)} .. ${fmt(n)} ...`);
    const from = loaded;
    await produceRecords(kafka, input, n - from, (j) => {
      const i = from + j;
      return { key: key(i), value: eventValue(i, `user-${i % 10_000}`, Date.now(), VALUE_BYTES), partition: i % partitions };
    });
    const t0 = performance.now();
    await waitCommitted(admin, appId, input, instance, 3_600_000);
    const loadSeconds = (performance.now() - t0) / 1000;
    loaded = n;
    await sleep(3_000);
    const rss = treeRssBytes([instance.pid], 'now') as number;
    const heap = await heapUsed(port);
    const step: Step = {
      keys: n,
      rssBytes: rss,
      bytesPerKey: (rss - baseline) / n,
      heapUsedBytes: heap,
      heapBytesPerKey: heap === undefined || heapBaseline === undefined ? undefined : (heap - heapBaseline) / n,
      loadSeconds,
    };
    results.push(step);
    log(`${fmt(n)} keys: RSS ${fmt(rss / MiB)} MiB = ${fmt(step.bytesPerKey)} bytes/key over the baseline; heap ${step.heapBytesPerKey === undefined ? '?' : fmt(step.heapBytesPerKey)} bytes/key`);
    if (restore === undefined) {
      // Recovery at this size: SIGKILL under steady input (existing keys), restart, first new commit, restore rate.
      const producer = new SteadyProducer(kafka, input, recoveryRate, (j) => {
        const i = Math.floor(Math.random() * n);
        return { key: key(i), value: eventValue(n + j, `user-${i % 10_000}`, Date.now(), VALUE_BYTES), partition: i % partitions };
      });
      await producer.start();
      onCleanup(() => producer.stop());
      await sleep(5_000);
      instance.process.kill('SIGKILL');
      const killedAt = performance.now();
      const killedAtMs = Date.now();
      await instance.exited;
      port = await httpPort();
      instance = spawnChild('memory-2', sluiceArgs('table-count.ts', broker.brokers, appId, ['--http-port', String(port), ...extra]), { env });
      await sleep(500);
      const base = await committedOffsets(admin, appId, input);
      let firstCommit: number | undefined;
      while (firstCommit === undefined) {
        if (instance.hasExited()) throw new Error(`the restarted instance exited; see ${instance.logFile}`);
        if (performance.now() - killedAt > 600_000) throw new Error('no commit within 600 s of the kill');
        const c = await committedOffsets(admin, appId, input);
        if (c.some((o, p) => o > (base[p] ?? -1))) firstCommit = (performance.now() - killedAt) / 1000;
        else await sleep(50);
      }
      await producer.stop();
      await waitCommitted(admin, appId, input, instance, 600_000);
      const restored = instance.logs.filter((l) => l.msg === 'state restored');
      const records = restored.reduce((s, l) => s + Number(l.records), 0);
      const ms = restored.reduce((s, l) => s + Number(l.ms), 0);
      const lastRestored = restored.map((l) => Date.parse(String(l.time))).reduce((a, b) => Math.max(a, b), 0);
      restore = {
        keys: n,
        restoredRecords: records,
        restoreSecondsSummedOverTasks: ms / 1000,
        restoreRecordsPerSec: ms > 0 ? records / (ms / 1000) : undefined,
        killToRestoredSeconds: lastRestored > 0 ? (lastRestored - killedAtMs) / 1000 : undefined,
        killToFirstCommitSeconds: firstCommit,
        rssAfterRestoreBytes: treeRssBytes([instance.pid], 'now'),
      };
      log(`recovery at ${fmt(n)} keys: first new commit ${firstCommit.toFixed(2)} s after SIGKILL; restored ${fmt(records)} records at ${fmt(restore.restoreRecordsPerSec ?? 0)} records/s`);
    }
  }
  await stopChild(instance);
  const lines = [
    `| keys | RSS MiB | bytes of RSS per key (over the empty-state baseline) | heap bytes per key | load s |`,
    '| ---: | ---: | ---: | ---: | ---: |',
    ...results.map((r) => `| ${fmt(r.keys)} | ${fmt(r.rssBytes / MiB)} | ${fmt(r.bytesPerKey)} | ${r.heapBytesPerKey === undefined ? '?' : fmt(r.heapBytesPerKey)} | ${r.loadSeconds.toFixed(1)} |`),
    '',
    `Baseline: RSS ${fmt(baseline / MiB)} MiB with the topology running on empty state.`,
  ];
  if (restore !== undefined) {
    const s = (v: number | undefined) => (v === undefined ? '?' : v.toFixed(2));
    lines.push(
      `Recovery at ${fmt(restore.keys ?? 0)} keys (SIGKILL under ${fmt(recoveryRate)} records/s): first new commit ${s(restore.killToFirstCommitSeconds)} s after the kill; ` +
        `${fmt(restore.restoredRecords ?? 0)} changelog records restored at ${fmt(restore.restoreRecordsPerSec ?? 0)} records/s (per-task restore time summed), ` +
        `all restored ${s(restore.killToRestoredSeconds)} s after the kill; RSS after the restore ${fmt((restore.rssAfterRestoreBytes ?? 0) / MiB)} MiB.`,
    );
  }
  const table = lines.join('\n');
  process.stdout.write(`\n${table}\n`);
  mkdirSync(RESULTS_DIR, { recursive: true });
  const name = `${startedAt.toISOString().slice(0, 10)}-memory`;
  writeFileSync(join(RESULTS_DIR, `${name}.json`), `${JSON.stringify({ startedAt: startedAt.toISOString(), partitions, baselineBytes: baseline, steps: results, restore, table }, null, 2)}\n`);
  writeFileSync(
    join(RESULTS_DIR, `${name}.md`),
    `# Memory per key ${startedAt.toISOString().slice(0, 10)}\n\n\`npm run bench:memory\`: running count (bench/topologies/table-count.ts), one sluice instance, ${partitions} partitions. ` +
      'The machine is shared and noisy: times (load, restore, recovery) move with its load; the bytes per key do not depend on it.\n\n' +
      `${table}\n`,
  );
  log(`results in bench/results/${name}.md and .json`);
}

await runBench(main);
