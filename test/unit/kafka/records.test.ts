import type { KafkaMessage } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { toConsumedRecords, toRecordHeaders, toSendBatches } from '../../../src/kafka/kafkajs/records.ts';

describe('record conversion', () => {
  it('converts kafkajs messages once: number timestamps, string offsets, headers as they are', () => {
    const headers = { a: Buffer.from('1') };
    const messages: KafkaMessage[] = [{ key: Buffer.from('k'), value: null, timestamp: '1700000000123', attributes: 0, offset: '42', headers }];
    expect(toConsumedRecords(messages)).toEqual([{ key: Buffer.from('k'), value: null, timestampMs: 1_700_000_000_123, offset: '42', headers }]);
    expect(toConsumedRecords(messages)[0]?.headers).toBe(headers);
  });

  it('keeps the last value of a repeated header, as Java’s lastHeader', () => {
    expect(toRecordHeaders({ a: [Buffer.from('1'), Buffer.from('2')], b: 'x' })).toEqual({ a: Buffer.from('2'), b: 'x' });
    expect(toRecordHeaders(undefined)).toEqual({});
  });

  it('groups records by topic in order, keeps partitions and headers, stringifies timestamps, and splits large sends', () => {
    const records = Array.from({ length: 5 }, (_, i) => ({
      topic: i % 2 === 0 ? 'even' : 'odd',
      key: Buffer.from(`k${i}`),
      value: Buffer.from(`v${i}`),
      timestampMs: 1_000 + i,
      ...(i === 0 ? { partition: 3, headers: { h: 'x' } } : {}),
    }));
    const batches = toSendBatches(records, 3);
    expect(batches).toEqual([
      [
        {
          topic: 'even',
          messages: [
            { key: Buffer.from('k0'), value: Buffer.from('v0'), timestamp: '1000', partition: 3, headers: { h: 'x' } },
            { key: Buffer.from('k2'), value: Buffer.from('v2'), timestamp: '1002' },
          ],
        },
        { topic: 'odd', messages: [{ key: Buffer.from('k1'), value: Buffer.from('v1'), timestamp: '1001' }] },
      ],
      [
        { topic: 'odd', messages: [{ key: Buffer.from('k3'), value: Buffer.from('v3'), timestamp: '1003' }] },
        { topic: 'even', messages: [{ key: Buffer.from('k4'), value: Buffer.from('v4'), timestamp: '1004' }] },
      ],
    ]);
    expect(toSendBatches([])).toEqual([]);
  });
});
