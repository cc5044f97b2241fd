/**
 * `npm run bench`: sluice against the peer stream processors on the same input and broker, scenario by
 * scenario, the engines alternating within each round (so a load spike on the shared machine hits them
 * all alike) and BENCH_REPEAT rounds (3; median reported). `npm run bench -- --quick`: one round, small inputs.
 *
 * Each run is one consumer group on a pre-produced input. The clock starts when the group is stable with every
 * instance a member (records committed before are not counted) and stops when the committed offsets reach
 * the end of the input and of every repartition topic. CPU is the user+system time of
 * the engine's process tree over that interval, RSS the peak resident set (VmHWM, summed over processes).
 * Transactions/s: sluice's sluice_transactions_committed_total (one per task commit, or per interval with sluice-pi), the JVM
 * peer's stream-thread commit-total (one transaction per thread commit under exactly_once_v2); the Python
 * peer reports none. Every run's output is read back read_committed and checked against the input.
 *
 * Settings (environment): BENCH_REPEAT, BENCH_RECORDS (pass-through, re-key, windowed), BENCH_COUNT_KEYS
 * (running count: 2 records per key), BENCH_PARTITION_SWEEP (4,32,128), BENCH_SCENARIOS (ids, comma-separated),
 * BENCH_ENGINES (sluice,sluice-x2,sluice-pi,kafka-streams,quix; sluice-pi: --eos-producer per-instance, only when named), BENCH_VALUE_BYTES, BENCH_KEYS, BENCH_TIMEOUT_MS, KAFKA_BROKERS or
 * BENCH_BROKER_PORT, BENCH_RESULTS_NAME (bench/results/<name>.md and .json; default the date, -quick for --quick).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import type { Admin, Kafka } from 'kafkajs';
import { startBroker, type Broker } from './lib/broker.ts';
import { formatReport, type EngineSummary, type ScenarioReport } from './lib/compare-report.ts';
import { int } from './lib/config.ts';
import { ENGINE_LABELS, peerJar, peerPython, startEngine, type EngineId, type TopologyId } from './lib/engines.ts';
import { eventValue } from './lib/event.ts';
import { createTopics, endOffsets, kafkaFor, produceRecords, sum } from './lib/kafka.ts';
import { measureToEnd } from './lib/measure.ts';
import { failOnExit, interrupted, onCleanup, RESULTS_DIR, runBench } from './lib/processes.ts';
import { treeCpuSeconds, treeRssBytes } from './lib/proc-tree.ts';
import { verifyCount, verifyTableCount, verifyWindows, type Verdict } from './lib/verify.ts';

const log = (message: string) => process.stderr.write(`bench: ${message}\n`);
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

interface Scenario {
  readonly id: string;
  readonly label: string;
  readonly topology: TopologyId;
  readonly partitions: number;
  readonly records: number;
  readonly keys: number;
  readonly engines: readonly EngineId[];
}

export interface RunResult {
  readonly engine: EngineId;
  readonly round: number;
  readonly records: number;
  readonly seconds: number;
  readonly recordsPerSec: number;
  readonly cpuSeconds: number | undefined;
  readonly recordsPerCpuSec: number | undefined;
  readonly rssPeakBytes: number | undefined;
  readonly transactions: number | undefined;
  readonly txPerSec: number | undefined;
  readonly startupSeconds: number;
  readonly verdict: Verdict;
}

const quick = process.argv.includes('--quick');
const repeat = int('BENCH_REPEAT', quick ? 1 : 3, 1);
const records = int('BENCH_RECORDS', quick ? 30_000 : 200_000, 1_000);
const countKeys = int('BENCH_COUNT_KEYS', quick ? 50_000 : 1_000_000, 1_000);
const valueBytes = int('BENCH_VALUE_BYTES', 100, 60);
const keys = int('BENCH_KEYS', 1_000, 1);
const timeoutMs = int('BENCH_TIMEOUT_MS', 600_000, 10_000);
const sweep = (process.env.BENCH_PARTITION_SWEEP ?? '4,32,128').split(',').map((s) => Number(s.trim())).filter((n) => Number.isInteger(n) && n > 0);
const onlyScenarios = process.env.BENCH_SCENARIOS?.split(',').map((s) => s.trim()).filter((s) => s !== '');
const onlyEngines = process.env.BENCH_ENGINES?.split(',').map((s) => s.trim()).filter((s) => s !== '');
const SPAN_MS = 20 * 60_000;

function scenarios(): Scenario[] {
  const base = sweep[0] ?? 4;
  const list: Scenario[] = [];
  for (const p of sweep) {
    const main = p === base;
    list.push({ id: `pass-${p}`, label: `pass-through, ${p} partitions`, topology: 'passthrough', partitions: p, records, keys, engines: main ? ['sluice', 'sluice-x2', 'kafka-streams', 'quix'] : ['sluice', 'sluice-x2', 'kafka-streams'] });
    if (main) {
      list.push({ id: `rekey-${p}`, label: `re-key, ${p} partitions`, topology: 'rekey', partitions: p, records, keys, engines: ['sluice', 'kafka-streams'] });
      list.push({ id: `count-${p}`, label: `running count, ${fmt(countKeys)} keys, ${p} partitions`, topology: 'table-count', partitions: p, records: 2 * countKeys, keys: countKeys, engines: ['sluice', 'kafka-streams'] });
    }
    list.push({ id: `window-${p}`, label: `1-min tumbling count+sum, ${p} partitions`, topology: 'windowed-count', partitions: p, records, keys, engines: main ? ['sluice', 'sluice-x2', 'kafka-streams', 'quix'] : ['sluice', 'sluice-x2', 'kafka-streams'] });
  }
  return list
    .filter((s) => onlyScenarios === undefined || onlyScenarios.includes(s.id))
    // sluice-pi (one transaction per instance) runs where sluice runs, when BENCH_ENGINES names it.
    .map((s) => ({ ...s, engines: [...s.engines, ...(s.engines.includes('sluice') ? (['sluice-pi'] as const) : [])].filter((e) => (onlyEngines === undefined ? e !== 'sluice-pi' : onlyEngines.includes(e))) }))
    .filter((s) => s.engines.length > 0);
}

interface Context {
  readonly broker: Broker;
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly runId: string;
}

/** The input: record i has key key-(i mod keys) on partition (i mod keys) mod partitions, event time rising over 20 minutes. */
async function produceInput(ctx: Context, s: Scenario, topic: string): Promise<{ ends: number[]; ts: (i: number) => number }> {
  await createTopics(ctx.admin, [topic], s.partitions);
  const base = Math.floor((Date.now() - 2 * 3_600_000) / 60_000) * 60_000;
  const ts = (i: number) => base + Math.floor((i * SPAN_MS) / s.records);
  log(`${s.id}: producing ${fmt(s.records)} records ...`);
  const rate = await produceRecords(ctx.kafka, topic, s.records, (i) => {
    const k = i % s.keys;
    return { key: `key-${k}`, value: eventValue(i, `user-${(i * 7) % 10_000}`, ts(i), valueBytes), partition: k % s.partitions };
  }, undefined, 1);
  log(`${s.id}: produced at ${fmt(rate)} records/s`);
  return { ends: await endOffsets(ctx.admin, topic), ts };
}

/**
 * The clock starts when the group is stable with every instance as a member: the same moment for every engine,
 * whatever each does after its assignment (task and producer set-up come after it, and are counted).
 */
async function groupStable(admin: Admin, group: string, members: number): Promise<boolean> {
  try {
    const { groups } = await admin.describeGroups([group]);
    const g = groups[0];
    return g !== undefined && g.state === 'Stable' && g.members.length === members;
  } catch {
    return false;
  }
}

async function runOnce(ctx: Context, s: Scenario, engine: EngineId, round: number, input: string, ends: readonly number[], ts: (i: number) => number): Promise<RunResult> {
  const name = `${s.id}-${engine}-${round}`;
  const appId = `bench-${ctx.runId}-${name}`;
  const output = `bench-${ctx.runId}-${name}-out`;
  const late = `bench-${ctx.runId}-${name}-late`;
  await createTopics(ctx.admin, s.topology === 'windowed-count' ? [output, late] : [output], s.partitions);
  log(`${name}: ${ENGINE_LABELS[engine]} ...`);
  const spawned = performance.now();
  const run = await startEngine(engine, { name, topology: s.topology, brokers: ctx.broker.brokers, appId, input, output, late });
  const pids = run.children.map((c) => c.pid);
  let cpu0: number | undefined;
  let tx0: Promise<number | undefined> = Promise.resolve(undefined);
  let result: Omit<RunResult, 'verdict'>;
  try {
    const progress = await Promise.race([
      measureToEnd(ctx.admin, {
        group: appId,
        input,
        inputEnd: ends,
        stages: s.topology === 'rekey' ? [`${appId}-by-user-repartition`] : [],
        slack: 1,
        timeoutMs,
        consumed: () => groupStable(ctx.admin, appId, run.children.length),
        onStart: () => {
          cpu0 = treeCpuSeconds(pids);
          tx0 = run.commits();
        },
      }),
      ...run.children.map((c) => failOnExit(c)),
    ]);
    // An instance that joins late finds the input mostly processed by the others: no throughput figure then.
    if (progress.records < sum(ends) / 2) {
      throw new Error(`only ${fmt(progress.records)} of ${fmt(sum(ends))} records were left when the group settled with every instance (one joined late)`);
    }
    const cpu1 = treeCpuSeconds(pids);
    const rssPeakBytes = treeRssBytes(pids, 'peak');
    const [a, b] = [await tx0, await run.commits()];
    const cpuSeconds = cpu0 === undefined || cpu1 === undefined ? undefined : cpu1 - cpu0;
    const transactions = a === undefined || b === undefined ? undefined : b - a;
    result = {
      engine,
      round,
      records: progress.records,
      seconds: progress.seconds,
      recordsPerSec: progress.records / progress.seconds,
      cpuSeconds,
      recordsPerCpuSec: cpuSeconds === undefined || cpuSeconds <= 0 ? undefined : progress.records / cpuSeconds,
      rssPeakBytes,
      transactions,
      txPerSec: transactions === undefined ? undefined : transactions / progress.seconds,
      startupSeconds: (progress.t0 - spawned) / 1000,
    };
  } finally {
    await run.stop();
  }
  const verdict =
    s.topology === 'windowed-count'
      ? await verifyWindows(ctx.kafka, ctx.admin, output, { records: s.records, keys: s.keys, partitions: s.partitions, ts })
      : s.topology === 'table-count'
        ? await verifyTableCount(ctx.kafka, ctx.admin, output, s.records, s.keys)
        : await verifyCount(ctx.kafka, ctx.admin, output, s.records);
  await ctx.admin.deleteTopics({ topics: [output] }).catch(() => undefined);
  log(
    `${name}: ${fmt(result.recordsPerSec)} records/s (${result.seconds.toFixed(2)} s), ${result.recordsPerCpuSec === undefined ? '?' : fmt(result.recordsPerCpuSec)} records/CPU-s, ` +
      `RSS peak ${result.rssPeakBytes === undefined ? '?' : fmt(result.rssPeakBytes / 2 ** 20)} MiB, ${result.txPerSec === undefined ? '-' : result.txPerSec.toFixed(1)} tx/s; ` +
      `output ${verdict.ok ? 'verified' : 'WRONG'}: ${verdict.detail}`,
  );
  return { ...result, verdict };
}

function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

const defined = (xs: readonly (number | undefined)[]) => xs.filter((x): x is number => x !== undefined);

function summarize(engine: EngineId, runs: readonly RunResult[]): EngineSummary {
  return {
    engine,
    rounds: runs.length,
    recordsPerSec: median(runs.map((r) => r.recordsPerSec)) as number,
    roundsRecordsPerSec: runs.map((r) => Math.round(r.recordsPerSec)),
    recordsPerCpuSec: median(defined(runs.map((r) => r.recordsPerCpuSec))),
    rssPeakBytes: median(defined(runs.map((r) => r.rssPeakBytes))),
    txPerSec: median(defined(runs.map((r) => r.txPerSec))),
    verified: runs.every((r) => r.verdict.ok),
    verdicts: runs.map((r) => r.verdict.detail),
  };
}

async function main(): Promise<void> {
  const list = scenarios();
  if (list.length === 0) throw new Error('no scenario selected (BENCH_SCENARIOS / BENCH_ENGINES)');
  const began = performance.now();
  const startedAt = new Date();
  // Results and child logs under this name, so runs side by side keep theirs.
  const name = process.env.BENCH_RESULTS_NAME ?? `${startedAt.toISOString().slice(0, 10)}${quick ? '-quick' : ''}`;
  process.env.BENCH_LOG_DIR = join(RESULTS_DIR, 'logs', name);
  rmSync(process.env.BENCH_LOG_DIR, { recursive: true, force: true });
  mkdirSync(RESULTS_DIR, { recursive: true });
  // Build the peers first, so their build time is not in any scenario.
  const engines = new Set(list.flatMap((s) => s.engines));
  if (engines.has('kafka-streams')) log(`JVM peer: ${await peerJar()}`);
  if (engines.has('quix')) log(`Python peer: ${await peerPython()}`);
  const broker = await startBroker(process.env.KAFKA_BROKERS === '' ? undefined : process.env.KAFKA_BROKERS);
  const kafka = kafkaFor(broker.brokers, 'bench');
  const admin = kafka.admin();
  await admin.connect();
  const ctx: Context = { broker, kafka, admin, runId: randomBytes(3).toString('hex') };
  onCleanup(async () => {
    if (!broker.started) {
      const mine = (await admin.listTopics()).filter((t) => t.startsWith(`bench-${ctx.runId}-`));
      if (mine.length > 0) await admin.deleteTopics({ topics: mine }).catch(() => undefined);
    }
    await admin.disconnect();
  });
  const reports: ScenarioReport[] = [];
  for (const s of list) {
    const input = `bench-${ctx.runId}-${s.id}-in`;
    const { ends, ts } = await produceInput(ctx, s, input);
    const runs = new Map<EngineId, RunResult[]>();
    const failures: string[] = [];
    for (let round = 1; round <= repeat; round++) {
      // Alternate: each round starts with the next engine.
      const order = s.engines.map((_, i) => s.engines[(i + round - 1) % s.engines.length] as EngineId);
      for (const engine of order) {
        try {
          const r = await runOnce(ctx, s, engine, round, input, ends, ts);
          runs.set(engine, [...(runs.get(engine) ?? []), r]);
        } catch (error) {
          // One failed run (a loaded broker, a crashed engine) is reported, and the bench goes on.
          if (interrupted()) throw error;
          const message = `${s.id} ${ENGINE_LABELS[engine]} round ${round}: ${(error as Error).message}`;
          log(`run failed: ${message}`);
          failures.push(message);
        }
      }
    }
    reports.push({ id: s.id, label: s.label, records: s.records, partitions: s.partitions, engines: s.engines.filter((e) => runs.has(e)).map((e) => summarize(e, runs.get(e) ?? [])), runs: [...runs.values()].flat(), failures });
    await admin.deleteTopics({ topics: [input] }).catch(() => undefined);
  }
  const settings = { quick, repeat, records, countKeys, valueBytes, keys, sweep, cpus: cpus().length, cpuModel: cpus()[0]?.model ?? '?', node: process.version };
  const seconds = Math.round((performance.now() - began) / 1000);
  const { text, markdown } = formatReport(reports, settings, startedAt, seconds);
  process.stdout.write(`\n${text}\n`);
  writeFileSync(join(RESULTS_DIR, `${name}.json`), `${JSON.stringify({ startedAt: startedAt.toISOString(), seconds, settings, scenarios: reports }, null, 2)}\n`);
  writeFileSync(join(RESULTS_DIR, `${name}.md`), markdown);
  log(`results in bench/results/${name}.md and ${name}.json, logs in bench/results/logs/${name} (${seconds} s)`);
}

await runBench(main);
