/**
 * Bad input: malformed JSON goes to `<applicationId>-dlq` with its coordinates in headers while good
 * records flow; under onError 'fail' the process stops with the record's offset in the message and commits
 * nothing past it.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { brokers, createTopics, kafka, produce, readTopic, uniqueName } from '../support/kafka.ts';
import { startSluice } from '../support/sluice-process.ts';

const fixture = join(import.meta.dirname, '..', 'fixtures', 'rekey.ts');

function inputs(): { key: string; value: string; partition: number }[] {
  const out = [];
  for (let i = 0; i < 100; i++) {
    const bad = i % 10 === 3;
    out.push({ key: `k${i}`, value: bad ? `{"id": ${i}, broken` : JSON.stringify({ id: i, user: `u${i % 7}` }), partition: 0 });
  }
  return out;
}

describe('bad records', () => {
  it('dead-letter: malformed records land in the DLQ with headers, good ones in the sink', async () => {
    const input = uniqueName('bad-in');
    const output = uniqueName('bad-out');
    const applicationId = uniqueName('bad-dlq');
    await createTopics([
      { name: input, partitions: 1 },
      { name: output, partitions: 1 },
    ]);
    await produce(input, inputs());
    const app = startSluice(fixture, { applicationId, env: { REKEY_INPUT: input, REKEY_OUTPUT: output, KAFKA_BROKERS: brokers() }, name: 'dlq' });
    const good = await readTopic(output, { expected: 90, timeoutMs: 90_000 });
    const dlq = await readTopic(`${applicationId}-dlq`, { expected: 10, timeoutMs: 30_000 });
    app.kill('SIGTERM');
    expect(await app.exited).toBe(0);
    expect(good).toHaveLength(90);
    expect(dlq).toHaveLength(10);
    const first = dlq.sort((x, y) => Number(x.headers['sluice.source.offset']) - Number(y.headers['sluice.source.offset']))[0];
    expect(first?.value).toBe('{"id": 3, broken');
    expect(first?.key).toBe('k3');
    expect(first?.headers).toMatchObject({
      'sluice.error.class': 'DeserializationError',
      'sluice.error.code': 'SLUICE_DESERIALIZATION',
      'sluice.source.topic': input,
      'sluice.source.partition': '0',
      'sluice.source.offset': '3',
      'sluice.task': '0_0',
    });
    expect(first?.headers['sluice.error.message']).toMatch(/not valid JSON/);
    expect(first?.headers['sluice.source.timestamp']).toMatch(/^\d+$/);
  });

  it('fail: stops with the offset in the message and commits nothing past the bad record', async () => {
    const input = uniqueName('fail-in');
    const output = uniqueName('fail-out');
    const applicationId = uniqueName('bad-fail');
    await createTopics([
      { name: input, partitions: 1 },
      { name: output, partitions: 1 },
    ]);
    await produce(input, inputs());
    const app = startSluice(fixture, {
      applicationId,
      env: { REKEY_INPUT: input, REKEY_OUTPUT: output, KAFKA_BROKERS: brokers(), REKEY_ON_ERROR: 'fail' },
      name: 'fail',
    });
    const code = await app.exited;
    expect(code).toBe(1);
    expect(app.output()).toMatch(/topic=[^ ]+ partition=0 offset=3 task=0_0\); stopping as onError is 'fail'/);
    const admin = kafka().admin();
    await admin.connect();
    const committed = await admin.fetchOffsets({ groupId: applicationId, topics: [input] });
    await admin.disconnect();
    const offset = Number(committed[0]?.partitions[0]?.offset ?? '-1');
    expect(offset).toBeLessThanOrEqual(3);
    const out = await readTopic(output, { timeoutMs: 5_000, quietMs: 1500 });
    expect(out.every((r) => (JSON.parse(r.value ?? '{}') as { id: number }).id < 3)).toBe(true);
  });
});
