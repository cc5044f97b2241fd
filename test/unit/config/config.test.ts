import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/config.ts';
import { ConfigError } from '../../../src/index.ts';

describe('config', () => {
  it('reads flags before the environment and applies defaults', () => {
    const c = loadConfig({ 'commit-interval-ms': '50' }, { KAFKA_BROKERS: 'a:9092,b:9093', SLUICE_COMMIT_INTERVAL_MS: '999' });
    expect(c.brokers).toEqual(['a:9092', 'b:9093']);
    expect(c.commitIntervalMs).toBe(50);
    expect(c.processingGuarantee).toBe('exactly_once');
    expect(c.httpPort).toBe(9464);
    expect(loadConfig({ 'processing-guarantee': 'at-least-once' }, { KAFKA_BROKERS: 'a:1' }).commitIntervalMs).toBe(1000);
  });

  it('produces through kafkajs without compression unless told otherwise (the wire path is opt-in)', () => {
    const defaults = loadConfig({}, { KAFKA_BROKERS: 'a:1' });
    expect([defaults.producePath, defaults.producerCompression]).toEqual(['wire', 'none']);
    const set = loadConfig({ 'producer-compression': 'gzip' }, { KAFKA_BROKERS: 'a:1', SLUICE_PRODUCE_PATH: 'kafkajs' });
    expect([set.producePath, set.producerCompression]).toEqual(['kafkajs', 'gzip']);
  });

  it.each([
    [{}, {}, /no Kafka brokers configured \(set --brokers or SLUICE_BROKERS\/KAFKA_BROKERS/],
    [{ brokers: 'nohost' }, {}, /"nohost" is not host:port/],
    [{}, { KAFKA_BROKERS: 'a:1', SLUICE_COMMIT_INTERVAL_MS: 'soon' }, /SLUICE_COMMIT_INTERVAL_MS is "soon" \(expected an integer from 1/],
    [{ 'processing-guarantee': 'maybe' }, { KAFKA_BROKERS: 'a:1' }, /--processing-guarantee is "maybe" \(expected one of exactly_once, at_least_once\)/],
    [{ 'log-level': 'loud' }, { KAFKA_BROKERS: 'a:1' }, /--log-level is "loud"/],
    [{ 'producer-compression': 'lz4' }, { KAFKA_BROKERS: 'a:1' }, /--producer-compression is "lz4" \(expected one of none, gzip\)/],
    [{}, { KAFKA_BROKERS: 'a:1', SLUICE_PRODUCE_PATH: 'fast' }, /SLUICE_PRODUCE_PATH is "fast" \(expected one of wire, kafkajs\)/],
    [{}, { KAFKA_BROKERS: 'a:1', SLUICE_KAFKA_SASL_MECHANISM: 'plain' }, /--kafka-sasl-username or SLUICE_KAFKA_SASL_USERNAME is missing/],
    [{}, { KAFKA_BROKERS: 'a:1', SLUICE_SCHEMA_REGISTRY_URL: 'not a url' }, /expected a URL/],
  ])('rejects %j %j', (flags, env, message) => {
    expect(() => loadConfig(flags, env)).toThrow(ConfigError);
    expect(() => loadConfig(flags, env)).toThrow(message);
  });
});
