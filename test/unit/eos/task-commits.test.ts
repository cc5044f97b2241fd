/**
 * The commit protocol of one task, on a recording committer: what a commit carries, that a task's commits run
 * one after another while it keeps processing, that a failure is final for the task object, and the expected
 * changelog ends. (Kafka behaviour itself is tested against the real broker and the memory adapter elsewhere.)
 */
import { describe, expect, it } from 'vitest';
import { CHECKPOINT_KEY, decodeCheckpoint } from '../../../src/eos/checkpoint.ts';
import type { TaskCommitter } from '../../../src/eos/task-committer.ts';
import { TaskCommits, type CommittableTask } from '../../../src/eos/task-commits.ts';
import { KafkaError, TaskMigratedError } from '../../../src/errors/index.ts';
import type { OutputRecord, TopicPartitionOffset } from '../../../src/kafka/types.ts';
import { InMemoryKeyValueStore } from '../../../src/state/key-value-store.ts';
import type { StateStore } from '../../../src/state/state-store.ts';

class FakeTask implements CommittableTask {
  readonly id = '0_3';
  readonly partition = 3;
  readonly stores: Map<string, StateStore>;
  readonly output: OutputRecord[] = [];
  position = 0;
  committed: readonly TopicPartitionOffset[] = [];
  dirty = false;
  watermarkMs = 1_000;
  readonly watermark = { current: () => this.watermarkMs };
  constructor(withStore: boolean) {
    this.stores = withStore ? new Map([['counts', new InMemoryKeyValueStore<string, number>({ name: 'counts' }) as StateStore]]) : new Map();
  }
  store(): InMemoryKeyValueStore<string, number> {
    return this.stores.get('counts') as unknown as InMemoryKeyValueStore<string, number>;
  }
  process(n: number): void {
    for (let i = 0; i < n; i++) {
      this.output.push({ topic: 'out', key: Buffer.from(`k${this.position}`), value: Buffer.from('v'), timestampMs: 0 });
      if (this.stores.size > 0) this.store().put(`k${this.position % 2}`, this.position);
      this.position++;
    }
    this.dirty = true;
  }
  hasPendingWork(): boolean {
    return this.dirty || this.output.length > 0 || [...this.stores.values()].some((s) => s.hasChanges());
  }
  takePending(_nowMs: number) {
    this.dirty = false;
    return { records: this.output.splice(0), offsets: [{ topic: 'in', partition: 3, offset: String(this.position) }] };
  }
  markCommitted(offsets: readonly TopicPartitionOffset[]): void {
    this.committed = offsets;
  }
  markIdle(): void {}
}

/** Records each commit; `hold()` keeps the next commit open until released; `failNext` makes it reject. */
class RecordingCommitter implements TaskCommitter {
  readonly writesMarkers = true;
  readonly commits: { records: readonly OutputRecord[]; offsets: readonly TopicPartitionOffset[] }[] = [];
  failNext: Error | undefined;
  private gate: Promise<void> | undefined;
  private release: (() => void) | undefined;
  hold(): () => void {
    this.gate = new Promise((resolve) => {
      this.release = resolve;
    });
    return () => this.release?.();
  }
  async open(): Promise<void> {}
  async commit(records: readonly OutputRecord[], offsets: readonly TopicPartitionOffset[]): Promise<void> {
    const gate = this.gate;
    this.gate = undefined;
    if (gate !== undefined) await gate;
    const failure = this.failNext;
    this.failNext = undefined;
    if (failure !== undefined) throw failure;
    this.commits.push({ records: [...records], offsets });
  }
  async close(): Promise<void> {}
}

const options = (dlqTopic: string | null = null, maxRecordBytes = 1_000_000) => ({
  changelogTopicOf: (store: string) => `app-${store}-changelog`,
  oversized: { maxRecordBytes, policy: 'dead-letter' as const, dlqTopic, taskId: '0_3', report: () => {} },
});

describe('TaskCommits', () => {
  it('one commit carries the output, the coalesced changelog and a checkpoint with watermark and positions', async () => {
    const task = new FakeTask(true);
    const committer = new RecordingCommitter();
    const commits = new TaskCommits(task, committer, options());
    task.process(5);
    const result = await commits.commit(0);
    expect(result.kind).toBe('committed');
    const [commit] = committer.commits;
    const topics = commit?.records.map((r) => r.topic);
    expect(topics).toEqual(['out', 'out', 'out', 'out', 'out', 'app-counts-changelog', 'app-counts-changelog', 'app-counts-changelog']);
    const checkpoint = commit?.records.at(-1);
    expect(checkpoint?.key?.equals(CHECKPOINT_KEY)).toBe(true);
    expect(checkpoint?.partition).toBe(3);
    expect(decodeCheckpoint(checkpoint?.value ?? null)).toEqual({ watermarkMs: 1_000, offsets: { in: '5' } });
    expect(commit?.offsets).toEqual([{ topic: 'in', partition: 3, offset: '5' }]);
    expect(task.committed).toEqual([{ topic: 'in', partition: 3, offset: '5' }]);
  });

  it('a task without stores writes no checkpoint; nothing pending is an idle commit', async () => {
    const task = new FakeTask(false);
    const committer = new RecordingCommitter();
    const commits = new TaskCommits(task, committer, options());
    expect((await commits.commit(0)).kind).toBe('idle');
    task.process(2);
    await commits.commit(0);
    expect(committer.commits[0]?.records.map((r) => r.topic)).toEqual(['out', 'out']);
  });

  it('keeps processing while a commit is in flight; the next commit waits for it and carries only what came after', async () => {
    const task = new FakeTask(false);
    const committer = new RecordingCommitter();
    const commits = new TaskCommits(task, committer, options());
    task.process(3);
    const release = committer.hold();
    const first = commits.commit(0);
    expect(commits.busy).toBe(true);
    task.process(2); // processing goes on meanwhile
    const second = commits.commit(0);
    await Promise.resolve();
    expect(committer.commits).toHaveLength(0);
    release();
    expect((await first).kind).toBe('committed');
    expect((await second).kind).toBe('committed');
    expect(committer.commits.map((c) => c.records.length)).toEqual([3, 2]);
    expect(committer.commits.map((c) => c.offsets[0]?.offset)).toEqual(['3', '5']);
  });

  it.each([
    ['an error (outcome unknown)', new KafkaError('EndTxn reply lost', { retriable: true }), false],
    ['a fence', new TaskMigratedError('fenced by a newer producer'), true],
  ])('after %s the task object never commits again', async (_name, error, fenced) => {
    const task = new FakeTask(true);
    const committer = new RecordingCommitter();
    const commits = new TaskCommits(task, committer, options());
    task.process(1);
    committer.failNext = error;
    const result = await commits.commit(0);
    expect(result).toMatchObject({ kind: 'failed', fenced });
    expect(task.committed).toEqual([]);
    task.process(1);
    expect((await commits.commit(0)).kind).toBe('failed');
    expect(committer.commits).toHaveLength(0);
  });

  it('advances the expected changelog end by records + one marker per committed transaction', async () => {
    const task = new FakeTask(true);
    const committer = new RecordingCommitter();
    const commits = new TaskCommits(task, committer, options());
    commits.changelogEnds.set('app-counts-changelog', 100n);
    task.process(4); // two keys + checkpoint = 3 changelog records
    await commits.commit(0);
    expect(commits.changelogEnds.get('app-counts-changelog')).toBe(104n);
    task.dirty = true; // offsets only: the checkpoint alone
    await commits.commit(0);
    expect(commits.changelogEnds.get('app-counts-changelog')).toBe(106n);
  });

  it('a record too large to produce goes to the dead-letter topic without its payload, the rest is committed', async () => {
    const task = new FakeTask(false);
    const committer = new RecordingCommitter();
    const commits = new TaskCommits(task, committer, options('app-dlq', 2_048));
    task.process(1);
    task.output.push({ topic: 'out', key: Buffer.from('big'), value: Buffer.alloc(4_096), timestampMs: 7, headers: { 'sluice.source.offset': '12' } });
    await commits.commit(0);
    const records = committer.commits[0]?.records ?? [];
    expect(records.map((r) => r.topic)).toEqual(['out', 'app-dlq']);
    expect(records[1]?.value).toBeNull();
    expect(records[1]?.headers?.['sluice.error.code']).toBe('SLUICE_RECORD_TOO_LARGE');
    expect(records[1]?.headers?.['sluice.emit.topic']).toBe('out');
  });
});
