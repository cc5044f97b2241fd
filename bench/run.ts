/**
 * `npm run bench`: sluice throughput against a bare-kafkajs ceiling, state restore rate and crash recovery time,
 * on a real broker (a fresh local one via docker/local-kafka/kafka.sh, or KAFKA_BROKERS).
 *
 * Throughput scenarios all read the same pre-produced input (BENCH_RECORDS records of ~BENCH_VALUE_BYTES on
 * BENCH_PARTITIONS partitions), each with its own consumer group, and run as a child process the way users run
 * sluice. The clock starts at the first committed progress (so process start, group join and producer
 * initialisation are not counted) and stops when the group's committed offsets reach the end of the input and
 * of every repartition topic; records/s = records committed in between / elapsed.
 *
 * Settings: see bench/lib/config.ts (BENCH_RECORDS, BENCH_PARTITIONS, BENCH_VALUE_BYTES, BENCH_KEYS,
 * BENCH_RESTORE_KEYS, BENCH_RECOVERY_RATE, BENCH_SCENARIOS, BENCH_CPU_PROF, BENCH_TIMEOUT_MS,
 * BENCH_CEILING_CONCURRENCY, BENCH_SESSION_TIMEOUT_MS, KAFKA_BROKERS). Results: bench/results/latest.json.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus } from 'node:os';
import { join } from 'node:path';
import type { Admin, Kafka } from 'kafkajs';
import { startBroker, type Broker } from './lib/broker.ts';
import { loadBenchConfig, type BenchConfig } from './lib/config.ts';
import { eventValue } from './lib/event.ts';
import { committedOffsets, createTopics, endOffsets, kafkaFor, produceRecords, SteadyProducer, sum } from './lib/kafka.ts';
import { measureToEnd } from './lib/measure.ts';
import { metricSum } from './lib/metric-sum.ts';
import { cpuSeconds, failOnExit, onCleanup, RESULTS_DIR, ROOT, runBench, sleep, spawnChild, stopChild, type Child } from './lib/processes.ts';
import { formatProfile, summarizeProfile, type ProfileSummary } from './lib/profile.ts';

type Guarantee = 'exactly_once' | 'at_least_once';

interface ThroughputResult {
  readonly id: string;
  readonly label: string;
  readonly guarantee: Guarantee;
  readonly records: number;
  readonly seconds: number;
  readonly recordsPerSec: number;
  /** recordsPerSec / ceiling's recordsPerSec. */
  ratio?: number;
  /** CPU of the processing process over the measured interval, in % of one core. */
  readonly processCpuPercent: number | undefined;
  readonly brokerCpuPercent: number | undefined;
  /** From process start to the first committed progress. */
  readonly startupSeconds: number;
  /** sluice's own metrics over the run: time spent in task commits and in processing batches. */
  readonly commits?: CommitStats;
  /** records/s of every round, when BENCH_REPEAT > 1 (the result is the median round). */
  rounds?: number[];
  profile?: ProfileSummary;
}

interface CommitStats {
  readonly commits: number;
  readonly commitMsMean: number;
  /**
   * Commit time summed over tasks / measured seconds: the mean number of commits in flight. Tasks commit
   * concurrently with each other and with processing, so this can exceed 1; it is not time processing waited.
   */
  readonly commitsInFlight: number;
  /** Time in the synchronous pass over batches / measured seconds. */
  readonly processShare: number;
  readonly failedCommits: number;
}

interface RestoreResult {
  readonly changelogRecords: number;
  readonly tasks: { task: string; records: number; ms: number }[];
  /** Sum of per-task restore time (tasks restore one after the other). */
  readonly restoreSeconds: number;
  readonly recordsPerSec: number;
  /** From process start to /readyz answering 200 with every task running. */
  readonly secondsToReady: number;
  /** From the group join to the last task running (producer init, position look-up and restore of every task). */
  readonly joinToRunningSeconds: number | undefined;
  /** /readyz answered 200 while some tasks of the assignment were not created or restored yet. */
  readonly readyBeforeAllTasksRunning: boolean;
  readonly processCpuPercent: number | undefined;
}

interface RecoveryResult {
  readonly inputRatePerSec: number;
  readonly sessionTimeoutMs: number;
  /** SIGKILL → first transaction of the new instance committed (its output and offsets). */
  readonly secondsToFirstCommit: number;
  /** SIGKILL → the new instance's group join; → all tasks restored; → all tasks running. */
  readonly secondsToJoin: number | undefined;
  readonly secondsToRestored: number | undefined;
  readonly secondsToRunning: number | undefined;
  readonly restoredRecords: number;
  /** SIGKILL → the backlog that piled up until the first commit is processed. */
  readonly secondsToCatchUp: number | undefined;
}

const log = (message: string) => process.stderr.write(`bench: ${message}\n`);
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

// ---------------------------------------------------------------------------------------------------------------
// Measuring

/** sluice counts consumed records in its metrics (after running each batch). */
function sluiceConsumed(port: number): () => Promise<boolean> {
  return async () => {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(1_000) });
      return metricSum(await response.text(), 'sluice_records_consumed_total') > 0;
    } catch {
      return false;
    }
  };
}

/** CPU % of one core used by `pid` between two calls. */
function cpuMeter(pid: number | undefined): { start(): void; percent(): number | undefined } {
  let c0: number | undefined;
  let t0 = 0;
  return {
    start() {
      c0 = cpuSeconds(pid);
      t0 = performance.now();
    },
    percent() {
      const c1 = cpuSeconds(pid);
      if (c0 === undefined || c1 === undefined) return undefined;
      return Math.round(((c1 - c0) / ((performance.now() - t0) / 1000)) * 100);
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Running sluice and the ceiling

function sluiceArgs(topology: string, brokers: string, appId: string, guarantee: Guarantee, extra: readonly string[] = []): string[] {
  return [
    join(ROOT, 'bin', 'sluice.js'),
    'run',
    join(ROOT, 'bench', 'topologies', topology),
    '--brokers',
    brokers,
    '--application-id',
    appId,
    '--processing-guarantee',
    guarantee,
    '--log-format',
    'json',
    '--log-level',
    'info',
    ...extra,
  ];
}

function profileFlags(config: BenchConfig, name: string): string[] {
  if (!config.cpuProf) return [];
  const dir = join(RESULTS_DIR, 'profiles');
  mkdirSync(dir, { recursive: true });
  return ['--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${name}.cpuprofile`];
}

function readProfile(config: BenchConfig, name: string): ProfileSummary | undefined {
  if (!config.cpuProf) return undefined;
  const file = join(RESULTS_DIR, 'profiles', `${name}.cpuprofile`);
  if (!existsSync(file)) {
    log(`no CPU profile was written for ${name}`);
    return undefined;
  }
  const summary = summarizeProfile(file);
  process.stderr.write(`${formatProfile(summary)}\n`);
  return summary;
}

interface Context {
  readonly config: BenchConfig;
  readonly broker: Broker;
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly runId: string;
}

const topicName = (ctx: Context, name: string) => `bench-${ctx.runId}-${name}`;

interface ThroughputSpec {
  readonly id: string;
  readonly label: string;
  readonly guarantee: Guarantee;
  /** A sluice topology in bench/topologies, or the ceiling loop. */
  readonly topology: string | 'ceiling';
  /** Repartition topic names (the part between `<applicationId>-` and `-repartition`). */
  readonly repartitions?: readonly string[];
  readonly lateTopic?: boolean;
}


interface CommitCounters {
  readonly commits: number;
  readonly commitSeconds: number;
  readonly processSeconds: number;
  readonly failed: number;
}

async function scrapeCommits(port: number): Promise<CommitCounters | undefined> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(2_000) });
    const text = await response.text();
    return {
      commits: metricSum(text, 'sluice_commit_duration_seconds_count'),
      commitSeconds: metricSum(text, 'sluice_commit_duration_seconds_sum'),
      processSeconds: metricSum(text, 'sluice_process_duration_seconds_sum'),
      failed: metricSum(text, 'sluice_commits_total', 'result="failed"'),
    };
  } catch (error) {
    log(`could not read /metrics on port ${port}: ${(error as Error).message}`);
    return undefined;
  }
}

/** Commit statistics between two scrapes (at the first committed progress and at the end). */
function commitStats(start: CommitCounters | undefined, end: CommitCounters | undefined, seconds: number): CommitStats | undefined {
  if (start === undefined || end === undefined) return undefined;
  const commits = end.commits - start.commits;
  const commitSeconds = end.commitSeconds - start.commitSeconds;
  return {
    commits,
    commitMsMean: commits > 0 ? (commitSeconds * 1000) / commits : 0,
    commitsInFlight: commitSeconds / seconds,
    processShare: (end.processSeconds - start.processSeconds) / seconds,
    failedCommits: end.failed - start.failed,
  };
}

async function runThroughput(
  ctx: Context,
  spec: ThroughputSpec,
  input: string,
  inputEnd: readonly number[],
  round: number,
  names?: { appId: string; output: string },
): Promise<ThroughputResult> {
  const { config, broker, admin } = ctx;
  const name = config.repeat > 1 && names === undefined ? `${spec.id}-${round}` : spec.id;
  const appId = names?.appId ?? `bench-${ctx.runId}-${name}`;
  const output = names?.output ?? topicName(ctx, `${name}-out`);
  const late = topicName(ctx, `${name}-late`);
  await createTopics(admin, spec.lateTopic === true ? [output, late] : [output], config.partitions);
  log(`${name}: ${spec.label} (${spec.guarantee}) on ${fmt(sum(inputEnd))} records ...`);
  const env: Record<string, string> = { BENCH_INPUT: input, BENCH_OUTPUT: output, BENCH_LATE: late };
  // Profile the first round only.
  const nodeFlags = round === 1 ? profileFlags(config, spec.id) : [];
  const port = spec.topology === 'ceiling' ? undefined : await httpPort();
  const child: Child =
    spec.topology === 'ceiling'
      ? spawnChild(name, ['--import', 'tsx', join(ROOT, 'bench', 'ceiling.ts')], {
          env: { ...env, BENCH_BROKERS: broker.brokers, BENCH_GROUP: appId, BENCH_PARTITIONS: String(config.partitions), BENCH_CEILING_CONCURRENCY: String(config.ceilingConcurrency) },
          nodeFlags,
        })
      : spawnChild(name, sluiceArgs(spec.topology, broker.brokers, appId, spec.guarantee, ['--http-port', String(port)]), { env, nodeFlags });
  const spawnedAt = performance.now();
  const processCpu = cpuMeter(child.pid);
  const brokerCpu = cpuMeter(broker.pid);
  let result: ThroughputResult;
  let atStart: Promise<CommitCounters | undefined> = Promise.resolve(undefined);
  try {
    const progress = await Promise.race([
      measureToEnd(admin, {
        group: appId,
        input,
        inputEnd,
        stages: (spec.repartitions ?? []).map((r) => `${appId}-${r}-repartition`),
        slack: spec.guarantee === 'exactly_once' ? 1 : 0,
        timeoutMs: config.timeoutMs,
        consumed: port === undefined ? () => child.logs.some((l) => l.msg === 'ceiling first batch') : sluiceConsumed(port),
        onStart: () => {
          processCpu.start();
          brokerCpu.start();
          if (port !== undefined) atStart = scrapeCommits(port);
        },
      }),
      failOnExit(child),
    ]);
    const processCpuPercent = processCpu.percent();
    const brokerCpuPercent = brokerCpu.percent();
    const commits = port === undefined ? undefined : commitStats(await atStart, await scrapeCommits(port), progress.seconds);
    result = {
      id: spec.id,
      label: spec.label,
      guarantee: spec.guarantee,
      records: progress.records,
      seconds: progress.seconds,
      recordsPerSec: progress.records / progress.seconds,
      processCpuPercent,
      brokerCpuPercent,
      startupSeconds: (progress.t0 - spawnedAt) / 1000,
      ...(commits !== undefined ? { commits } : {}),
    };
  } finally {
    await stopChild(child);
  }
  const c = result.commits;
  log(
    `${name}: ${fmt(result.recordsPerSec)} records/s (${fmt(result.records)} records in ${result.seconds.toFixed(2)} s, process CPU ${result.processCpuPercent ?? '?'}%` +
      (c === undefined ? ')' : `; ${fmt(c.commits)} commits of ${c.commitMsMean.toFixed(1)} ms mean = ${c.commitsInFlight.toFixed(2)} in flight on average, processing ${Math.round(c.processShare * 100)}%)`),
  );
  const profile = round === 1 ? readProfile(config, spec.id) : undefined;
  if (profile !== undefined) result.profile = profile;
  return result;
}

// ---------------------------------------------------------------------------------------------------------------
// Inputs

/** Input of the throughput scenarios: event time spread over 20 minutes, 1-minute windows close as it advances. */
async function produceThroughputInput(ctx: Context, topic: string): Promise<number[]> {
  const { config, admin, kafka } = ctx;
  await createTopics(admin, [topic], config.partitions);
  const n = config.records;
  const spanMs = 20 * 60_000;
  const base = Math.floor((Date.now() - 2 * 3_600_000) / 60_000) * 60_000;
  log(`producing ${fmt(n)} input records of ~${config.valueBytes} bytes to ${config.partitions} partitions ...`);
  const rate = await produceRecords(kafka, topic, n, (i) => ({
    key: `key-${i % config.keys}`,
    value: eventValue(i, `user-${(i * 7) % 10_000}`, base + Math.floor((i * spanMs) / n), config.valueBytes),
    partition: i % config.partitions,
  }), undefined, 1); // one send in flight: the windowed scenario needs event time in order within a partition
  log(`produced at ${fmt(rate)} records/s`);
  return endOffsets(admin, topic);
}

const restoreKey = (i: number) => `key-${String(i).padStart(7, '0')}`;

// ---------------------------------------------------------------------------------------------------------------
// Restore and recovery

async function readyz(port: number): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(1_000) });
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false;
  }
}

/** A port free right now (the OS picks it), for a sluice instance's HTTP server. */
function httpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (address !== null && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

interface StateRun {
  readonly input: string;
  readonly appId: string;
  readonly build?: ThroughputResult;
  restore?: RestoreResult;
  recovery?: RecoveryResult;
  /** The instance that restored the state; the recovery scenario kills it. */
  instance?: Child;
}

/** Epoch ms of a sluice log line (pino writes `time` as an ISO string). */
function logTime(line: Record<string, unknown>): number {
  return typeof line.time === 'number' ? line.time : Date.parse(String(line.time));
}

function restoredLines(child: Child): { task: string; records: number; ms: number; time: number }[] {
  return child.logs
    .filter((l) => l.msg === 'state restored')
    .map((l) => ({ task: String(l.task), records: Number(l.records), ms: Number(l.ms), time: logTime(l) }));
}

function runningTasks(child: Child): number {
  return child.logs.filter((l) => l.msg === 'task running').length;
}

/** Builds the 1M-key table state through sluice (measured like a throughput scenario), then restores it. */
async function runRestore(ctx: Context): Promise<StateRun> {
  const { config, admin, kafka, broker } = ctx;
  const input = topicName(ctx, 'table-in');
  const output = topicName(ctx, 'table-out');
  const appId = `bench-${ctx.runId}-table`;
  await createTopics(admin, [input, output], config.partitions);
  const n = config.restoreKeys;
  log(`restore: producing ${fmt(n)} records with distinct keys ...`);
  const rate = await produceRecords(kafka, input, n, (i) => ({ key: restoreKey(i), value: eventValue(i, `user-${i % 10_000}`, Date.now(), config.valueBytes), partition: i % config.partitions }));
  log(`restore: produced at ${fmt(rate)} records/s`);
  const inputEnd = await endOffsets(admin, input);
  const env = { BENCH_INPUT: input, BENCH_OUTPUT: output };

  // 1. Build the state: count per key over all keys (also a throughput figure for a table aggregate).
  const build = await runThroughput(
    ctx,
    { id: 'table-eos', label: `table count, ${fmt(n)} distinct keys`, guarantee: 'exactly_once', topology: 'table-count.ts' },
    input,
    inputEnd,
    1,
    { appId, output },
  );
  const changelogs = (await admin.listTopics()).filter((t) => t.startsWith(`${appId}-`) && t.endsWith('-changelog'));
  let changelogEnd = 0;
  for (const t of changelogs) changelogEnd += sum(await endOffsets(admin, t));
  log(`restore: changelog ${changelogs.join(', ')} holds ${fmt(changelogEnd)} offsets (records + markers)`);

  // 2. A new instance (state is in memory, so it starts empty) restores from the changelog.
  const port = await httpPort();
  log(`restore: starting a fresh instance and restoring ...`);
  const instance = spawnChild('table-restore', sluiceArgs('table-count.ts', broker.brokers, appId, 'exactly_once', ['--http-port', String(port), ...sessionFlags(config)]), { env });
  const started = performance.now();
  const cpu = cpuMeter(instance.pid);
  cpu.start();
  const deadline = started + config.timeoutMs;
  const run: StateRun = { input, appId, build, instance };
  let firstReadyAt: number | undefined;
  let readyEarly = false;
  for (;;) {
    if (instance.hasExited()) throw new Error(`the restoring instance exited; see ${instance.logFile}`);
    if (performance.now() > deadline) throw new Error(`the restoring instance was not ready within ${config.timeoutMs} ms; see ${instance.logFile}`);
    // /readyz alone is not enough: it can answer 200 between two tasks of one assignment, so also wait for every
    // task to have logged 'task running'.
    const allRunning = runningTasks(instance) >= config.partitions;
    if (await readyz(port)) {
      firstReadyAt ??= performance.now();
      if (allRunning) break;
      readyEarly = true;
    }
    await sleep(100);
  }
  if (readyEarly) log(`restore: note: /readyz answered 200 ${((performance.now() - (firstReadyAt as number)) / 1000).toFixed(2)} s before all tasks were running`);
  const secondsToReady = (performance.now() - started) / 1000;
  const joined = instance.logs.find((l) => l.msg === 'joined the group');
  const running = instance.logs.filter((l) => l.msg === 'task running');
  const lastRunning = running[running.length - 1];
  const joinToRunningSeconds = joined === undefined || lastRunning === undefined ? undefined : (logTime(lastRunning) - logTime(joined)) / 1000;
  const tasks = restoredLines(instance).map(({ task, records, ms }) => ({ task, records, ms }));
  const records = tasks.reduce((s, t) => s + t.records, 0);
  const ms = tasks.reduce((s, t) => s + t.ms, 0);
  run.restore = {
    changelogRecords: records,
    tasks,
    restoreSeconds: ms / 1000,
    recordsPerSec: ms > 0 ? records / (ms / 1000) : 0,
    secondsToReady,
    joinToRunningSeconds,
    readyBeforeAllTasksRunning: readyEarly,
    processCpuPercent: cpu.percent(),
  };
  log(`restore: ${fmt(records)} changelog records in ${(ms / 1000).toFixed(2)} s = ${fmt(run.restore.recordsPerSec)} records/s; ready ${secondsToReady.toFixed(2)} s after start`);
  return run;
}

function sessionFlags(config: BenchConfig): string[] {
  return config.sessionTimeoutMs === undefined ? [] : ['--session-timeout-ms', String(config.sessionTimeoutMs)];
}

/** SIGKILLs the running instance while input flows, restarts it, and times the first commit of the new one. */
async function runRecovery(ctx: Context, run: StateRun): Promise<RecoveryResult> {
  const { config, admin, kafka, broker } = ctx;
  const old = run.instance;
  if (old === undefined || old.hasExited()) throw new Error('recovery: the restored instance is not running');
  const output = topicName(ctx, 'table-out');
  const env = { BENCH_INPUT: run.input, BENCH_OUTPUT: output };
  const n = config.restoreKeys;
  const producer = new SteadyProducer(kafka, run.input, config.recoveryRate, (i) => {
    const k = Math.floor(Math.random() * n);
    return { key: restoreKey(k), value: eventValue(n + i, `user-${k % 10_000}`, Date.now(), config.valueBytes), partition: k % config.partitions };
  });
  await producer.start();
  onCleanup(() => producer.stop());
  try {
    log(`recovery: producing ${fmt(config.recoveryRate)} records/s; waiting for steady commits ...`);
    const before = sum(await committedOffsets(admin, run.appId, run.input));
    await sleep(5_000);
    const steady = sum(await committedOffsets(admin, run.appId, run.input));
    if (steady <= before) throw new Error('recovery: the instance did not commit anything in 5 s of input');
    log(`recovery: steady (${fmt((steady - before) / 5)} records/s committed); SIGKILL`);
    old.process.kill('SIGKILL');
    const killedAt = performance.now();
    const killedAtMs = Date.now();
    await old.exited;
    const restarted = spawnChild('table-recover', sluiceArgs('table-count.ts', broker.brokers, run.appId, 'exactly_once', ['--http-port', 'off', ...sessionFlags(config)]), { env });
    // A commit the killed instance had in flight may still complete at the coordinator: take the baseline after.
    await sleep(500);
    const baseline = await committedOffsets(admin, run.appId, run.input);
    const deadline = killedAt + config.timeoutMs;
    let firstAt: number | undefined;
    while (firstAt === undefined) {
      if (restarted.hasExited()) throw new Error(`recovery: the restarted instance exited; see ${restarted.logFile}`);
      if (performance.now() > deadline) throw new Error(`recovery: no commit within ${config.timeoutMs} ms of the kill; see ${restarted.logFile}`);
      const c = await committedOffsets(admin, run.appId, run.input);
      if (c.some((o, p) => o > (baseline[p] ?? -1))) firstAt = performance.now();
      else await sleep(50);
    }
    const secondsToFirstCommit = (firstAt - killedAt) / 1000;
    log(`recovery: first commit of the new instance ${secondsToFirstCommit.toFixed(2)} s after SIGKILL`);
    // Catch-up: until the backlog that was in the input at the first commit is processed.
    const backlogEnd = await endOffsets(admin, run.input);
    let caughtUpAt: number | undefined;
    while (caughtUpAt === undefined && performance.now() < deadline && !restarted.hasExited()) {
      const c = await committedOffsets(admin, run.appId, run.input);
      if (backlogEnd.every((e, p) => (c[p] ?? -1) >= e)) caughtUpAt = performance.now();
      else await sleep(100);
    }
    const since = (line: Record<string, unknown> | undefined) => (line === undefined ? undefined : (logTime(line) - killedAtMs) / 1000);
    const joined = restarted.logs.find((l) => l.msg === 'joined the group');
    const restored = restoredLines(restarted);
    const runningLines = restarted.logs.filter((l) => l.msg === 'task running');
    const result: RecoveryResult = {
      inputRatePerSec: config.recoveryRate,
      sessionTimeoutMs: config.sessionTimeoutMs ?? 10_000,
      secondsToFirstCommit,
      secondsToJoin: since(joined),
      secondsToRestored: restored.length === 0 ? undefined : (Math.max(...restored.map((r) => r.time)) - killedAtMs) / 1000,
      secondsToRunning: runningTasks(restarted) === 0 ? undefined : since(runningLines[runningLines.length - 1]),
      restoredRecords: restored.reduce((s, r) => s + r.records, 0),
      secondsToCatchUp: caughtUpAt === undefined ? undefined : (caughtUpAt - killedAt) / 1000,
    };
    log(
      `recovery: joined +${result.secondsToJoin?.toFixed(2)} s, restored +${result.secondsToRestored?.toFixed(2)} s, running +${result.secondsToRunning?.toFixed(2)} s, ` +
        `first commit +${secondsToFirstCommit.toFixed(2)} s, caught up +${result.secondsToCatchUp?.toFixed(2)} s`,
    );
    await producer.stop();
    await stopChild(restarted);
    return result;
  } finally {
    await producer.stop();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Report

function pad(s: string, n: number, right = false): string {
  return right ? s.padStart(n) : s.padEnd(n);
}

function table(results: readonly ThroughputResult[], state: StateRun | undefined): string {
  const lines: string[] = [];
  const header = [
    pad('scenario', 46),
    pad('guarantee', 13),
    pad('records', 9, true),
    pad('seconds', 7, true),
    pad('records/s', 9, true),
    pad('÷ ceiling', 9, true),
    pad('rounds (records/s)', 24, true),
    pad('proc CPU', 8, true),
    pad('broker CPU', 10, true),
    pad('commits in flight', 17, true),
  ];
  lines.push(header.join(' '));
  lines.push('-'.repeat(header.join(' ').length));
  for (const r of results) {
    lines.push(
      [
        pad(`${r.id}: ${r.label}`, 46),
        pad(r.guarantee, 13),
        pad(fmt(r.records), 9, true),
        pad(r.seconds.toFixed(2), 7, true),
        pad(fmt(r.recordsPerSec), 9, true),
        pad(r.ratio === undefined ? '-' : r.ratio.toFixed(2), 9, true),
        pad(r.rounds === undefined ? '-' : r.rounds.map(fmt).join(' / '), 24, true),
        pad(r.processCpuPercent === undefined ? '?' : `${r.processCpuPercent}%`, 8, true),
        pad(r.brokerCpuPercent === undefined ? '?' : `${r.brokerCpuPercent}%`, 10, true),
        pad(r.commits === undefined ? '-' : r.commits.commitsInFlight.toFixed(2), 17, true),
      ].join(' '),
    );
  }
  lines.push('');
  lines.push(
    '÷ ceiling: records/s over the ceiling\'s. proc CPU: the measured process, % of one core. commits in flight: commit time ' +
      'summed over tasks ÷ measured time, the mean number of task commits under way (tasks commit concurrently, and ' +
      'processing goes on meanwhile).',
  );
  if (state?.restore !== undefined) {
    const r = state.restore;
    lines.push(
      `restore: ${fmt(r.changelogRecords)} changelog records in ${r.restoreSeconds.toFixed(2)} s = ${fmt(r.recordsPerSec)} records/s ` +
        `(${r.tasks.length} tasks, one after the other; process CPU ${r.processCpuPercent ?? '?'}%); join → all tasks running ${r.joinToRunningSeconds?.toFixed(2) ?? '?'} s; ready ${r.secondsToReady.toFixed(2)} s after process start`,
    );
  }
  if (state?.recovery !== undefined) {
    const r = state.recovery;
    const s = (v: number | undefined) => (v === undefined ? '?' : `${v.toFixed(2)} s`);
    lines.push(
      `recovery: SIGKILL under ${fmt(r.inputRatePerSec)} records/s → first new commit ${s(r.secondsToFirstCommit)} ` +
        `(group join ${s(r.secondsToJoin)}, ${fmt(r.restoredRecords)} records restored ${s(r.secondsToRestored)}, tasks running ${s(r.secondsToRunning)}; ` +
        `session timeout ${r.sessionTimeoutMs} ms); backlog processed ${s(r.secondsToCatchUp)}`,
    );
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------------------------

const THROUGHPUT: readonly ThroughputSpec[] = [
  { id: 'ceiling', label: 'bare kafkajs consume → tx produce', guarantee: 'exactly_once', topology: 'ceiling' },
  { id: 'pass-eos', label: 'stateless map + filter', guarantee: 'exactly_once', topology: 'passthrough.ts' },
  { id: 'pass-alo', label: 'stateless map + filter', guarantee: 'at_least_once', topology: 'passthrough.ts' },
  { id: 'rekey-eos', label: 're-key through a repartition topic', guarantee: 'exactly_once', topology: 'rekey.ts', repartitions: ['by-user'] },
  { id: 'rekey-alo', label: 're-key through a repartition topic', guarantee: 'at_least_once', topology: 'rekey.ts', repartitions: ['by-user'] },
  { id: 'window-eos', label: 'windowed count+sum (1-min tumbling)', guarantee: 'exactly_once', topology: 'windowed-count.ts', lateTopic: true },
];

async function main(): Promise<void> {
  const config = loadBenchConfig();
  const selected = (id: string) => config.only === undefined || config.only.has(id);
  mkdirSync(RESULTS_DIR, { recursive: true });
  for (const dir of ['logs', 'profiles']) rmSync(join(RESULTS_DIR, dir), { recursive: true, force: true });
  const startedAt = new Date();
  const began = performance.now();
  const broker = await startBroker(config.brokers);
  log(`broker ${broker.brokers}${broker.started ? ' (started by the bench)' : ' (KAFKA_BROKERS)'}`);
  const kafka = kafkaFor(broker.brokers, 'bench');
  const admin = kafka.admin();
  await admin.connect();
  const ctx: Context = { config, broker, kafka, admin, runId: randomBytes(3).toString('hex') };
  onCleanup(async () => {
    if (!broker.started && process.env.BENCH_KEEP_TOPICS === undefined) {
      const mine = (await admin.listTopics()).filter((t) => t.startsWith(`bench-${ctx.runId}-`));
      if (mine.length > 0) await admin.deleteTopics({ topics: mine }).catch(() => undefined);
    }
    await admin.disconnect();
  });

  const results: ThroughputResult[] = [];
  const specs = THROUGHPUT.filter((s) => selected(s.id));
  if (specs.length > 0) {
    const input = topicName(ctx, 'in');
    const inputEnd = await produceThroughputInput(ctx, input);
    // Rounds go over all scenarios in turn, so drift (broker log growth, page cache) spreads over all of them.
    const rounds = new Map<string, ThroughputResult[]>();
    for (let round = 1; round <= config.repeat; round++) {
      for (const spec of specs) {
        const list = rounds.get(spec.id) ?? [];
        list.push(await runThroughput(ctx, spec, input, inputEnd, round));
        rounds.set(spec.id, list);
      }
    }
    for (const spec of specs) {
      const list = [...(rounds.get(spec.id) ?? [])];
      const all = list.map((r) => r.recordsPerSec);
      list.sort((a, b) => a.recordsPerSec - b.recordsPerSec);
      const median = list[Math.floor((list.length - 1) / 2)] as ThroughputResult;
      if (list.length > 1) median.rounds = all.map((x) => Math.round(x));
      const profiled = rounds.get(spec.id)?.[0]?.profile;
      if (profiled !== undefined) median.profile = profiled;
      results.push(median);
    }
  }
  let state: StateRun | undefined;
  if (selected('restore')) {
    state = await runRestore(ctx);
    if (state.build !== undefined) results.push(state.build);
    if (selected('recovery')) state.recovery = await runRecovery(ctx, state);
    if (state.instance !== undefined) await stopChild(state.instance);
  }
  const ceiling = results.find((r) => r.id === 'ceiling');
  if (ceiling !== undefined) for (const r of results) r.ratio = r.recordsPerSec / ceiling.recordsPerSec;

  const report = table(results, state);
  process.stdout.write(`\n${report}\n\n`);
  const json = {
    startedAt: startedAt.toISOString(),
    durationSeconds: Math.round((performance.now() - began) / 1000),
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, node: process.version, platform: process.platform },
    broker: broker.started ? 'local kafka.sh broker' : broker.brokers,
    settings: {
      records: config.records,
      partitions: config.partitions,
      valueBytes: config.valueBytes,
      keys: config.keys,
      restoreKeys: config.restoreKeys,
      recoveryRate: config.recoveryRate,
      ceilingConcurrency: config.ceilingConcurrency,
      commitIntervalMs: { exactly_once: 100, at_least_once: 1000 },
    },
    throughput: results,
    restore: state?.restore,
    recovery: state?.recovery,
    table: report,
  };
  writeFileSync(join(RESULTS_DIR, 'latest.json'), `${JSON.stringify(json, null, 2)}\n`);
  const profiles = join(RESULTS_DIR, 'profiles');
  log(`results in ${join('bench', 'results', 'latest.json')}${existsSync(profiles) && readdirSync(profiles).length > 0 ? `, CPU profiles in bench/results/profiles` : ''} (${json.durationSeconds} s)`);
}

await runBench(main);
