/**
 * The registry serdes against a real schema registry (Apicurio Registry's Confluent-compatible API, started by
 * docker/local-registry/registry.sh): round trips, subject naming, lookups, error routing and request counts.
 * Every test uses its own topic names, so subjects never collide.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, DeserializationError, ProductionError } from '../../../src/errors/index.ts';
import { avro, jsonSchema, protobuf, schemaRegistry, type RegistryClient } from '../../../src/serde/registry/index.ts';
import type { Serde, SerdeContext } from '../../../src/serde/serde.ts';
import { freePort } from '../setup/local-broker.ts';
import { startRegistry, type LocalRegistry } from '../setup/registry.ts';

let registry: LocalRegistry;

beforeAll(async () => {
  registry = await startRegistry();
}, 300_000);

afterAll(async () => {
  await registry?.stop();
});

const topicName = (label: string) => `${label}-${randomUUID().slice(0, 8)}`;
const client = (): RegistryClient => schemaRegistry({ url: registry.url });
const keyOf = (topic: string): SerdeContext => ({ topic, isKey: true });
const valueOf = (topic: string): SerdeContext => ({ topic, isKey: false });

async function subjects(): Promise<string[]> {
  return (await (await fetch(`${registry.url}/subjects`)).json()) as string[];
}

/** Writes `value` with `writer` and reads it back with `reader` (a serde on another client, as a consumer has). */
async function roundTrip<T>(writer: Serde<T>, reader: Serde<T>, context: SerdeContext, value: T): Promise<{ bytes: Buffer; read: T }> {
  await writer.prepare?.(context);
  const bytes = writer.serialize(value, context);
  if (bytes === null) throw new Error('serialized to null');
  await reader.prepare?.({ ...context, payloads: [bytes] });
  return { bytes, read: reader.deserialize(bytes, context) };
}

const click = {
  type: 'record',
  name: 'Click',
  namespace: 'sluice.test',
  fields: [
    { name: 'user', type: 'string' },
    { name: 'page', type: ['null', 'string'], default: null },
    { name: 'count', type: 'long' },
    { name: 'kind', type: { type: 'enum', name: 'Kind', symbols: ['VIEW', 'BUY'] } },
  ],
} as const;

const orderProto = `syntax = "proto3";
package sluice.test;

message Order {
  string id = 1;
  int64 cents = 2;
  Status status = 3;
  repeated Line lines = 4;
  message Line { string sku = 1; int32 quantity = 2; }
}
enum Status { OPEN = 0; PAID = 1; }
message Refund {
  string order_id = 1;
  message Reason { string text = 1; }
  Reason reason = 2;
}
`;

describe('the @kafkajs/confluent-schema-registry client against this registry', () => {
  it('registers, finds the latest id, encodes and decodes Avro, JSON Schema and Protobuf', async () => {
    const library = new SchemaRegistry({ host: registry.url });
    const topic = topicName('library');
    const cases = [
      { type: SchemaType.AVRO, schema: JSON.stringify(click), value: { user: 'u', page: null, count: 1, kind: 'VIEW' } },
      {
        type: SchemaType.JSON,
        schema: JSON.stringify({ $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', properties: { a: { type: 'string' } } }),
        value: { a: 'x' },
      },
      { type: SchemaType.PROTOBUF, schema: orderProto, value: { id: 'o', lines: [{ sku: 's', quantity: 1 }] } },
    ] as const;
    for (const { type, schema, value } of cases) {
      const subject = `${topic}-${type}`;
      const { id } = await library.register({ type, schema }, { subject });
      expect(await library.getLatestSchemaId(subject)).toBe(id);
      const decoded = (await library.decode(await library.encode(id, value))) as object;
      expect(type === SchemaType.PROTOBUF ? JSON.parse(JSON.stringify(decoded)) : decoded).toEqual(value);
    }
  });

  it('answers the compatibility check of the Confluent API', async () => {
    const subject = `${topicName('compat')}-value`;
    const post = (path: string, body: unknown) =>
      fetch(`${registry.url}${path}`, {
        method: path.startsWith('/config') ? 'PUT' : 'POST',
        headers: { 'Content-Type': 'application/vnd.schemaregistry.v1+json' },
        body: JSON.stringify(body),
      }).then((r) => r.json() as Promise<Record<string, unknown>>);
    const v1 = { type: 'record', name: 'C', fields: [{ name: 'a', type: 'string' }] };
    await post(`/subjects/${subject}/versions`, { schema: JSON.stringify(v1) });
    await post(`/config/${subject}`, { compatibility: 'BACKWARD' });
    const withDefault = { ...v1, fields: [...v1.fields, { name: 'b', type: 'int', default: 0 }] };
    const withoutDefault = { ...v1, fields: [...v1.fields, { name: 'b', type: 'int' }] };
    expect(await post(`/compatibility/subjects/${subject}/versions/latest`, { schema: JSON.stringify(withDefault) })).toEqual({ is_compatible: true });
    expect(await post(`/compatibility/subjects/${subject}/versions/latest`, { schema: JSON.stringify(withoutDefault) })).toEqual({
      is_compatible: false,
    });
  });
});

describe('connect', () => {
  it('succeeds against the registry and counts its request', async () => {
    const c = client();
    await c.connect();
    await c.connect();
    expect(c.requestCount).toBe(1);
  });

  it('rejects a URL that does not parse, with a ConfigError', async () => {
    await expect(schemaRegistry({ url: 'not a url' }).connect()).rejects.toThrow(ConfigError);
    await expect(schemaRegistry({ url: 'ftp://127.0.0.1/x' }).connect()).rejects.toThrow(/must start with http/);
  });

  it('names an unreachable URL in a ConfigError', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/apis/ccompat/v7`;
    const error = await schemaRegistry({ url }).connect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain(`schema registry at ${url} is not reachable: ECONNREFUSED`);
  });

  it('gives up on a registry that does not answer, after timeoutMs', async () => {
    const silent = createServer(() => {}); // accepts connections, never answers
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    try {
      const started = Date.now();
      const error = await schemaRegistry({ url: `http://127.0.0.1:${port}`, timeoutMs: 500 })
        .connect()
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toMatch(/is not reachable: no answer in time \(waited up to 500 ms\)/);
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  });

  it('says when the URL has no Confluent-compatible API', async () => {
    const root = registry.url.replace(/\/apis\/ccompat\/v7$/, '');
    await expect(schemaRegistry({ url: root }).connect()).rejects.toThrow(/answered 404 .*\/apis\/ccompat\/v7/);
  });
});

describe('avro', () => {
  it('round-trips keys and values under <topic>-key and <topic>-value, as Confluent clients read them', async () => {
    const topic = topicName('clicks');
    const writer = client();
    const reader = client();
    const keys = { w: avro(writer, { schema: 'string' }), r: avro(reader, { schema: 'string' }) };
    const values = { w: avro(writer, { schema: click }), r: avro(reader, { schema: click }) };
    const key = await roundTrip(keys.w, keys.r, keyOf(topic), 'user-1');
    const value = await roundTrip(values.w, values.r, valueOf(topic), { user: 'user-1', page: '/home', count: 3, kind: 'BUY' });
    expect(key.read).toBe('user-1');
    expect(value.read).toEqual({ user: 'user-1', page: '/home', count: 3, kind: 'BUY' });
    expect(await subjects()).toEqual(expect.arrayContaining([`${topic}-key`, `${topic}-value`]));

    // The frame: magic byte 0 and the id the registry gave the subject's schema.
    const latest = (await (await fetch(`${registry.url}/subjects/${topic}-value/versions/latest`)).json()) as { id: number };
    expect(value.bytes[0]).toBe(0);
    expect(value.bytes.readInt32BE(1)).toBe(latest.id);
    expect(values.w.writerSchemaId(valueOf(topic))).toBe(latest.id);

    // Another implementation of the wire format reads our bytes, and we read its bytes.
    const other = new SchemaRegistry({ host: registry.url });
    expect(await other.decode(value.bytes)).toEqual(value.read);
    const theirs = await other.encode(latest.id, { user: 'u2', page: null, count: 1, kind: 'VIEW' });
    await values.r.prepare({ ...valueOf(topic), payloads: [theirs] });
    expect(values.r.deserialize(theirs, valueOf(topic))).toEqual({ user: 'u2', page: null, count: 1, kind: 'VIEW' });
  });

  it('resolves records written with an older schema to the reader schema', async () => {
    const topic = topicName('evolve');
    const v1 = { type: 'record', name: 'Visit', namespace: 'sluice.test', fields: [{ name: 'user', type: 'string' }] } as const;
    const v2 = {
      ...v1,
      fields: [...v1.fields, { name: 'seconds', type: 'int', default: 0 }],
    } as const;
    const { read } = await roundTrip(avro(client(), { schema: v1 }), avro(client(), { schema: v2 }), valueOf(topic), { user: 'a' });
    expect(read).toEqual({ user: 'a', seconds: 0 });
  });

  it('uses the record and topic-record strategies', async () => {
    const topic = topicName('strategies');
    const c = client();
    const name = `sluice.test.R${randomUUID().slice(0, 8)}`;
    const schema = { type: 'record', name, fields: [{ name: 'a', type: 'int' }] } as const;
    await avro(c, { schema, subjectNameStrategy: 'record' }).prepare(valueOf(topic));
    await avro(c, { schema, subjectNameStrategy: 'topic-record' }).prepare(valueOf(topic));
    expect(await subjects()).toEqual(expect.arrayContaining([name, `${topic}-${name}`]));
  });

  it('with autoRegister false, looks the schema up and fails at prepare when it is not registered', async () => {
    const topic = topicName('lookup');
    const registered = avro(client(), { schema: click });
    await registered.prepare(valueOf(topic));
    const lookedUp = avro(client(), { schema: click, autoRegister: false });
    await lookedUp.prepare(valueOf(topic));
    expect(lookedUp.writerSchemaId(valueOf(topic))).toBe(registered.writerSchemaId(valueOf(topic)));

    const missing = topicName('missing');
    const error = await avro(client(), { schema: click, autoRegister: false })
      .prepare(valueOf(missing))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(new RegExp(`not registered under subject "${missing}-value"`));
    expect(await subjects()).not.toContain(`${missing}-value`);
  });

  it('fails at prepare with a ConfigError when the registry refuses the schema as incompatible', async () => {
    const topic = topicName('incompatible');
    const c = client();
    await avro(c, { schema: 'string' }).prepare(valueOf(topic));
    const put = await fetch(`${registry.url}/config/${topic}-value`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/vnd.schemaregistry.v1+json' },
      body: JSON.stringify({ compatibility: 'BACKWARD' }),
    });
    expect(put.ok).toBe(true);
    await expect(avro(c, { schema: 'long' }).prepare(valueOf(topic))).rejects.toThrow(/incompatible/);
  });

  it('reports a value that does not match the schema as a ProductionError naming the field', async () => {
    const topic = topicName('invalid');
    const serde = avro(client(), { schema: click });
    await serde.prepare(valueOf(topic));
    const bad = { user: 'u', page: null, count: 'three', kind: 'VIEW' } as unknown as Parameters<typeof serde.serialize>[0];
    expect(() => serde.serialize(bad, valueOf(topic))).toThrow(ProductionError);
    expect(() => serde.serialize(bad, valueOf(topic))).toThrow(/field count = "three" \(expected long\)/);
  });
});

describe('json schema', () => {
  const order = {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'sluice.test.Order',
    type: 'object',
    properties: { id: { type: 'string' }, cents: { type: 'integer' } },
    required: ['id', 'cents'],
    additionalProperties: false,
  };
  interface Order {
    id: string;
    cents: number;
  }

  it('round-trips keys and values, validating against the schema', async () => {
    const topic = topicName('orders');
    const keySchema = { $schema: 'http://json-schema.org/draft-07/schema#', type: 'string' };
    const key = await roundTrip(jsonSchema<string>(client(), { schema: keySchema }), jsonSchema<string>(client()), keyOf(topic), 'o-1');
    const value = await roundTrip(jsonSchema<Order>(client(), { schema: order }), jsonSchema<Order>(client()), valueOf(topic), {
      id: 'o-1',
      cents: 250,
    });
    expect(key.read).toBe('o-1');
    expect(value.read).toEqual({ id: 'o-1', cents: 250 });
    expect(value.bytes.subarray(5).toString()).toBe('{"id":"o-1","cents":250}');
    expect(await subjects()).toEqual(expect.arrayContaining([`${topic}-key`, `${topic}-value`]));

    const other = new SchemaRegistry({ host: registry.url });
    expect(await other.decode(value.bytes)).toEqual({ id: 'o-1', cents: 250 });
  });

  it('explains why a JSON Schema the registry cannot recognise was refused', async () => {
    const serde = jsonSchema(client(), { schema: { type: 'object' } });
    await expect(serde.prepare(valueOf(topicName('bare-json')))).rejects.toThrow(/rejected as invalid.*add "\$schema"/);
  });

  it('rejects invalid values when writing and when reading', async () => {
    const topic = topicName('orders-invalid');
    const writer = jsonSchema<Order>(client(), { schema: order });
    await writer.prepare(valueOf(topic));
    expect(() => writer.serialize({ id: 'x', cents: 1.5 }, valueOf(topic))).toThrow(/cents must be integer/);

    const id = writer.writerSchemaId(valueOf(topic)) ?? 0;
    const forged = Buffer.concat([Buffer.from([0, 0, 0, 0, 0]), Buffer.from('{"id":7}')]);
    forged.writeInt32BE(id, 1);
    const reader = jsonSchema<Order>(client());
    await reader.prepare({ ...valueOf(topic), payloads: [forged] });
    expect(() => reader.deserialize(forged, valueOf(topic))).toThrow(DeserializationError);
    expect(() => reader.deserialize(forged, valueOf(topic))).toThrow(new RegExp(`schema id ${id} does not decode as JSON: invalid payload`));
  });
});

describe('protobuf', () => {
  interface Order {
    id: string;
    cents: string;
    status: 'OPEN' | 'PAID';
    lines: { sku: string; quantity: number }[];
  }

  it('round-trips the first message, written with message index [0] as one byte', async () => {
    const topic = topicName('proto-orders');
    const order: Order = { id: 'o-1', cents: '9007199254740993', status: 'PAID', lines: [{ sku: 'a', quantity: 2 }] };
    const { bytes, read } = await roundTrip(
      protobuf<Order>(client(), { schema: orderProto }),
      protobuf<Order>(client()),
      valueOf(topic),
      order,
    );
    expect(read).toEqual(order);
    expect(bytes[5]).toBe(0);
    expect(await subjects()).toContain(`${topic}-value`);
  });

  it('writes and reads later and nested messages by their message indexes', async () => {
    const topic = topicName('proto-refunds');
    const refund = await roundTrip(
      protobuf(client(), { schema: orderProto, messageName: 'Refund' }),
      protobuf(client()),
      valueOf(topic),
      { orderId: 'o-1', reason: { text: 'late' } },
    );
    expect(refund.read).toEqual({ orderId: 'o-1', reason: { text: 'late' } });
    expect([...refund.bytes.subarray(5, 7)]).toEqual([2, 2]); // indexes [1]: Refund is the file's second message

    const lineTopic = topicName('proto-lines');
    const line = await roundTrip(
      protobuf(client(), { schema: orderProto, messageName: 'sluice.test.Order.Line' }),
      protobuf(client()),
      keyOf(lineTopic),
      { sku: 'b', quantity: 1 },
    );
    expect(line.read).toEqual({ sku: 'b', quantity: 1 });
    expect([...line.bytes.subarray(5, 8)]).toEqual([4, 0, 0]); // indexes [0, 0]: Order.Line
  });

  it('reads records whose message indexes point to no message as DeserializationErrors', async () => {
    const topic = topicName('proto-bad-index');
    const writer = protobuf(client(), { schema: orderProto });
    await writer.prepare(valueOf(topic));
    const id = writer.writerSchemaId(valueOf(topic)) ?? 0;
    const bytes = Buffer.from([0, 0, 0, 0, 0, 2, 14, 0x0a, 0x00]); // indexes [7]
    bytes.writeInt32BE(id, 1);
    const reader = protobuf(client());
    await reader.prepare({ ...valueOf(topic), payloads: [bytes] });
    expect(() => reader.deserialize(bytes, valueOf(topic))).toThrow(/point to no message of the schema/);
  });
});

describe('bad records', () => {
  it('a schema id the registry does not know is a DeserializationError naming the topic and the id', async () => {
    const topic = topicName('unknown-id');
    const serde = avro(client(), { schema: click });
    const bytes = Buffer.from([0, 0x00, 0x0f, 0x42, 0x3f, 0x02, 0x61]); // id 999999
    await serde.prepare({ ...valueOf(topic), payloads: [bytes] });
    const error = (() => {
      try {
        serde.deserialize(bytes, valueOf(topic));
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(DeserializationError);
    expect((error as DeserializationError).context.topic).toBe(topic);
    expect((error as Error).message).toMatch(new RegExp(`value of topic "${topic}" has schema id 999999, which the schema registry at .* does not know`));
  });

  it('bytes that do not decode with their schema are DeserializationErrors naming the id and the problem', async () => {
    const topic = topicName('malformed');
    const writer = avro(client(), { schema: click });
    await writer.prepare(valueOf(topic));
    const good = writer.serialize({ user: 'u', page: null, count: 1, kind: 'VIEW' }, valueOf(topic));
    if (good === null) throw new Error('null');
    const id = good.readInt32BE(1);
    const truncated = good.subarray(0, good.length - 2);
    const trailing = Buffer.concat([good, Buffer.from([1, 2, 3])]);
    const unframed = Buffer.from('{"user":"u"}');
    const reader = avro(client(), { schema: click });
    await reader.prepare({ ...valueOf(topic), payloads: [truncated, trailing, unframed, null] });
    expect(() => reader.deserialize(truncated, valueOf(topic))).toThrow(new RegExp(`schema id ${id} does not decode as AVRO: truncated`));
    expect(() => reader.deserialize(trailing, valueOf(topic))).toThrow(new RegExp(`schema id ${id} does not decode as AVRO: trailing data`));
    expect(() => reader.deserialize(unframed, valueOf(topic))).toThrow(/not in the Confluent wire format: magic byte is 123/);
    expect(() => reader.deserialize(null, valueOf(topic))).toThrow(DeserializationError);
  });

  it('a record written with another format is a DeserializationError', async () => {
    const topic = topicName('wrong-format');
    const json = jsonSchema(client(), { schema: { $schema: 'http://json-schema.org/draft-07/schema#', type: 'object' } });
    await json.prepare(valueOf(topic));
    const bytes = json.serialize({ a: 1 }, valueOf(topic));
    if (bytes === null) throw new Error('null');
    const reader = avro(client());
    await reader.prepare({ ...valueOf(topic), payloads: [bytes] });
    expect(() => reader.deserialize(bytes, valueOf(topic))).toThrow(/a JSON schema, which avro\(registry\) does not read/);
  });
});

describe('registry requests', () => {
  it('asks the registry once per schema, not per record', async () => {
    const topic = topicName('counted');
    const writerClient = client();
    const writer = avro(writerClient, { schema: click });
    await Promise.all([writer.prepare(valueOf(topic)), writer.prepare(valueOf(topic))]);
    const records = Array.from({ length: 2000 }, (_, i) =>
      writer.serialize({ user: `u${i % 7}`, page: null, count: i, kind: 'VIEW' }, valueOf(topic)),
    );
    expect(writerClient.requestCount).toBe(2); // GET /config (connect), POST the schema

    const readerClient = client();
    const reader = avro(readerClient, { schema: click });
    for (const start of [0, 1000]) {
      const batch = records.slice(start, start + 1000);
      await Promise.all([reader.prepare({ ...valueOf(topic), payloads: batch }), reader.prepare({ ...valueOf(topic), payloads: batch })]);
      batch.forEach((bytes, i) => expect(reader.deserialize(bytes, valueOf(topic)).count).toBe(start + i));
    }
    expect(readerClient.requestCount).toBe(2); // GET /config (connect), GET /schemas/ids/{id}

    // A second serde on the same client reuses the client's cache.
    const again = avro(readerClient);
    await again.prepare({ ...valueOf(topic), payloads: records.slice(0, 10) });
    expect(readerClient.requestCount).toBe(2);
  });
});
