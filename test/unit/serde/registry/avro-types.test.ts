import { describe, expectTypeOf, it } from 'vitest';
import type { InferAvro } from '../../../../src/serde/registry/avro-types.ts';
import { avro } from '../../../../src/serde/registry/avro.ts';
import { schemaRegistry } from '../../../../src/serde/registry/registry-client.ts';
import type { SerdeType } from '../../../../src/serde/serde.ts';

describe('InferAvro', () => {
  it('maps primitives', () => {
    expectTypeOf<InferAvro<'null'>>().toEqualTypeOf<null>();
    expectTypeOf<InferAvro<'boolean'>>().toEqualTypeOf<boolean>();
    expectTypeOf<InferAvro<'int'>>().toEqualTypeOf<number>();
    expectTypeOf<InferAvro<'long'>>().toEqualTypeOf<number>();
    expectTypeOf<InferAvro<'double'>>().toEqualTypeOf<number>();
    expectTypeOf<InferAvro<'bytes'>>().toEqualTypeOf<Buffer>();
    expectTypeOf<InferAvro<'string'>>().toEqualTypeOf<string>();
    expectTypeOf<InferAvro<{ readonly type: 'long'; readonly logicalType: 'timestamp-millis' }>>().toEqualTypeOf<number>();
  });

  it('maps records, arrays, maps, enums, fixed and unions with null', () => {
    const _order = {
      type: 'record',
      name: 'Order',
      namespace: 'shop',
      fields: [
        { name: 'id', type: 'string' },
        { name: 'cents', type: 'long' },
        { name: 'note', type: ['null', 'string'], default: null },
        { name: 'status', type: { type: 'enum', name: 'Status', symbols: ['OPEN', 'PAID'] } },
        { name: 'lines', type: { type: 'array', items: { type: 'record', name: 'Line', fields: [{ name: 'sku', type: 'string' }] } } },
        { name: 'tags', type: { type: 'map', values: 'int' } },
        { name: 'hash', type: { type: 'fixed', name: 'Hash', size: 16 } },
      ],
    } as const;
    expectTypeOf<InferAvro<typeof _order>>().toEqualTypeOf<{
      id: string;
      cents: number;
      note: string | null;
      status: 'OPEN' | 'PAID';
      lines: { sku: string }[];
      tags: Record<string, number>;
      hash: Buffer;
    }>();
  });

  it('gives unknown for what it cannot see', () => {
    expectTypeOf<InferAvro<string>>().toEqualTypeOf<unknown>();
    expectTypeOf<InferAvro<'shop.Line'>>().toEqualTypeOf<unknown>();
    expectTypeOf<InferAvro<'{"type":"string"}'>>().toEqualTypeOf<unknown>();
  });
});

describe('avro() value types', () => {
  const registry = schemaRegistry({ url: 'http://127.0.0.1:1' });

  it('infers from a schema literal without `as const`', () => {
    const serde = avro(registry, {
      schema: { type: 'record', name: 'Click', fields: [{ name: 'user', type: 'string' }, { name: 'n', type: ['null', 'int'] }] },
    });
    expectTypeOf(serde.deserialize).returns.toEqualTypeOf<{ user: string; n: number | null }>();
    expectTypeOf(avro(registry, { schema: 'string' })).toEqualTypeOf<ReturnType<typeof avro<string>>>();
  });

  it('takes an explicit type, and is unknown without either', () => {
    interface Click {
      user: string;
    }
    expectTypeOf<SerdeType<ReturnType<typeof avro<Click>>>>().toEqualTypeOf<Click>();
    expectTypeOf<SerdeType<ReturnType<typeof avro>>>().toEqualTypeOf<unknown>();
    const fromText = avro(registry, { schema: JSON.stringify({ type: 'string' }) });
    expectTypeOf(fromText.deserialize).returns.toEqualTypeOf<unknown>();
  });
});
