/**
 * At-least-once commits send the output first, then the changelog, then commit the offsets. A send that fails
 * (possibly after writing some partitions) stops there: the changelog never gets ahead of the output it
 * derives from. Seen in the long chaos run: windows whose state was deleted in the changelog while their
 * results were never written, so the rebuilt task never emitted them.
 */
import { describe, expect, it } from 'vitest';
import { AtLeastOnceCommitter } from '../../../src/eos/at-least-once-committer.ts';
import type { GroupConsumer, OutputRecord, Producer, TopicPartitionOffset } from '../../../src/kafka/types.ts';

const record = (topic: string, i: number): OutputRecord => ({ topic, partition: 0, key: Buffer.from(`k${i}`), value: Buffer.from('v'), timestampMs: 0 });

function recording(failOnSend?: number) {
  const sends: string[][] = [];
  const commits: TopicPartitionOffset[][] = [];
  const producer: Producer = {
    connect: async () => {},
    disconnect: async () => {},
    send: async (records) => {
      sends.push(records.map((r) => r.topic));
      if (sends.length === failOnSend) throw new Error('broker gone');
    },
  };
  const consumer = { commitOffsets: async (offsets: readonly TopicPartitionOffset[]) => void commits.push([...offsets]) } as unknown as GroupConsumer;
  return { committer: new AtLeastOnceCommitter(producer, consumer), sends, commits };
}

const offsets = [{ topic: 'in', partition: 0, offset: '10' }];
const records = [record('out', 0), record('out', 1), record('app-counts-changelog', 2), record('app-counts-changelog', 3)];

describe('AtLeastOnceCommitter', () => {
  it('sends the output, then the changelog records, then commits the offsets', async () => {
    const { committer, sends, commits } = recording();
    await committer.commit(records, offsets, 2);
    expect(sends).toEqual([['out', 'out'], ['app-counts-changelog', 'app-counts-changelog']]);
    expect(commits).toEqual([offsets]);
  });

  it('when the output send fails, sends no changelog record and commits nothing', async () => {
    const { committer, sends, commits } = recording(1);
    await expect(committer.commit(records, offsets, 2)).rejects.toThrow('broker gone');
    expect(sends).toEqual([['out', 'out']]);
    expect(commits).toEqual([]);
  });

  it('sends in one go when there is only output, or only changelog records', async () => {
    const { committer, sends } = recording();
    await committer.commit(records.slice(0, 2), offsets, 2);
    await committer.commit(records.slice(2), offsets, 0);
    expect(sends).toEqual([['out', 'out'], ['app-counts-changelog', 'app-counts-changelog']]);
  });
});
