/**
 * Avro end to end through a real schema registry (Apicurio, Confluent-compatible API) and a real `sluice run`:
 * orders written by an independent producer (@kafkajs/confluent-schema-registry, two writer schema versions, one
 * with `cents` as int) are summed per customer and 1-minute window by test/integration/fixtures/avro-orders.ts
 * (topologies/orders-avro.ts), and the results, read back through the registry by that same independent
 * library, must equal the totals computed here from what was produced. Malformed records (garbage bytes, an
 * empty value, a null value, a schema id the registry does not know, a JSON Schema id, a truncated Avro body) must
 * all be in `<applicationId>-dlq`, byte for byte, with the error code and their source coordinates in headers.
 *
 * Orders are keyed by customer, so input partition p and repartition partition p hold the same customers and
 * event time in each repartition partition follows the produced order: which windows close, and when, is
 * deterministic. One far-future order per partition closes every window of the run.
 */
import { join } from 'node:path';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { IHeaders } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partitionForKey } from '../../../src/testing/index.ts';
import { customerMinuteSchema, orderSchema } from '../../../topologies/orders-avro.ts';
import { brokers, createTopics, produce, readTopicRaw, uniqueName, type Message, type RawReadRecord } from '../support/kafka.ts';
import { startSluice, type SluiceProcess } from '../support/sluice-process.ts';
import { startRegistry, type LocalRegistry } from '../setup/registry.ts';

const fixture = join(import.meta.dirname, '..', 'fixtures', 'avro-orders.ts');
const PARTITIONS = 3;
const CUSTOMERS = 20;
const ORDERS = 3_000;
const STEP_MS = 200; // 3,000 orders over 10 minutes of event time
const SIZE_MS = 60_000;
const GRACE_MS = 30_000;
const T0 = Date.UTC(2026, 0, 1, 9);

/** Orders a legacy producer writes: `cents` as int, and a field the topology's schema does not have. */
const legacyOrderSchema = {
  type: 'record',
  name: 'Order',
  namespace: 'shop',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'customer', type: 'string' },
    { name: 'cents', type: 'int' },
    { name: 'ts', type: 'long' },
    { name: 'channel', type: 'string', default: 'web' },
  ],
} as const;

const jsonOrderSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  properties: { id: { type: 'string' }, cents: { type: 'integer' } },
};

interface Order {
  id: string;
  customer: string;
  cents: number;
  ts: number;
}

interface CustomerMinute {
  customer: string;
  windowStart: number;
  windowEnd: number;
  orders: number;
  cents: number;
}

let registry: LocalRegistry;
let registryStartedMs = 0;

beforeAll(async () => {
  const started = Date.now();
  registry = await startRegistry();
  registryStartedMs = Date.now() - started;
}, 300_000);

afterAll(async () => {
  await registry?.stop();
});

/** A small deterministic PRNG so a failing run can be replayed from its seed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return s / 2 ** 32;
  };
}

/** POST /subjects/{subject}/versions, as any client of the Confluent API; returns the schema id. */
async function registerSchema(subject: string, schema: object, schemaType?: 'JSON'): Promise<number> {
  const response = await fetch(`${registry.url}/subjects/${encodeURIComponent(subject)}/versions`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/vnd.schemaregistry.v1+json' },
    body: JSON.stringify({ schema: JSON.stringify(schema), ...(schemaType !== undefined ? { schemaType } : {}) }),
  });
  const body = (await response.json()) as { id?: number; message?: string };
  if (!response.ok || typeof body.id !== 'number') throw new Error(`registering under ${subject}: HTTP ${response.status} ${JSON.stringify(body)}`);
  return body.id;
}

async function latestId(subject: string): Promise<number> {
  const response = await fetch(`${registry.url}/subjects/${encodeURIComponent(subject)}/versions/latest`);
  expect(response.ok, `subject ${subject} exists`).toBe(true);
  return ((await response.json()) as { id: number }).id;
}

/** A key of the form `${prefix}${n}` that the default partitioner puts on `partition`. */
function keyOnPartition(prefix: string, partition: number): string {
  let n = 0;
  while (partitionForKey(Buffer.from(`${prefix}${n}`), PARTITIONS) !== partition) n++;
  return `${prefix}${n}`;
}

interface Generated {
  orders: (Order & { legacy: boolean })[];
  /** `${customer}@${windowStart}` → totals, by the window rule applied to each partition's order. */
  expected: Map<string, { orders: number; cents: number }>;
  outOfOrder: number;
}

function generate(seed: number): Generated {
  const random = rng(seed);
  const orders: Generated['orders'] = [];
  const expected = new Map<string, { orders: number; cents: number }>();
  const maxSeen = new Array<number>(PARTITIONS).fill(Number.MIN_SAFE_INTEGER);
  let outOfOrder = 0;
  for (let i = 0; i < ORDERS; i++) {
    const customer = `customer-${Math.floor(random() * CUSTOMERS)}`;
    const base = T0 + i * STEP_MS;
    let ts = base;
    if (random() < 0.1) {
      ts = base - 1 - Math.floor(random() * 20_000); // out of order, within grace
      outOfOrder++;
    }
    // Mostly small amounts; some above 2^31 so that totals (and some orders) only fit a long.
    const big = random() < 0.02;
    const cents = big ? 3_000_000_000 + Math.floor(random() * 1e9) : 1 + Math.floor(random() * 50_000);
    const legacy = !big && random() < 0.25;
    orders.push({ id: `order-${i}`, customer, cents, ts, legacy });
    const partition = partitionForKey(Buffer.from(customer), PARTITIONS);
    const windowStart = ts - (ts % SIZE_MS);
    const watermark = maxSeen[partition] as number;
    if (watermark < windowStart + SIZE_MS + GRACE_MS) {
      const id = `${customer}@${windowStart}`;
      const total = expected.get(id) ?? { orders: 0, cents: 0 };
      expected.set(id, { orders: total.orders + 1, cents: total.cents + cents });
    }
    maxSeen[partition] = Math.max(watermark, ts);
  }
  return { orders, expected, outOfOrder };
}

describe('an Avro topology through the schema registry', () => {
  it('sums orders per customer and minute into Avro results; bad records go to the DLQ with headers', async () => {
    const started = Date.now();
    const seed = Math.floor(Math.random() * 1e9);
    const { orders, expected, outOfOrder } = generate(seed);
    const input = uniqueName('avro-orders-in');
    const output = uniqueName('avro-orders-out');
    const applicationId = uniqueName('avro-orders');
    const dlq = `${applicationId}-dlq`;
    await createTopics([
      { name: input, partitions: PARTITIONS },
      // Results carry event-time timestamps (January 2026): keep them from time-based retention.
      { name: output, partitions: PARTITIONS },
    ]);

    // The independent producer: writer schemas registered through the plain Confluent API, records encoded by
    // @kafkajs/confluent-schema-registry (its own avsc types, fetched by id).
    const library = new SchemaRegistry({ host: registry.url });
    const v1 = await registerSchema(`${input}-value`, orderSchema);
    const legacy = await registerSchema(`${input}-value`, legacyOrderSchema);
    const jsonId = await registerSchema(`${input}-json-value`, jsonOrderSchema, 'JSON');
    expect(new Set([v1, legacy, jsonId]).size).toBe(3);

    const messages: Message[] = [];
    for (const order of orders) {
      const { legacy: isLegacy, ...value } = order;
      const bytes = isLegacy ? await library.encode(legacy, { ...value, channel: 'app' }) : await library.encode(v1, value);
      messages.push({ key: order.customer, value: bytes, partition: partitionForKey(Buffer.from(order.customer), PARTITIONS) });
    }
    expect(new Set(messages.map((m) => (m.value as Buffer).readInt32BE(1)))).toEqual(new Set([v1, legacy]));

    // Malformed records, spread over the stream and the partitions, each marked with a header to find it again.
    const goodBytes = await library.encode(v1, { id: 'x', customer: 'customer-0', cents: 1, ts: T0 });
    const unknownId = Buffer.from(goodBytes);
    unknownId.writeInt32BE(999_999, 1);
    const jsonFramed = Buffer.concat([Buffer.from([0, 0, 0, 0, 0]), Buffer.from('{"id":"o-1","cents":5}')]);
    jsonFramed.writeInt32BE(jsonId, 1);
    const bad: { case: string; value: Buffer | null; message: RegExp }[] = [
      { case: 'garbage', value: Buffer.from('definitely not avro'), message: /not in the Confluent wire format: magic byte is 100/ },
      { case: 'empty', value: Buffer.alloc(0), message: /not in the Confluent wire format/ },
      { case: 'null', value: null, message: /is null/ },
      { case: 'unknown-id', value: unknownId, message: /has schema id 999999, which the schema registry at .* does not know \(HTTP 404\)/ },
      { case: 'json-schema', value: jsonFramed, message: new RegExp(`has schema id ${jsonId}, a JSON schema, which avro\\(registry\\) does not read`) },
      { case: 'truncated', value: goodBytes.subarray(0, goodBytes.length - 2), message: new RegExp(`schema id ${v1} does not decode as AVRO: truncated`) },
    ];
    const withBad: Message[] = [];
    let next = 0;
    messages.forEach((m, i) => {
      withBad.push(m);
      if (i > 0 && i % 400 === 0 && next < bad.length) {
        const b = bad[next++] as (typeof bad)[number];
        const key = `customer-${next}`;
        withBad.push({ key, value: b.value, partition: partitionForKey(Buffer.from(key), PARTITIONS), headers: { 'test.case': b.case } as IHeaders });
      }
    });
    expect(next).toBe(bad.length);
    // One far-future order per partition: its watermark passes the end + grace of every window of the run.
    for (let p = 0; p < PARTITIONS; p++) {
      const customer = keyOnPartition('flush-', p);
      const ts = T0 + ORDERS * STEP_MS + 10 * SIZE_MS;
      withBad.push({ key: customer, value: await library.encode(v1, { id: `flush-${p}`, customer, cents: 0, ts }), partition: p });
    }
    await produce(input, withBad);
    const producedAt = Date.now();

    // Where the bad records are, as the broker numbered them.
    const inputRecords = await readTopicRaw(input, { expected: withBad.length, timeoutMs: 30_000, quietMs: 500 });
    expect(inputRecords).toHaveLength(withBad.length);
    const badAt = new Map(inputRecords.filter((r) => r.headers['test.case'] !== undefined).map((r) => [r.headers['test.case'] as string, r]));
    expect(badAt.size).toBe(bad.length);

    let app: SluiceProcess | undefined = startSluice(fixture, {
      applicationId,
      env: { AVRO_INPUT: input, AVRO_OUTPUT: output, AVRO_REGISTRY_URL: registry.url, KAFKA_BROKERS: brokers() },
      name: 'avro',
    });
    try {
      const results = await readTopicRaw(output, { expected: expected.size, timeoutMs: 120_000, quietMs: 3000 });
      const resultsAt = Date.now();
      const dead = await readTopicRaw(dlq, { expected: bad.length, timeoutMs: 30_000 });
      app.kill('SIGTERM');
      const exit = await app.exited;
      const log = app.logFile;
      app = undefined;

      // Results, decoded by the independent library through the registry.
      const outputId = await latestId(`${output}-value`);
      const seen = new Map<string, CustomerMinute[]>();
      for (const r of results) {
        expect(r.value?.readUInt8(0)).toBe(0);
        expect(r.value?.readInt32BE(1), 'results carry the id registered under <output>-value').toBe(outputId);
        const value = (await library.decode(r.value as Buffer)) as CustomerMinute;
        expect(r.key?.toString()).toBe(value.customer);
        expect(r.partition).toBe(partitionForKey(Buffer.from(value.customer), PARTITIONS));
        expect(value.windowEnd - value.windowStart).toBe(SIZE_MS);
        expect(value.windowStart % SIZE_MS).toBe(0);
        const id = `${value.customer}@${value.windowStart}`;
        seen.set(id, [...(seen.get(id) ?? []), value]);
      }
      const twice = [...seen].filter(([, v]) => v.length > 1).map(([id]) => id);
      const missing = [...expected.keys()].filter((id) => !seen.has(id));
      const extra = [...seen.keys()].filter((id) => !expected.has(id));
      const wrong = [...expected].filter(([id, e]) => {
        const got = seen.get(id)?.[0];
        return got !== undefined && (got.orders !== e.orders || got.cents !== e.cents);
      });
      const totalCents = [...expected.values()].reduce((s, e) => s + e.cents, 0);
      console.log(
        `[avro] seed ${seed}; ${orders.length} orders (${orders.filter((o) => o.legacy).length} with the legacy int schema, ${outOfOrder} out of order within grace), ` +
          `${bad.length} malformed; ${expected.size} customer-minutes expected, ${results.length} results (${twice.length} twice, ${missing.length} missing, ${extra.length} extra, ${wrong.length} wrong); ` +
          `DLQ ${dead.length}; registry ready in ${registryStartedMs} ms; produce ${producedAt - started} ms; results ${resultsAt - producedAt} ms after producing; log ${log}`,
      );
      expect(exit).toBe(0);
      expect(twice).toEqual([]);
      expect(missing).toEqual([]);
      expect(extra).toEqual([]);
      expect(wrong.map(([id, e]) => `${id}: expected ${JSON.stringify(e)}, got ${JSON.stringify(seen.get(id))}`)).toEqual([]);
      expect(results.length).toBe(expected.size);
      expect(totalCents).toBeGreaterThan(2 ** 32);

      // The repartition topic's values went through the registry too, under its own subject.
      await latestId(`${applicationId}-by-customer-repartition-value`);
      expect(JSON.parse(((await (await fetch(`${registry.url}/schemas/ids/${outputId}`)).json()) as { schema: string }).schema)).toMatchObject({
        name: customerMinuteSchema.name,
      });

      // Every malformed record in the DLQ once, byte for byte, with why and where it came from.
      expect(dead.map((d) => d.headers['test.case']).sort()).toEqual(bad.map((b) => b.case).sort());
      for (const b of bad) {
        const source = badAt.get(b.case) as RawReadRecord;
        const d = dead.find((r) => r.headers['test.case'] === b.case) as RawReadRecord;
        expect(d.key?.toString(), b.case).toBe(source.key?.toString());
        if (b.value === null) expect(d.value, b.case).toBeNull();
        else expect(Buffer.compare(d.value ?? Buffer.alloc(1), b.value), b.case).toBe(0);
        expect(Number(d.headers['sluice.source.timestamp']), b.case).toBe(source.timestamp);
        expect(d.headers, b.case).toMatchObject({
          'sluice.error.class': 'DeserializationError',
          'sluice.error.code': 'SLUICE_DESERIALIZATION',
          'sluice.source.topic': input,
          'sluice.source.partition': String(source.partition),
          'sluice.source.offset': source.offset,
          'sluice.task': `0_${source.partition}`,
        });
        expect(d.headers['sluice.error.message'], b.case).toMatch(b.message);
      }
    } finally {
      if (app !== undefined) {
        app.kill('SIGKILL');
        await app.exited;
      }
    }
  });
});
