import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_FUTURE_SKEW_MS, loadConfig } from '../../../src/config/config.ts';

const dir = mkdtempSync(join(tmpdir(), 'sluice-security-'));
const brokers = { KAFKA_BROKERS: 'a:9092' };
const pem = join(dir, 'ca.pem');
writeFileSync(pem, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
const password = join(dir, 'password');
writeFileSync(password, 'pw\n');

describe('security settings', () => {
  it('reads the CA file at startup, and a CA file turns TLS on', () => {
    const config = loadConfig({ 'kafka-ssl-ca-file': pem }, brokers);
    expect(config.ssl).toBe(true);
    expect(config.sslCa).toContain('BEGIN CERTIFICATE');
  });

  it('refuses SASL/PLAIN without TLS unless allowed, and allows SCRAM', () => {
    const plain = { ...brokers, SLUICE_KAFKA_SASL_MECHANISM: 'plain', SLUICE_KAFKA_SASL_USERNAME: 'u', SLUICE_KAFKA_SASL_PASSWORD_FILE: password };
    expect(() => loadConfig({}, plain)).toThrow(/SLUICE_KAFKA_SASL_MECHANISM is "plain" without TLS, which sends the password in clear/);
    expect(loadConfig({ 'kafka-allow-plaintext-sasl': 'true' }, plain).sasl?.mechanism).toBe('plain');
    expect(loadConfig({ 'kafka-ssl': 'true' }, plain).sasl?.password).toBe('pw');
    expect(loadConfig({}, { ...plain, SLUICE_KAFKA_SASL_MECHANISM: 'scram-sha-512' }).sasl?.mechanism).toBe('scram-sha-512');
  });

  it('refuses SASL settings without a mechanism', () => {
    expect(() => loadConfig({}, { ...brokers, SLUICE_KAFKA_SASL_USERNAME: 'u' })).toThrow(/SLUICE_KAFKA_SASL_USERNAME is set but --kafka-sasl-mechanism/);
  });

  it('has a one-day future skew by default (the topology may set another), configurable', () => {
    expect(loadConfig({}, brokers).maxFutureSkewMs).toBeUndefined();
    expect(DEFAULT_MAX_FUTURE_SKEW_MS).toBe(86_400_000);
    expect(loadConfig({ 'max-future-skew-ms': '0' }, brokers).maxFutureSkewMs).toBe(0);
    expect(() => loadConfig({}, { ...brokers, SLUICE_MAX_FUTURE_SKEW_MS: '1d' })).toThrow(/SLUICE_MAX_FUTURE_SKEW_MS is "1d" \(expected an integer/);
  });

  it.each([
    ['host:port', 'kafka-1.example:9092', true],
    ['IPv6', '[::1]:9092', true],
    ['a typo in the port', 'localhost:90x2', false],
    ['no port', 'localhost', false],
    ['port 0', 'localhost:0', false],
    ['a URL', 'kafka://localhost:9092', false],
  ])('brokers: %s', (_, broker, ok) => {
    const load = () => loadConfig({ brokers: broker }, {});
    if (ok) expect(load().brokers).toEqual([broker]);
    else expect(load).toThrow(/--brokers: ".*" (is not host:port|has port)/);
  });
});
