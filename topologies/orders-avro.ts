/**
 * Order totals per customer and minute, with Avro in and out through a schema registry.
 *
 *   orders (key: any string, value: Avro shop.Order in the Confluent wire format, event time from `ts`)
 *     → group by customer (through a repartition topic, Avro as well)
 *     → 1-minute tumbling windows, 30 s grace for orders that arrive out of order
 *     → { orders, cents } per customer and window, emitted once when the window closes
 *     → customer-minutes (key: the customer as a UTF-8 string, value: Avro shop.CustomerMinute, which carries the
 *       window's start and end, so consumers need no sluice-specific key format)
 *
 * Records that do not decode (not Avro, a schema id the registry does not know, a schema of another format, bytes
 * that do not match their schema) go to `orders-avro-dlq` with headers saying why; processing carries on.
 *
 * The registry: SLUICE_SCHEMA_REGISTRY_URL (e.g. http://127.0.0.1:18081/apis/ccompat/v7 for the local registry
 * of `bash docker/local-registry/registry.sh start`), with SLUICE_SCHEMA_REGISTRY_USERNAME / _PASSWORD for basic
 * authentication (Confluent Cloud: API key and secret).
 *
 *   SLUICE_SCHEMA_REGISTRY_URL=http://127.0.0.1:18081/apis/ccompat/v7 \
 *     node bin/sluice.js run topologies/orders-avro.ts --brokers 127.0.0.1:19092
 */
import { defineTopology, type Duration, type Serde, serdes, type Topology, tumbling } from '../src/index.ts';
import { avro, type InferAvro, type RegistryClient, schemaRegistry } from '../src/serde/registry/index.ts';

/** What order producers write (the reader schema: records written with compatible versions are resolved to it). */
export const orderSchema = {
  type: 'record',
  name: 'Order',
  namespace: 'shop',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'customer', type: 'string' },
    { name: 'cents', type: 'long' },
    { name: 'ts', type: { type: 'long', logicalType: 'timestamp-millis' } },
  ],
} as const;

/** One customer's orders in one minute: [windowStart, windowEnd), end exclusive, epoch milliseconds. */
export const customerMinuteSchema = {
  type: 'record',
  name: 'CustomerMinute',
  namespace: 'shop',
  fields: [
    { name: 'customer', type: 'string' },
    { name: 'windowStart', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'windowEnd', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'orders', type: 'long' },
    { name: 'cents', type: 'long' },
  ],
} as const;

export type Order = InferAvro<typeof orderSchema>;
export type CustomerMinute = InferAvro<typeof customerMinuteSchema>;

export interface OrdersAvroOptions {
  /** Serde of input (and repartition) values; `avroSerdes(registry).order` in production. */
  readonly order: Serde<Order>;
  /** Serde of output values; `avroSerdes(registry).customerMinute` in production. */
  readonly customerMinute: Serde<CustomerMinute>;
  readonly applicationId?: string;
  readonly input?: string;
  readonly output?: string;
  /** How long after its end a window still takes out-of-order orders; default 30 s. */
  readonly grace?: Duration;
  /** Close windows by the wall clock when an input partition has been quiet this long; default never. */
  readonly idleTimeout?: Duration;
}

/** The topology with the given serdes: Avro through a registry in production, anything in unit tests. */
export function ordersPerCustomerMinute(options: OrdersAvroOptions): Topology {
  const { order, customerMinute } = options;
  return defineTopology(
    {
      applicationId: options.applicationId ?? 'orders-avro',
      onError: 'dead-letter',
      ...(options.idleTimeout !== undefined ? { idleTimeout: options.idleTimeout } : {}),
    },
    (t) => {
      t.stream(options.input ?? 'orders', { key: serdes.nullableString(), value: order, timestamp: (o) => o.ts })
        .groupBy((_, o) => o.customer, { name: 'by-customer', key: serdes.string(), value: order })
        .windowedBy(tumbling('1m').grace(options.grace ?? '30s'))
        .aggregate(
          () => ({ orders: 0, cents: 0 }),
          (_, o, total) => ({ orders: total.orders + 1, cents: total.cents + o.cents }),
          { name: 'customer-minutes' },
        )
        .map((window, result) => ({
          key: window.key,
          value: {
            customer: window.key,
            windowStart: window.startMs,
            windowEnd: window.endMs,
            orders: result.value.orders,
            cents: result.value.cents,
          },
        }))
        .to(options.output ?? 'customer-minutes', { key: serdes.string(), value: customerMinute });
    },
  );
}

/** The registry client configured by SLUICE_SCHEMA_REGISTRY_URL (+ _USERNAME / _PASSWORD). */
export function registryFromEnv(env: NodeJS.ProcessEnv = process.env): RegistryClient {
  const url = env.SLUICE_SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:18081/apis/ccompat/v7';
  const username = env.SLUICE_SCHEMA_REGISTRY_USERNAME;
  const password = env.SLUICE_SCHEMA_REGISTRY_PASSWORD;
  return schemaRegistry({ url, ...(username !== undefined && password !== undefined ? { auth: { username, password } } : {}) });
}

/** Avro serdes for orders and results (subjects `<topic>-value`, schemas registered at startup). */
export function avroSerdes(registry: RegistryClient): { order: Serde<Order>; customerMinute: Serde<CustomerMinute> } {
  return {
    order: avro(registry, { schema: orderSchema }),
    customerMinute: avro(registry, { schema: customerMinuteSchema }),
  };
}

export default ordersPerCustomerMinute(avroSerdes(registryFromEnv()));
