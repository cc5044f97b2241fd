import { describe, expect, it } from 'vitest';
import { ConfigError, DeserializationError, ProductionError } from '../../../../src/errors/index.ts';
import { avro } from '../../../../src/serde/registry/avro.ts';
import { protobuf } from '../../../../src/serde/registry/protobuf.ts';
import { schemaRegistry } from '../../../../src/serde/registry/registry-client.ts';

// No registry: these are the checks a serde makes before it needs one.
const registry = schemaRegistry({ url: 'http://127.0.0.1:1' });
const value = { topic: 'clicks', isKey: false } as const;

describe('registry serde without a registry', () => {
  const serde = avro(registry, { schema: 'string' });

  it.each([
    { name: 'null', bytes: null, error: /value of topic "clicks" is null/ },
    { name: 'too short', bytes: Buffer.from([0, 0, 1]), error: /not in the Confluent wire format: 3 bytes is too short/ },
    { name: 'plain JSON', bytes: Buffer.from('{"a":1}'), error: /magic byte is 123, expected 0/ },
    { name: 'an id never prepared', bytes: Buffer.from([0, 0, 0, 0, 42, 2, 0x61]), error: /schema id 42, which was not fetched/ },
  ])('deserializing $name is a DeserializationError', ({ bytes, error }) => {
    expect(() => serde.deserialize(bytes, value)).toThrow(DeserializationError);
    expect(() => serde.deserialize(bytes, value)).toThrow(error);
  });

  it('serializing before prepare is a ProductionError; null stays null', () => {
    expect(() => serde.serialize('x', value)).toThrow(ProductionError);
    expect(() => serde.serialize('x', value)).toThrow(/prepare\(\{ topic, isKey \}\) must be awaited/);
    expect(serde.serialize(null as unknown as string, value)).toBeNull();
  });

  it('skips payloads that are not framed when preparing, without asking the registry', async () => {
    await serde.prepare({ ...value, payloads: [null, Buffer.from('x'), Buffer.from([1, 0, 0, 0, 1])] });
    expect(registry.requestCount).toBe(0);
  });

  it('cannot write without a schema', async () => {
    await expect(avro(registry).prepare(value)).rejects.toThrow(/has no schema, so it cannot write records/);
  });

  it('validates its options', () => {
    expect(() => avro(registry, { schema: 'string', subjectNameStrategy: 'bogus' as 'topic' })).toThrow(ConfigError);
    expect(() => protobuf(registry, { messageName: 'A' })).toThrow(/messageName "A" was given without a schema/);
  });
});
