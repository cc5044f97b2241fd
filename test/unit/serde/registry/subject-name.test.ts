import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../../src/errors/index.ts';
import { avro } from '../../../../src/serde/registry/avro.ts';
import { jsonSchema } from '../../../../src/serde/registry/json-schema.ts';
import { protobuf } from '../../../../src/serde/registry/protobuf.ts';
import { schemaRegistry } from '../../../../src/serde/registry/registry-client.ts';
import { checkSubjectNameStrategy, subjectName } from '../../../../src/serde/registry/subject-name.ts';

const key = { topic: 'orders', isKey: true } as const;
const value = { topic: 'orders', isKey: false } as const;

describe('subjectName', () => {
  it.each([
    { strategy: 'topic', context: key, record: 'shop.Order', subject: 'orders-key' },
    { strategy: 'topic', context: value, record: undefined, subject: 'orders-value' },
    { strategy: 'record', context: value, record: 'shop.Order', subject: 'shop.Order' },
    { strategy: 'record', context: key, record: 'shop.Order', subject: 'shop.Order' },
    { strategy: 'topic-record', context: value, record: 'shop.Order', subject: 'orders-shop.Order' },
  ] as const)('$strategy for $context.isKey key → $subject', ({ strategy, context, record, subject }) => {
    expect(subjectName(strategy, context, record)).toBe(subject);
  });

  it('needs a record name for the record strategies', () => {
    expect(() => subjectName('record', value, undefined)).toThrow(ConfigError);
    expect(() => subjectName('topic-record', value, '')).toThrow(/needs the schema's record name/);
  });

  it('rejects unknown strategies with the allowed ones', () => {
    expect(checkSubjectNameStrategy(undefined, 'x')).toBe('topic');
    expect(() => checkSubjectNameStrategy('TopicNameStrategy', 'avro(registry)')).toThrow(/'topic', 'record', 'topic-record'/);
  });
});

describe('record names of the registry serdes', () => {
  const registry = schemaRegistry({ url: 'http://127.0.0.1:1' });
  const record = { type: 'record', name: 'Order', namespace: 'shop', fields: [{ name: 'id', type: 'string' }] } as const;

  const tr = { subjectNameStrategy: 'topic-record' } as const;
  it.each([
    { name: 'Avro record with namespace', serde: avro(registry, { ...tr, schema: record }), subject: 'orders-shop.Order' },
    {
      name: 'Avro record with a dotted name',
      serde: avro(registry, { ...tr, schema: { type: 'record', name: 'a.b.C', namespace: 'ignored', fields: [] } }),
      subject: 'orders-a.b.C',
    },
    { name: 'Avro record as JSON text', serde: avro(registry, { ...tr, schema: JSON.stringify(record) }), subject: 'orders-shop.Order' },
    { name: 'Avro primitive', serde: avro(registry, { ...tr, schema: 'string' }), subject: 'orders-string' },
    {
      name: 'JSON Schema title',
      serde: jsonSchema(registry, { ...tr, schema: { title: 'shop.Order', type: 'object' } }),
      subject: 'orders-shop.Order',
    },
    {
      name: 'Protobuf first message',
      serde: protobuf(registry, { ...tr, schema: 'syntax = "proto3"; package shop; message Order { string id = 1; } message Line {}' }),
      subject: 'orders-shop.Order',
    },
    {
      name: 'Protobuf nested message by name',
      serde: protobuf(registry, {
        ...tr,
        schema: 'syntax = "proto3"; package shop; message Order { message Line { int32 n = 1; } }',
        messageName: 'Order.Line',
      }),
      subject: 'orders-shop.Order.Line',
    },
    {
      name: 'Protobuf without package',
      serde: protobuf(registry, { ...tr, schema: 'syntax = "proto3"; message A {} message B {}', messageName: 'B' }),
      subject: 'orders-B',
    },
  ])('$name', ({ serde, subject }) => {
    expect(serde.subjectFor(value)).toBe(subject);
  });

  it('topic strategy by default, record strategy on request', () => {
    expect(avro(registry, { schema: record }).subjectFor(value)).toBe('orders-value');
    expect(avro(registry, { schema: record, subjectNameStrategy: 'record' }).subjectFor(key)).toBe('shop.Order');
  });

  it('a JSON Schema without title has no record name', () => {
    const serde = jsonSchema(registry, { schema: { type: 'object' }, subjectNameStrategy: 'record' });
    expect(() => serde.subjectFor(value)).toThrow(/needs the schema's record name/);
  });

  it('rejects schemas that do not parse, at construction', () => {
    expect(() => avro(registry, { schema: { type: 'record', name: 'X', fields: [{ name: 'a', type: 'nope' }] } })).toThrow(
      /not a valid Avro schema/,
    );
    expect(() => jsonSchema(registry, { schema: '{not json' })).toThrow(ConfigError);
    expect(() => protobuf(registry, { schema: 'message {' })).toThrow(/not a valid .proto file/);
    expect(() => protobuf(registry, { schema: 'syntax = "proto3"; message A {}', messageName: 'Z' })).toThrow(
      /has no message "Z" \(its messages: A\)/,
    );
  });
});
