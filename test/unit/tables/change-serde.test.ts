import { describe, expect, it } from 'vitest';
import { DeserializationError, serdes } from '../../../src/index.ts';
import { changeSerde } from '../../../src/tables/change-serde.ts';

const context = { topic: 'app-by-region-repartition', isKey: false };

describe('changeSerde', () => {
  const serde = changeSerde(serdes.json<{ n: number }>());

  it.each([
    { oldValue: null, newValue: { n: 1 } },
    { oldValue: { n: 1 }, newValue: null },
    { oldValue: { n: 1 }, newValue: { n: 2 } },
    { oldValue: null, newValue: null },
  ])('round-trips %j', (change) => {
    expect(serde.deserialize(serde.serialize(change, context), context)).toEqual(change);
  });

  it('rejects null and truncated bytes with a DeserializationError naming the topic', () => {
    expect(() => serde.deserialize(null, context)).toThrow(DeserializationError);
    const bytes = serde.serialize({ oldValue: { n: 1 }, newValue: { n: 2 } }, context) as Buffer;
    expect(() => serde.deserialize(bytes.subarray(0, bytes.length - 2), context)).toThrow(/app-by-region-repartition.*truncated/);
  });

  it('hands the inner payloads, not the change frame, to the inner serde prepare', async () => {
    const seen: (Buffer | null)[] = [];
    const inner = { ...serdes.string(), prepare: async (r: { payloads?: readonly (Buffer | null)[] }) => void seen.push(...(r.payloads ?? [])) };
    const wrapped = changeSerde(inner);
    const bytes = wrapped.serialize({ oldValue: 'old', newValue: 'new' }, context);
    await wrapped.prepare?.({ ...context, payloads: [bytes] });
    expect(seen.map((b) => b?.toString())).toEqual(['old', 'new']);
  });
});
