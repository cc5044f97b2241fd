import { describe, expect, it } from 'vitest';
import { handleOversized, recordBytes } from '../../../src/eos/oversized-records.ts';
import type { OutputRecord } from '../../../src/kafka/types.ts';

const small: OutputRecord = { topic: 'out', key: Buffer.from('k'), value: Buffer.from('v'), timestampMs: 1 };
const big: OutputRecord = { topic: 'out', partition: 2, key: Buffer.from('k'), value: Buffer.alloc(5_000), timestampMs: 1 };
const bigDeadLetter: OutputRecord = {
  topic: 'app-dlq',
  key: null,
  value: Buffer.alloc(5_000),
  timestampMs: 1,
  headers: { 'sluice.error.code': 'SLUICE_DESERIALIZATION', 'sluice.source.topic': 'in', 'sluice.source.offset': '9', 'user-header': 'x'.repeat(3_000) },
};

const handling = (policy: 'fail' | 'skip' | 'dead-letter', reported: string[] = []) => ({
  maxRecordBytes: 1_024,
  policy,
  dlqTopic: policy === 'dead-letter' ? 'app-dlq' : null,
  taskId: '0_1',
  report: (_fields: Record<string, unknown>, message: string) => void reported.push(message),
});

describe('handleOversized', () => {
  it('counts key, value and header bytes', () => {
    expect(recordBytes({ topic: 't', key: Buffer.from('ab'), value: Buffer.from('cde'), timestampMs: 0, headers: { h: 'xy', b: Buffer.from('z') } })).toBe(2 + 3 + 3 + 2);
  });

  it('returns the same array when every record fits (no copy on the common path)', () => {
    const records = [small, small];
    expect(handleOversized(records, handling('fail'))).toBe(records);
  });

  it("'fail' throws a ProductionError naming the topic and the limit", () => {
    expect(() => handleOversized([small, big], handling('fail'))).toThrow(/topic "out" is 5001 bytes, over the 1024-byte limit/);
  });

  it("'skip' drops the record and reports it", () => {
    const reported: string[] = [];
    expect(handleOversized([small, big, small], handling('skip', reported))).toEqual([small, small]);
    expect(reported).toEqual(['record too large to produce: skipped']);
  });

  it("'dead-letter' replaces the record by a payload-less dead letter; an oversized dead letter keeps only sluice headers", () => {
    const out = handleOversized([big, bigDeadLetter], handling('dead-letter'));
    expect(out.map((r) => [r.topic, r.value])).toEqual([
      ['app-dlq', null],
      ['app-dlq', null],
    ]);
    expect(out[0]?.headers?.['sluice.dropped.payload.bytes']).toBe('5001');
    expect(out[1]?.headers?.['sluice.error.code']).toBe('SLUICE_DESERIALIZATION');
    expect(out[1]?.headers?.['sluice.source.offset']).toBe('9');
    expect(out[1]?.headers?.['user-header']).toBeUndefined();
    for (const record of out) expect(recordBytes(record)).toBeLessThanOrEqual(1_024);
  });
});
