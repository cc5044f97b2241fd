import { defineTopology, serdes, tumbling, type WindowResult } from '../../src/index.ts';
import type { OutputRecord } from '../../src/kafka/types.ts';
import { describePlan } from '../../src/planner/describe.ts';
import type { TopologyDescription } from '../../src/planner/description.ts';
import { resolvePartitions } from '../../src/planner/partitions.ts';
import { plan as planTopology, type Plan } from '../../src/planner/plan.ts';
import type { ApplicationState, ApplicationStatus, CommittedOutputListener, GlobalTableStatus, StatusSource, TaskRestoreStatus, TaskStatus } from '../../src/runtime/status.ts';

/**
 * A StatusSource that plays the life of a small application without Kafka: out of the group first, then
 * in the group with tasks restoring (progress rising), then running with watermarks that follow the clock,
 * counters that grow and committed output on every topic it writes. Its topology is a real one, planned and
 * described by sluice (the plan's serdes decode the output). For the dashboard's browser check, not a claim
 * about how the runtime behaves.
 */
export interface FakeApplication extends StatusSource {
  readonly plan: Plan;
  /** Ends restoration now: the global table loaded, every task running, the instance ready. */
  finishRestore(): void;
  /** Ends the global table's load: the instance joins its group (its tasks then restore as configured). */
  finishGlobalLoad(): void;
  /** Reports `records` to the committed-output listeners, as a commit would. */
  commit(records: readonly OutputRecord[]): void;
  /** Serializes with the sink serdes of clicks-per-page: a windowed count. */
  windowResult(page: string, startMs: number, count: number): OutputRecord;
}

export interface FakeApplicationOptions {
  readonly applicationId?: string;
  readonly partitions?: number;
  /** Time out of the group before the first assignment. */
  readonly joinAfterMs?: number;
  /** Time each task spends restoring after the assignment. */
  readonly restoreMs?: number;
  /**
   * Stateful tasks stay restoring (progress capped below 100%) until `finishRestore()`, however long the test
   * takes to get there: a test that checks the restoring state must not race the clock.
   */
  readonly holdRestore?: boolean;
  /** The global table stays loading (at 60%, out of the group) until `finishGlobalLoad()` or `finishRestore()`. */
  readonly holdGlobalLoad?: boolean;
  /** How often running tasks commit output; 0 commits none by themselves. Default 400 ms. */
  readonly commitIntervalMs?: number;
  readonly now?: () => number;
}

interface Click {
  readonly page: string;
  readonly section?: string;
  readonly userAgent: string;
  readonly ts: number;
}

/** The global table's topic: partitions, and offsets in each, loaded before the fake joins its group. */
const SECTION_PARTITIONS = 2;
const SECTION_OFFSETS = 40_000;
const PAGES = ['/', '/pricing', '/docs/getting-started', '/blog/exactly-once-in-typescript', '/signup', '/docs/windows'];
const windowedKey = serdes.windowed<string>();
const windowedValue = serdes.json<WindowResult<number>>();

/** The topology the fake pretends to run: parse clicks, add the page's section (a global table), drop bots, count per page and minute. */
export function fakeTopology(applicationId: string): Plan {
  return planTopology(
    defineTopology({ applicationId, onError: 'dead-letter' }, (t) => {
      const sections = t.globalTable('page-sections', { key: serdes.string(), value: serdes.string(), name: 'page-sections' });
      t.stream('clicks', { key: serdes.nullableString(), value: serdes.json<string>(), name: 'clicks-source' })
        .mapValues((raw): Click => JSON.parse(raw) as Click, { name: 'parse-click' })
        .leftJoin(sections, (_, click) => click.page, (click, section): Click => ({ ...click, section: section ?? 'other' }), { name: 'with-section' })
        .filter((_, click) => !/bot/i.test(click.userAgent), { name: 'only-humans' })
        .groupBy((_, click) => click.page, { name: 'by-page', key: serdes.string(), value: serdes.json<Click>() })
        .windowedBy(tumbling('1m').grace('10s'))
        .count({ name: 'clicks-per-page', lateTopic: 'clicks-late' })
        .to('clicks-per-page', { key: windowedKey, value: windowedValue, name: 'clicks-per-page-sink' });
    }),
  );
}

export function createFakeApplication(options: FakeApplicationOptions = {}): FakeApplication {
  const applicationId = options.applicationId ?? 'clickstream';
  const partitions = options.partitions ?? 3;
  const joinAfterMs = options.joinAfterMs ?? 1_500;
  const restoreMs = options.restoreMs ?? 6_000;
  const holdRestore = options.holdRestore ?? false;
  const holdGlobalLoad = options.holdGlobalLoad ?? false;
  let globalLoaded = false;
  const commitIntervalMs = options.commitIntervalMs ?? 400;
  const now = options.now ?? Date.now;
  const startedAtMs = now();
  const plan = fakeTopology(applicationId);
  const topology: TopologyDescription = describePlan(plan, resolvePartitions(plan, new Map([['clicks', partitions], ['page-sections', SECTION_PARTITIONS]])));
  const repartitionTopic = `${applicationId}-by-page-repartition`;
  const dlqTopic = `${applicationId}-dlq`;
  let restoredEarly = false;
  const listeners = new Set<CommittedOutputListener>();
  let committer: NodeJS.Timeout | undefined;
  let commits = 0;

  const taskIds: Array<{ id: string; subtopology: number; partition: number }> = [];
  for (const sub of [0, 1]) for (let p = 0; p < partitions; p++) taskIds.push({ id: `${sub}_${p}`, subtopology: sub, partition: p });

  const commit = (records: readonly OutputRecord[]): void => {
    for (const listener of listeners) listener(records);
  };
  const windowResult = (page: string, startMs: number, count: number): OutputRecord => {
    const context = { topic: 'clicks-per-page', isKey: true };
    return {
      topic: 'clicks-per-page',
      key: windowedKey.serialize({ key: page, startMs, endMs: startMs + 60_000 }, context),
      value: windowedValue.serialize({ value: count, final: true }, { ...context, isKey: false }),
      timestampMs: startMs + 59_999,
    };
  };

  const status = (): ApplicationStatus => {
    const nowMs = now();
    const sinceJoinMs = nowMs - startedAtMs - joinAfterMs;
    const inGroup = restoredEarly || sinceJoinMs >= 0;
    const tasks: TaskStatus[] = [];
    // The global table loads until the instance joins its group (held below 100% like the tasks).
    const load = restoredEarly || globalLoaded ? 1 : holdGlobalLoad ? 0.6 : joinAfterMs === 0 ? 1 : Math.min(1, (nowMs - startedAtMs) / joinAfterMs);
    const loading = load < 1;
    const totalOffsets = SECTION_PARTITIONS * SECTION_OFFSETS;
    const readOffsets = Math.floor(totalOffsets * load);
    const globalTable: GlobalTableStatus = {
      name: 'page-sections',
      topic: 'page-sections',
      state: loading ? 'restoring' : 'following',
      entries: Math.floor(PAGES.length * 200 * load),
      restoredPartitions: loading ? (load >= 0.5 ? 1 : 0) : SECTION_PARTITIONS,
      partitions: SECTION_PARTITIONS,
      restore: {
        totalOffsets,
        readOffsets,
        records: readOffsets,
        offsetsPerSec: loading ? 25_000 : null,
        etaMs: loading ? Math.round(((totalOffsets - readOffsets) / 25_000) * 1000) : 0,
        durationMs: loading ? null : Math.max(3_200, joinAfterMs),
      },
      lag: loading ? null : 0,
    };
    const restoreOf = (progress: number, partition: number): TaskRestoreStatus => {
      const total = 12_000 + 1_000 * partition;
      const read = Math.floor(total * progress);
      return {
        phase: 'changelogs', totalOffsets: total, readOffsets: read, records: read, offsetsPerSec: 4_000, etaMs: Math.round(((total - read) / 4_000) * 1000),
        stores: [{ store: 'clicks-per-page-store', topic: `${applicationId}-clicks-per-page-store-changelog`, partition, source: 'changelog', totalOffsets: total, readOffsets: read, records: read }],
      };
    };
    if (inGroup && !loading) {
      for (const [index, t] of taskIds.entries()) {
        // Stateless tasks (sub-topology 0) have nothing to restore; stateful ones finish one after another.
        const restoreFor = t.subtopology === 0 ? 0 : restoreMs * (0.6 + 0.2 * t.partition);
        const ramp = Math.min(1, Math.max(0, sinceJoinMs) / restoreFor);
        const progress = restoredEarly || restoreFor === 0 ? 1 : holdRestore ? Math.min(0.95, ramp) : ramp;
        const running = progress >= 1;
        const runningForSec = running ? Math.max(0, (restoredEarly ? nowMs - startedAtMs : sinceJoinMs - restoreFor) / 1000) : 0;
        const inRate = running ? 180 + 40 * Math.sin(nowMs / 3000 + index) + 15 * t.partition : 0;
        tasks.push({
          id: t.id,
          subtopology: t.subtopology,
          partition: t.partition,
          state: running ? 'running' : 'restoring',
          restoreProgress: progress,
          watermarkMs: running ? nowMs - 5_000 - 700 * t.partition - (nowMs % 1000) : t.subtopology === 1 ? startedAtMs - 3_600_000 : null,
          consumerLag: running ? Math.round(20 + 30 * Math.abs(Math.sin(nowMs / 2000 + index))) : 12_000 + 1000 * t.partition,
          recordsInPerSec: inRate,
          recordsOutPerSec: t.subtopology === 0 ? inRate * 0.93 : inRate / 60,
          lateRecords: t.subtopology === 1 ? Math.floor(runningForSec * 0.4) + t.partition : 0,
          droppedRecords: t.subtopology === 0 && t.partition === 1 ? 2 + Math.floor(runningForSec / 7) : 0,
          lastCommitDurationMs: running ? 8 + ((nowMs / 100 + index * 7) % 14) : null,
          stores: t.subtopology === 1 ? [{ name: 'clicks-per-page-store', entries: 1_200 + 37 * t.partition + Math.floor(runningForSec * 3) }] : [],
          ...(running ? {} : { restore: restoreOf(progress, t.partition) }),
        });
      }
    }
    const joined = inGroup && !loading;
    const ready = joined && tasks.every((t) => t.state === 'running');
    const state: ApplicationState = loading ? 'starting' : !joined ? 'rebalancing' : 'running';
    return { applicationId, instanceId: `${applicationId}-7d9f8c6b5-x2k4q`, state, inGroup: joined, ready, startedAtMs, tasks, globalTables: [globalTable] };
  };

  /** One commit of the running tasks: re-keyed clicks always, now and then a window result, a late click or a dead letter. */
  const commitOnce = (): void => {
    if (!status().ready) return;
    commits += 1;
    const nowMs = now();
    const records: OutputRecord[] = [];
    for (let i = 0; i < 3; i++) {
      const page = PAGES[(commits * 3 + i) % PAGES.length] as string;
      const click: Click = { page, userAgent: 'Mozilla/5.0', ts: nowMs - 5_000 - i * 40 };
      records.push({ topic: repartitionTopic, key: Buffer.from(page), value: Buffer.from(JSON.stringify(click)), timestampMs: click.ts });
    }
    if (commits % 3 === 0) {
      const windowStartMs = Math.floor((nowMs - 70_000) / 60_000) * 60_000;
      records.push(windowResult(PAGES[commits % PAGES.length] as string, windowStartMs, 40 + ((commits * 37) % 300)));
    }
    if (commits % 11 === 0) {
      const ts = nowMs - 95_000;
      records.push({
        topic: 'clicks-late',
        key: Buffer.from(JSON.stringify('/pricing')),
        value: Buffer.from(JSON.stringify({ page: '/pricing', userAgent: 'Mozilla/5.0', ts })),
        timestampMs: ts,
        headers: { 'sluice.late.operator': 'clicks-per-page', 'sluice.late.lateness.ms': String(nowMs - 5_000 - ts) },
      });
    }
    if (commits % 17 === 0) {
      records.push({
        topic: dlqTopic,
        key: Buffer.from('s-19'),
        value: Buffer.from([0x7b, 0x22, 0x70, 0x61, 0x67, 0x65, 0x22, 0x3a, 0xff, 0xfe, 0x00]),
        timestampMs: nowMs - 4_000,
        headers: { 'sluice.error.code': 'SLUICE_DESERIALIZATION', 'sluice.error.message': 'value of topic "clicks" is not valid JSON' },
      });
    }
    commit(records);
  };

  return {
    plan,
    topology: () => topology,
    status,
    finishRestore: () => {
      restoredEarly = true;
    },
    finishGlobalLoad: () => {
      globalLoaded = true;
    },
    commit,
    windowResult,
    onCommittedOutput: (listener) => {
      listeners.add(listener);
      if (committer === undefined && commitIntervalMs > 0) {
        committer = setInterval(commitOnce, commitIntervalMs);
        committer.unref();
      }
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0 && committer !== undefined) {
          clearInterval(committer);
          committer = undefined;
        }
      };
    },
  };
}
