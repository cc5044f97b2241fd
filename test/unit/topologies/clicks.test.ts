import { describe, expect, it } from 'vitest';
import clicks, { type Click, type RawClick } from '../../../topologies/clicks.ts';
import { TopologyTestDriver } from '../../../src/testing/index.ts';
import { serdes } from '../../../src/index.ts';

describe('topologies/clicks.ts', () => {
  it('drops bots and anonymous clicks, normalises paths and re-keys by user', () => {
    const driver = new TopologyTestDriver(clicks, { partitions: 4 });
    const input = driver.input<string | null, RawClick>('clicks');
    input.pipe('s1', { userId: 'alice', url: 'https://x/Products/', ts: 1000 }, { timestampMs: 5 });
    input.pipe('s1', { userId: 'bob', url: 'https://x/cart', userAgent: 'Googlebot/2.1', ts: 2000 });
    input.pipe('s2', { userId: null, url: 'https://x/', ts: 3000 });
    input.pipe(null, { userId: 'carol', url: 'https://x/', ts: 4000 });
    const out = driver.readOutput<string, Click>('clicks-by-user');
    expect(out.map((r) => [r.key, r.value])).toEqual([
      ['alice', { userId: 'alice', path: '/products', ts: 1000 }],
      ['carol', { userId: 'carol', path: '/', ts: 4000 }],
    ]);
    // Event time comes from the payload, not the record timestamp.
    expect(out[0]?.timestampMs).toBe(1000);
  });

  it('keeps each user in one partition through the repartition topic', () => {
    const driver = new TopologyTestDriver(clicks, { partitions: 4 });
    const input = driver.input<string | null, RawClick>('clicks');
    for (let i = 0; i < 200; i++) input.pipe(`session-${i % 7}`, { userId: `u${i % 10}`, url: '/', ts: i });
    const out = driver.readOutput<string, Click>('clicks-by-user');
    expect(out).toHaveLength(200);
    const partitionOf = new Map<string, number>();
    for (const r of out) {
      expect(partitionOf.get(r.key) ?? r.partition).toBe(r.partition);
      partitionOf.set(r.key, r.partition);
    }
    // Per-user order is kept.
    for (let u = 0; u < 10; u++) {
      const ts = out.filter((r) => r.key === `u${u}`).map((r) => r.value.ts);
      expect(ts).toEqual([...ts].sort((a, b) => a - b));
    }
  });

  it('sends malformed JSON to the dead-letter topic with its coordinates', () => {
    const driver = new TopologyTestDriver(clicks);
    driver.input('clicks').pipeRaw(Buffer.from('s1'), Buffer.from('{not json'));
    driver.input<string | null, RawClick>('clicks').pipe('s1', { userId: 'dave', url: '/', ts: 1 });
    const dlq = driver.readOutput('clicks-by-user-dlq', { key: serdes.bytes(), value: serdes.bytes() });
    expect(dlq).toHaveLength(1);
    expect(dlq[0]?.value?.toString()).toBe('{not json');
    expect(dlq[0]?.headers['sluice.error.code']).toBe('SLUICE_DESERIALIZATION');
    expect(dlq[0]?.headers['sluice.source.topic']).toBe('clicks');
    expect(dlq[0]?.headers['sluice.source.offset']).toBe('0');
    expect(driver.readOutput<string, Click>('clicks-by-user').map((r) => r.key)).toEqual(['dave']);
  });
});
