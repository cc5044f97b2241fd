import { logLevel, type LogEntry } from 'kafkajs';
import type { Logger as PinoLogger } from 'pino';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { KafkaLogger } from '../../../src/kafka/index.ts';
import { kafkajsConfig } from '../../../src/kafka/kafkajs/kafkajs-client.ts';
import { kafkajsLogCreator } from '../../../src/kafka/kafkajs/kafkajs-logging.ts';

function recordingLogger(): KafkaLogger & { lines: [string, object, string][] } {
  const lines: [string, object, string][] = [];
  return {
    lines,
    debug: (fields, message) => lines.push(['debug', fields, message]),
    info: (fields, message) => lines.push(['info', fields, message]),
    warn: (fields, message) => lines.push(['warn', fields, message]),
    error: (fields, message) => lines.push(['error', fields, message]),
  };
}

function entry(level: logLevel, namespace: string, message: string, extra: object = {}): LogEntry {
  return { namespace, level, label: logLevel[level], log: { timestamp: 'now', logger: 'kafkajs', message, ...extra } };
}

describe('kafkajs client configuration', () => {
  it('maps the connection: brokers, client id, timeouts, TLS and SASL, kafkajs log level WARN by default', () => {
    const logger = recordingLogger();
    const config = kafkajsConfig(
      { brokers: ['a:9092', 'b:9092'], clientId: 'app', ssl: { ca: 'PEM' }, sasl: { mechanism: 'scram-sha-512', username: 'u', password: 'p' } },
      logger,
    );
    expect(config).toMatchObject({
      brokers: ['a:9092', 'b:9092'],
      clientId: 'app',
      connectionTimeout: 3_000,
      ssl: { ca: ['PEM'] },
      sasl: { mechanism: 'scram-sha-512', username: 'u', password: 'p' },
      logLevel: logLevel.WARN,
    });
    expect(kafkajsConfig({ brokers: ['a'], clientId: 'c', ssl: true, connectionTimeoutMs: 10 }, logger, { logLevel: 'debug' })).toMatchObject({
      ssl: true,
      connectionTimeout: 10,
      logLevel: logLevel.DEBUG,
    });
  });

  it('sends kafkajs lines to the logger, retried failures as debug, known noise nowhere', () => {
    const logger = recordingLogger();
    const log = kafkajsLogCreator(logger)(logLevel.WARN);
    log(entry(logLevel.ERROR, 'Consumer', 'Crash: boom', { groupId: 'g' }));
    log(entry(logLevel.WARN, 'Runner', 'The group is rebalancing, re-joining'));
    log(entry(logLevel.ERROR, 'Connection', 'Response AddPartitionsToTxn(key: 24, version: 1)', { error: 'CONCURRENT' }));
    log(entry(logLevel.WARN, 'Producer', 'Limiting retries for the idempotent producer may invalidate EoS guarantees'));
    expect(logger.lines).toEqual([
      ['error', { component: 'kafkajs', namespace: 'Consumer', groupId: 'g' }, 'Crash: boom'],
      ['warn', { component: 'kafkajs', namespace: 'Runner' }, 'The group is rebalancing, re-joining'],
      ['debug', { component: 'kafkajs', namespace: 'Connection', error: 'CONCURRENT' }, 'Response AddPartitionsToTxn(key: 24, version: 1)'],
    ]);
  });

  it('accepts a pino logger as its KafkaLogger', () => {
    expectTypeOf<PinoLogger>().toExtend<KafkaLogger>();
  });
});
