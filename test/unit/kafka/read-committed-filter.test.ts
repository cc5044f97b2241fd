import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import type { ConsumedRecord } from '../../../src/kafka/index.ts';
import {
  collectRecords,
  markAbortedRecords,
  type AbortedTransaction,
  type FetchedBatchContext,
  type FetchedMessage,
} from '../../../src/kafka/kafkajs/read-committed-filter.ts';

/** A decoded record batch as kafkajs hands it over: every message shares the batch's context object. */
function batch(firstOffset: number, producerId: string, values: string[], options: { tx?: boolean; lastOffsetDelta?: number } = {}): FetchedMessage[] {
  const context: FetchedBatchContext = {
    firstOffset: String(firstOffset),
    lastOffsetDelta: options.lastOffsetDelta ?? values.length - 1,
    producerId,
    inTransaction: options.tx ?? true,
    isControlBatch: false,
  };
  return values.map((value, i) => ({
    key: null,
    value: Buffer.from(value),
    timestamp: '1700000000000',
    offset: String(firstOffset + i),
    headers: {},
    isControlRecord: false,
    batchContext: context,
  }));
}

function marker(offset: number, producerId: string, type: 'commit' | 'abort'): FetchedMessage[] {
  const key = Buffer.from([0, 0, 0, type === 'commit' ? 1 : 0]);
  const context: FetchedBatchContext = { firstOffset: String(offset), lastOffsetDelta: 0, producerId, inTransaction: true, isControlBatch: true };
  return [{ key, value: Buffer.alloc(6), timestamp: '1700000000000', offset: String(offset), headers: {}, isControlRecord: true, batchContext: context }];
}

function read(messages: FetchedMessage[], aborted: AbortedTransaction[], from: number, to: number): { values: string[]; next: bigint } {
  markAbortedRecords(messages, aborted);
  const out: ConsumedRecord[] = [];
  const next = collectRecords(messages, BigInt(from), BigInt(to), out);
  return { values: out.map((r) => r.value?.toString() ?? ''), next };
}

describe('read_committed filtering', () => {
  // Two producers abort interleaved transactions; the fetch starts at offset 1, inside both.
  const interleaved = () => [...batch(1, 'p2', ['z0']), ...marker(2, 'p1', 'abort'), ...marker(3, 'p2', 'abort'), ...batch(4, 'p1', ['w0']), ...marker(5, 'p1', 'commit')];
  const interleavedAborted: AbortedTransaction[] = [
    { producerId: 'p1', firstOffset: '0' },
    { producerId: 'p2', firstOffset: '1' },
  ];

  it.each([
    {
      name: 'committed and aborted transactions of one producer',
      messages: () => [...batch(0, 'p1', ['a0', 'a1']), ...marker(2, 'p1', 'commit'), ...batch(3, 'p1', ['x0']), ...marker(4, 'p1', 'abort'), ...batch(5, 'p1', ['b0'])],
      aborted: [{ producerId: 'p1', firstOffset: '3' }],
      from: 0,
      to: 6,
      values: ['a0', 'a1', 'b0'],
      next: 6n,
    },
    { name: 'interleaved aborted transactions, fetched from inside them', messages: interleaved, aborted: interleavedAborted, from: 1, to: 6, values: ['w0'], next: 6n },
    {
      name: 'the aborted-transaction list out of order',
      messages: interleaved,
      aborted: [...interleavedAborted].reverse(),
      from: 1,
      to: 6,
      values: ['w0'],
      next: 6n,
    },
    {
      name: 'a producer aborts, then commits',
      messages: () => [...batch(0, 'p1', ['x0']), ...marker(1, 'p1', 'abort'), ...batch(2, 'p1', ['c0']), ...marker(3, 'p1', 'commit')],
      aborted: [{ producerId: 'p1', firstOffset: '0' }],
      from: 0,
      to: 4,
      values: ['c0'],
      next: 4n,
    },
    {
      name: 'records before the fetch offset in the first batch and past the range end',
      messages: () => [...batch(10, 'p1', ['a', 'b', 'c', 'd', 'e'], { tx: false }), ...batch(15, 'p1', ['f', 'g'], { tx: false })],
      aborted: [],
      from: 12,
      to: 16,
      values: ['c', 'd', 'e', 'f'],
      next: 17n,
    },
    {
      name: 'a range of markers and aborted records only',
      messages: () => [...batch(6, 'p1', ['x0', 'x1', 'x2']), ...marker(9, 'p1', 'abort'), ...batch(10, 'p1', ['c0'])],
      aborted: [{ producerId: 'p1', firstOffset: '6' }],
      from: 6,
      to: 10,
      values: [],
      next: 11n,
    },
    {
      name: 'a batch whose last records were compacted away still moves the position past it',
      messages: () => batch(20, 'p1', ['k0', 'k1'], { tx: false, lastOffsetDelta: 9 }),
      aborted: [],
      from: 20,
      to: 100,
      values: ['k0', 'k1'],
      next: 30n,
    },
  ])('$name', ({ messages, aborted, from, to, values, next }) => {
    expect(read(messages(), aborted, from, to)).toEqual({ values, next });
  });

  it('returns the start offset when the response holds no batch', () => {
    expect(read([], [], 7, 9)).toEqual({ values: [], next: 7n });
  });

  it('fixes a leak of kafkajs’s own filter (why the adapter replaces it)', () => {
    const require = createRequire(import.meta.url);
    const kafkajsFilter = require('kafkajs/src/consumer/filterAbortedMessages.js') as (args: {
      messages: FetchedMessage[];
      abortedTransactions: AbortedTransaction[];
    }) => FetchedMessage[];
    const leaked = kafkajsFilter({ messages: interleaved(), abortedTransactions: interleavedAborted }).filter((m) => !m.isControlRecord);
    expect(leaked.map((m) => m.value?.toString())).toEqual(['z0', 'w0']);
  });
});
