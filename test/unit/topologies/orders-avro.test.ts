/**
 * topologies/orders-avro.ts without a registry: the in-memory test driver cannot await a serde's async `prepare`,
 * so the topology is built with plain Avro serdes (avsc binary of the same schemas, no wire-format header). That
 * checks the windowing, the totals, that every result fits the CustomerMinute schema, and the dead-letter routing;
 * test/integration/registry/avro-topology.test.ts runs the registry serdes against a real registry.
 */
import avsc from 'avsc';
import { describe, expect, it } from 'vitest';
import { DeserializationError, type Serde } from '../../../src/index.ts';
import { TopologyTestDriver } from '../../../src/testing/index.ts';
import ordersAvro, {
  customerMinuteSchema,
  orderSchema,
  ordersPerCustomerMinute,
  registryFromEnv,
  type CustomerMinute,
  type Order,
} from '../../../topologies/orders-avro.ts';

const MIN = 60_000;
const T0 = Date.UTC(2026, 0, 1, 9);

/** Avro binary without a registry: what the registry serdes write after their 5-byte header. */
function plainAvro<T>(schema: object): Serde<T> {
  const type = avsc.Type.forSchema(schema as avsc.Schema);
  return {
    name: 'avro(plain)',
    serialize: (value) => type.toBuffer(value),
    deserialize: (data, context) => {
      try {
        return type.fromBuffer(data ?? Buffer.alloc(0)) as T;
      } catch (cause) {
        throw new DeserializationError(`value of topic "${context.topic}" is not Avro: ${(cause as Error).message}`, { cause });
      }
    },
  };
}

function driver(partitions = 1): TopologyTestDriver {
  return new TopologyTestDriver(
    ordersPerCustomerMinute({ order: plainAvro<Order>(orderSchema), customerMinute: plainAvro<CustomerMinute>(customerMinuteSchema) }),
    { partitions },
  );
}

describe('topologies/orders-avro.ts', () => {
  it('sums orders per customer and minute, once per window after grace, with the window in the value', () => {
    const d = driver(2);
    const orders = d.input<string | null, Order>('orders');
    let n = 0;
    const order = (customer: string, cents: number, ts: number) => orders.pipe(`order-${n}`, { id: `order-${n++}`, customer, cents, ts });
    order('ada', 100, T0);
    order('bob', 5, T0 + 1_000);
    order('ada', 3_000_000_000, T0 + 59_999); // beyond an int: cents are longs
    order('ada', 7, T0 + MIN + 10_000);
    order('ada', 1, T0 + 50_000); // out of order, within grace
    expect(d.readOutput('customer-minutes')).toEqual([]);
    // Every partition of the repartition topic needs event time past end + grace; one order per customer does it here.
    order('ada', 0, T0 + 2 * MIN + 30_000);
    order('bob', 0, T0 + 2 * MIN + 30_000);
    const results = d.readOutput<string, CustomerMinute>('customer-minutes');
    const byCustomerAndStart = (a: CustomerMinute, b: CustomerMinute) => a.customer.localeCompare(b.customer) || a.windowStart - b.windowStart;
    expect(results.every((r) => r.key === r.value.customer)).toBe(true);
    expect(results.map((r) => r.value).sort(byCustomerAndStart)).toEqual([
      { customer: 'ada', windowStart: T0, windowEnd: T0 + MIN, orders: 3, cents: 3_000_000_101 },
      { customer: 'ada', windowStart: T0 + MIN, windowEnd: T0 + 2 * MIN, orders: 1, cents: 7 },
      { customer: 'bob', windowStart: T0, windowEnd: T0 + MIN, orders: 1, cents: 5 },
    ]);
    order('bob', 9, T0 + 2_000); // its window closed: late, not counted
    expect(d.lateRecords()).toBe(1);
    expect(d.readOutput('customer-minutes')).toEqual([]);
  });

  it('sends records that do not decode to orders-avro-dlq with headers, and carries on', () => {
    const d = driver();
    const orders = d.input<string | null, Order>('orders');
    orders.pipeRaw(Buffer.from('k'), Buffer.from([0xff, 0xff]));
    orders.pipe('k', { id: 'o', customer: 'ada', cents: 1, ts: T0 });
    orders.pipe('k', { id: 'flush', customer: 'ada', cents: 0, ts: T0 + 10 * MIN });
    const dlq = d.rawOutput('orders-avro-dlq');
    expect(dlq).toHaveLength(1);
    expect(dlq[0]?.value).toEqual(Buffer.from([0xff, 0xff]));
    expect(dlq[0]?.headers).toMatchObject({
      'sluice.error.code': 'SLUICE_DESERIALIZATION',
      'sluice.source.topic': 'orders',
      'sluice.source.partition': '0',
      'sluice.source.offset': '0',
    });
    expect(d.readOutput<string, CustomerMinute>('customer-minutes').map((r) => r.value.orders)).toEqual([1]);
  });

  it('default export: registry serdes, Avro through the repartition topic, plans without touching the network', () => {
    const d = new TopologyTestDriver(ordersAvro);
    expect(d.plan.applicationId).toBe('orders-avro');
    expect(d.plan.sourceTopics).toEqual(['orders']);
    expect(d.plan.sinkTopics).toContain('customer-minutes');
    expect(d.plan.internalTopics.map((t) => t.name)).toEqual(
      expect.arrayContaining(['orders-avro-by-customer-repartition', 'orders-avro-customer-minutes-store-changelog', 'orders-avro-dlq']),
    );
    const serdeNames = d.plan.subtopologies.flatMap((s) => s.entries.map((e) => e.node.valueSerde.name));
    expect(serdeNames).toEqual(['avro(registry)', 'avro(registry)']);
  });

  it('reads the registry URL and credentials from the environment', () => {
    expect(registryFromEnv({}).url).toBe('http://127.0.0.1:18081/apis/ccompat/v7');
    expect(registryFromEnv({ SLUICE_SCHEMA_REGISTRY_URL: 'https://key:secret@registry.example.com/' }).url).toBe('https://registry.example.com');
    expect(registryFromEnv({ SLUICE_SCHEMA_REGISTRY_URL: 'http://r:8081', SLUICE_SCHEMA_REGISTRY_USERNAME: 'u', SLUICE_SCHEMA_REGISTRY_PASSWORD: 'p' }).url).toBe('http://r:8081');
  });
});
