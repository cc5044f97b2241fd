/**
 * Exactly-once recovery of the real Application on the memory cluster: a 1-minute tumbling count over seeded
 * input, with one fault injected mid-stream into the application's transactions. Whatever the fault, the
 * committed output (read_committed) must be what an undisturbed run produces: every window once, with the
 * count computed from the input. DESIGN.md, "Exactly-once": on any error inside a transaction and on any commit
 * whose outcome is unknown, the task is rebuilt from the group's offsets and its changelog.
 *
 * The Application runs on real timers (commit interval 20 ms); the test polls the cluster with a generous
 * timeout for when things happened and asserts only on what happened.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/config.ts';
import { defineTopology, serdes, tumbling, type Topology, type WindowResult } from '../../../src/index.ts';
import type { Admin, GroupConsumer, KafkaClient, OutputRecord } from '../../../src/kafka/index.ts';
import { murmur2Partition } from '../../../src/kafka/murmur2.ts';
import { MemoryKafka, type InjectedFault } from '../../../src/kafka/memory/index.ts';
import { createLogger } from '../../../src/logging/logger.ts';
import { Application } from '../../../src/runtime/application.ts';

const PARTITIONS = 2;
const EVENTS = 2_400;
const KEYS = 30;
const STEP_MS = 250;
const SIZE_MS = 60_000;
const GRACE_MS = 30_000;
const JITTER_MS = 5_000;
const T0 = Date.UTC(2026, 0, 1);
const SEED = 20_260_101;
const INPUT = 'events';
const OUTPUT = 'counts-out';
/** How long a run may take to get somewhere; an undisturbed run needs well under a second. */
const TIMEOUT_MS = 30_000;
const TEST_TIMEOUT_MS = 4 * TIMEOUT_MS;

/** A small deterministic PRNG (the same as the kill tests'), so every run sees the same input. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return s / 2 ** 32;
  };
}

interface Input {
  readonly records: OutputRecord[];
  /** "key@windowStart" → count. */
  readonly expected: Map<string, number>;
}

/** Events with timestamps out of order by up to 5 s (well within the 30 s grace, so none is late). */
function generate(seed: number): Input {
  const random = rng(seed);
  const records: OutputRecord[] = [];
  const expected = new Map<string, number>();
  for (let i = 0; i < EVENTS; i++) {
    const key = `key-${Math.floor(random() * KEYS)}`;
    const ts = T0 + i * STEP_MS - Math.floor(random() * JITTER_MS);
    const id = `${key}@${ts - (ts % SIZE_MS)}`;
    expected.set(id, (expected.get(id) ?? 0) + 1);
    records.push({ topic: INPUT, key: Buffer.from(key), value: Buffer.from(JSON.stringify({ ts })), timestampMs: ts });
  }
  // One record per partition far ahead closes every window of the run (its own window stays open).
  for (let p = 0; p < PARTITIONS; p++) {
    let k = 0;
    while (murmur2Partition(Buffer.from(`flush-${k}`), PARTITIONS) !== p) k++;
    const ts = T0 + EVENTS * STEP_MS + 10 * SIZE_MS;
    records.push({ topic: INPUT, key: Buffer.from(`flush-${k}`), value: Buffer.from(JSON.stringify({ ts })), timestampMs: ts });
  }
  return { records, expected };
}

function topology(applicationId: string): Topology {
  return defineTopology({ applicationId }, (t) => {
    t.stream(INPUT, { key: serdes.string(), value: serdes.json<{ ts: number }>(), timestamp: (v) => v.ts })
      .groupByKey()
      .windowedBy(tumbling('1m').grace(`${GRACE_MS / 1000}s`))
      .count({ name: 'counts' })
      .to(OUTPUT, { key: serdes.windowed<string>(), value: serdes.json<WindowResult<number>>() });
  });
}

/** Each case runs with a transaction per task and with one transaction per instance (src/eos/instance-transaction.ts). */
type EosProducer = 'per-task' | 'per-instance';

interface RunResult {
  /** "key@windowStart" → every count committed for that window, in output order. */
  readonly windows: Map<string, number[]>;
  readonly faultHits: number;
}

const clusters: MemoryKafka[] = [];
const apps: Application[] = [];

afterEach(async () => {
  for (const app of apps.splice(0)) await app.stop().catch(() => undefined);
  for (const cluster of clusters.splice(0)) cluster.close();
});

/** Polls `check` until it holds; fails at once when the application failed, else after TIMEOUT_MS naming `what`. */
async function waitUntil(app: Application, what: string, check: () => boolean, progress: () => string = () => ''): Promise<void> {
  let failure: unknown;
  app.done.catch((error: unknown) => {
    failure = error;
  });
  const deadline = Date.now() + TIMEOUT_MS;
  for (;;) {
    if (failure !== undefined) throw new Error(`the application failed while waiting for ${what}: ${String(failure)}`, { cause: failure });
    if (check()) return;
    if (Date.now() > deadline) {
      const tasks = app.status().tasks.map((t) => `${t.id}:${t.state}`).join(', ');
      throw new Error(`timed out after ${TIMEOUT_MS} ms waiting for ${what} (application ${app.status().state}; tasks ${tasks}${progress()})`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Input partitions whose every record the group has committed. */
function committedThrough(cluster: MemoryKafka, applicationId: string, ends: readonly number[]): boolean {
  return ends.every((end, partition) => Number(cluster.committedOffset(applicationId, INPUT, partition) ?? '-1') >= end);
}

interface Disruption {
  /** Armed once the first part is committed; must hit while the second part is processed. */
  readonly fault?: (cluster: MemoryKafka, transactionalIds: RegExp) => InjectedFault;
  /**
   * Two instances, the second started once the first is ready; once the first part is committed, the first
   * instance is killed (MemoryClient.kill) right after it processed a batch of the second part (which may or
   * may not be committed yet), and its session expires at once.
   */
  readonly killOne?: boolean;
  /**
   * As killOne, but the first instance stays connected: it pauses right after that batch (its handler does not
   * return) until the group has expelled it (its session expired) and the second instance runs both tasks;
   * then it resumes as a zombie: it still tries to commit what it processed, learns, and joins again.
   */
  readonly expelOne?: boolean;
  /**
   * Two instances; the second joins while the first is still applying its first assignment (the first
   * instance's first committedOffsets call, made while it creates its first task, waits until the group is
   * rebalancing).
   */
  readonly joinDuringFirstAssignment?: boolean;
}

/** The admin of `admin`, whose first committedOffsets call waits for `gate` (a slow coordinator). */
function delayedFirstCommittedOffsets(admin: Admin, reached: () => void, gate: Promise<void>): Admin {
  let first = true;
  return {
    connect: () => admin.connect(),
    describeTopics: (names) => admin.describeTopics(names),
    createTopics: (specs) => admin.createTopics(specs),
    topicOffsets: (topic) => admin.topicOffsets(topic),
    committedOffsets: async (groupId, topic) => {
      if (first) {
        first = false;
        reached();
        await gate;
      }
      return admin.committedOffsets(groupId, topic);
    },
    deleteTopics: (names) => admin.deleteTopics(names),
    deleteRecordsBefore: (topic, partitions) => admin.deleteRecordsBefore(topic, partitions),
    disconnect: () => admin.disconnect(),
  };
}

/** The consumer of `consumer`, calling `afterBatch` after each batch its handler processed. */
function observed(consumer: GroupConsumer, afterBatch: () => Promise<void> | void): GroupConsumer {
  return {
    connect: () => consumer.connect(),
    run: (onBatch) =>
      consumer.run(async (batch, controls) => {
        await onBatch(batch, controls);
        await afterBatch();
      }),
    onAssignment: (listener) => consumer.onAssignment(listener),
    onCrash: (listener) => consumer.onCrash(listener),
    seek: (position) => consumer.seek(position),
    pause: (partitions) => consumer.pause(partitions),
    resume: (partitions) => consumer.resume(partitions),
    commitOffsets: (offsets) => consumer.commitOffsets(offsets),
    disconnect: () => consumer.disconnect(),
  };
}

/**
 * One run: the input in four parts; the disruption (if any) happens once the first part is committed and
 * must have happened before the last two parts are sent; then the run goes on until the group has committed
 * all input.
 */
async function run(name: string, disruption: Disruption = {}, eosProducer: EosProducer = 'per-task'): Promise<RunResult> {
  const cluster = new MemoryKafka();
  clusters.push(cluster);
  const applicationId = `recovery-${eosProducer}-${name}`;
  cluster.createTopic({ name: INPUT, partitions: PARTITIONS });
  cluster.createTopic({ name: OUTPUT, partitions: PARTITIONS });
  const config = loadConfig({ 'commit-interval-ms': '20', 'http-port': 'off', 'shutdown-timeout-ms': '10000', 'eos-producer': eosProducer }, {}, { requireBrokers: false });
  const kill = { armed: false, done: false };
  const slowAdmin = { reached: false, open: () => {} };
  const gate = new Promise<void>((resolve) => (slowAdmin.open = resolve));
  const failover = disruption.killOne === true || disruption.expelOne === true;
  const twoInstances = failover || disruption.joinDuringFirstAssignment === true;
  const instances: Application[] = [];
  for (let i = 0; i < (twoInstances ? 2 : 1); i++) {
    const memoryClient = cluster.client({ clientId: `${name}-instance-${i}` });
    const killable = i === 0 && failover;
    const slow = i === 0 && disruption.joinDuringFirstAssignment === true;
    const client: KafkaClient = {
      consumer: (options) =>
        observed(memoryClient.consumer(options), async () => {
          if (!killable || !kill.armed || kill.done) return;
          kill.done = true;
          if (disruption.expelOne === true) {
            cluster.group(applicationId).expel(`${memoryClient.clientId}-member-001`);
            const survivor = instances[1] as Application;
            await waitUntil(survivor, 'the second instance to run both tasks', () => survivor.status().tasks.filter((t) => t.state === 'running').length === PARTITIONS);
            return;
          }
          memoryClient.kill();
          cluster.expireSessions();
        }),
      transactionalProducer: (options) => memoryClient.transactionalProducer(options),
      producer: () => memoryClient.producer(),
      admin: () => (slow ? delayedFirstCommittedOffsets(memoryClient.admin(), () => (slowAdmin.reached = true), gate) : memoryClient.admin()),
      partitionReader: () => memoryClient.partitionReader(),
    };
    const logger = createLogger({ level: process.env.SLUICE_TEST_LOGS ?? 'silent', name: `${applicationId}/${i}` });
    const app = new Application({ topology: topology(applicationId), config, client, logger });
    apps.push(app);
    instances.push(app);
    await app.start();
    if (failover) await waitUntil(app, `instance ${i} to be ready`, () => app.status().ready);
    if (slow) await waitUntil(app, 'the first instance to create its first task', () => slowAdmin.reached);
  }
  if (disruption.joinDuringFirstAssignment === true) {
    await waitUntil(instances[1] as Application, 'the group to rebalance', () => cluster.group(applicationId).state === 'rebalancing' || cluster.group(applicationId).generationId >= 2);
    slowAdmin.open();
  }
  if (failover) {
    await waitUntil(instances[1] as Application, 'both instances to be ready', () => instances.every((a) => a.status().ready && a.status().tasks.length === 1));
  }
  // The instance that must see the run through.
  const app = instances[instances.length - 1] as Application;

  const { records } = generate(SEED);
  const producer = cluster.client({ clientId: `${name}-producer` }).producer();
  await producer.connect();
  const parts = [0.25, 0.5, 0.75, 1].map((f) => Math.floor(records.length * f));
  const ends = () => Array.from({ length: PARTITIONS }, (_, p) => cluster.log(INPUT, p)?.endOffset ?? 0);
  const committed = () =>
    `; committed input offsets ${Array.from({ length: PARTITIONS }, (_, p) => cluster.committedOffset(applicationId, INPUT, p) ?? 'none').join(', ')} of ${ends().join(', ')}`;
  let sent = 0;
  const sendUpTo = async (until: number) => {
    await producer.send(records.slice(sent, until));
    sent = until;
  };

  await sendUpTo(parts[0] as number);
  const firstEnds = ends();
  await waitUntil(app, 'the first part to be committed', () => committedThrough(cluster, applicationId, firstEnds), committed);
  const fault = disruption.fault?.(cluster, new RegExp(`^${applicationId}-`));
  kill.armed = true;
  await sendUpTo(parts[1] as number);
  if (fault !== undefined) await waitUntil(app, `the ${fault.kind} fault to hit`, () => fault.remaining === 0);
  if (failover) await waitUntil(app, 'the first instance to be killed or expelled', () => kill.done);
  await sendUpTo(parts[2] as number);
  await sendUpTo(parts[3] as number);
  const allEnds = ends();
  await waitUntil(app, 'all input to be committed', () => committedThrough(cluster, applicationId, allEnds), committed);
  await producer.disconnect();
  for (const instance of instances) await instance.stop();

  const windows = new Map<string, number[]>();
  for (let p = 0; p < PARTITIONS; p++) {
    for (const r of cluster.readCommitted(OUTPUT, p)) {
      const key = JSON.parse(r.key?.toString() ?? '{}') as { key: string; startMs: number; endMs: number };
      const value = JSON.parse(r.value?.toString() ?? '{}') as { value: number; final: boolean };
      expect(value.final).toBe(true);
      expect(key.endMs - key.startMs).toBe(SIZE_MS);
      const id = `${key.key}@${key.startMs}`;
      windows.set(id, [...(windows.get(id) ?? []), value.value]);
    }
  }
  return { windows, faultHits: fault?.hits ?? 0 };
}

/** Window-by-window differences of a run from the reference counts (empty when exactly once). */
function differences(windows: Map<string, number[]>, reference: Map<string, number>): { twice: string[]; wrong: string[]; missing: string[]; unexpected: string[] } {
  const twice: string[] = [];
  const wrong: string[] = [];
  const missing: string[] = [];
  const unexpected: string[] = [];
  for (const [id, counts] of windows) {
    if (counts.length > 1) twice.push(`${id} emitted ${counts.length} times: ${counts.join(', ')}`);
    const want = reference.get(id);
    if (want === undefined) unexpected.push(`${id}: ${counts.join(', ')}`);
    else if (counts[0] !== want) wrong.push(`${id}: expected ${want}, got ${counts.join(', ')}`);
  }
  for (const id of reference.keys()) if (!windows.has(id)) missing.push(id);
  return { twice, wrong, missing, unexpected };
}

const NONE = { twice: [], wrong: [], missing: [], unexpected: [] };

/** The undisturbed run's counts, once. */
for (const eosProducer of ['per-task', 'per-instance'] as const) {
let undisturbed: Promise<Map<string, number>> | undefined;
const reference = (): Promise<Map<string, number>> => {
  undisturbed ??= run('undisturbed', {}, eosProducer).then(({ windows }) => new Map([...windows].map(([id, counts]) => [id, counts[0] as number])));
  return undisturbed;
};

describe(`Application recovery on the memory cluster (exactly-once, --eos-producer ${eosProducer})`, { timeout: TEST_TIMEOUT_MS }, () => {
  it('an undisturbed run emits every window once, with the count computed from the input', async () => {
    const { expected } = generate(SEED);
    const counts = await reference();
    expect(counts.size).toBe(expected.size);
    expect(differences(new Map([...counts].map(([id, n]) => [id, [n]])), expected)).toEqual(NONE);
  });

  it('a commit that fails before taking effect: the same windows as an undisturbed run, none twice', async () => {
    const result = await run('commit-fails', { fault: (cluster, ids) => cluster.faults.failCommit({ transactionalId: ids }) }, eosProducer);
    expect(result.faultHits).toBe(1);
    expect(differences(result.windows, await reference())).toEqual(NONE);
  });

  it('a failed commit whose rebuild is told changelog ends that stop short of the last transactions: the same windows, none twice', async () => {
    // As a broker may answer while it recovers: the records are there, the end offsets it reports are early.
    // The rebuilt task's restore then lacks the last transactions' state; the group offsets include them.
    let stale: InjectedFault | undefined;
    const result = await run('stale-changelog-ends', {
      fault: (cluster, ids) => {
        stale = cluster.faults.staleEndOffsets({ topic: /-changelog$/, times: PARTITIONS, behind: 70 });
        return cluster.faults.failCommit({ transactionalId: ids });
      },
    }, eosProducer);
    expect(result.faultHits).toBe(1);
    expect(stale?.hits).toBe(PARTITIONS);
    expect(differences(result.windows, await reference())).toEqual(NONE);
  });

  it('a commit that took effect but whose reply was lost: the same windows as an undisturbed run, none twice', async () => {
    const result = await run('reply-lost', { fault: (cluster, ids) => cluster.faults.loseCommitReply({ transactionalId: ids }) }, eosProducer);
    expect(result.faultHits).toBe(1);
    expect(differences(result.windows, await reference())).toEqual(NONE);
  });

  it('fenced mid-transaction (a newer producer with the same id initialised): the same windows, none twice', async () => {
    const result = await run('fenced', { fault: (cluster, ids) => cluster.faults.fenceMidTransaction({ transactionalId: ids }) }, eosProducer);
    expect(result.faultHits).toBe(1);
    expect(differences(result.windows, await reference())).toEqual(NONE);
  });

  it('the transaction coordinator unavailable for a while (6 calls): the same windows, none twice', async () => {
    const result = await run('coordinator-unavailable', { fault: (cluster, ids) => cluster.faults.coordinatorUnavailable({ transactionalId: ids, calls: 6 }) }, eosProducer);
    expect(result.faultHits).toBe(6);
    expect(differences(result.windows, await reference())).toEqual(NONE);
  });

  it('a send that fails for one output partition (retriable): the same windows, none twice', async () => {
    const result = await run('send-fails', { fault: (cluster, ids) => cluster.faults.failSend({ transactionalId: ids, topic: OUTPUT, partition: 1 }) }, eosProducer);
    expect(result.faultHits).toBe(1);
    expect(differences(result.windows, await reference())).toEqual(NONE);
  });

  it('an instance killed mid-stream (its task fails over to the other): the same windows, none twice', async () => {
    const result = await run('killed', { killOne: true }, eosProducer);
    expect(differences(result.windows, await reference())).toEqual(NONE);
  });

  it('an instance expelled from the group mid-stream (a zombie until it learns): the same windows, none twice', async () => {
    const result = await run('expelled', { expelOne: true }, eosProducer);
    expect(differences(result.windows, await reference())).toEqual(NONE);
  });

  it('a second instance joining while the first still applies its first assignment: the same windows, none twice', async () => {
    const result = await run('join-during-assignment', { joinDuringFirstAssignment: true }, eosProducer);
    expect(differences(result.windows, await reference())).toEqual(NONE);
  });
});
}
