import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/config.ts';
import { ConfigError } from '../../../src/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'sluice-config-'));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}
const brokers = { KAFKA_BROKERS: 'a:9092' };
const sasl = { ...brokers, SLUICE_KAFKA_SASL_MECHANISM: 'scram-sha-512', SLUICE_KAFKA_SASL_USERNAME: 'app' };

describe('HTTP host', () => {
  it('binds loopback unless told otherwise', () => {
    expect(loadConfig({}, brokers).httpHost).toBe('127.0.0.1');
    expect(loadConfig({ 'http-host': '0.0.0.0' }, brokers).httpHost).toBe('0.0.0.0');
    expect(loadConfig({}, { ...brokers, SLUICE_HTTP_HOST: '::' }).httpHost).toBe('::');
  });

  it('rejects what is not an address', () => {
    expect(() => loadConfig({ 'http-host': 'http://0.0.0.0' }, brokers)).toThrow(/--http-host is "http:\/\/0.0.0.0" \(expected an interface address/);
  });
});

describe('passwords from files', () => {
  it('reads the SASL password from a file, without its trailing newline', () => {
    const path = file('sasl', 's3cret\n');
    const config = loadConfig({ 'kafka-sasl-password-file': path }, sasl);
    expect(config.sasl).toEqual({ mechanism: 'scram-sha-512', username: 'app', password: 's3cret' });
    expect(loadConfig({}, { ...sasl, SLUICE_KAFKA_SASL_PASSWORD_FILE: file('crlf', 'pw with spaces \r\n') }).sasl?.password).toBe('pw with spaces ');
  });

  it('reads the schema registry password from a file', () => {
    const path = file('registry', 'key-secret\n\n');
    const config = loadConfig({ 'schema-registry-password-file': path }, { ...brokers, SLUICE_SCHEMA_REGISTRY_URL: 'http://r:8081', SLUICE_SCHEMA_REGISTRY_USERNAME: 'key' });
    expect(config.schemaRegistry).toEqual({ url: 'http://r:8081', username: 'key', password: 'key-secret' });
  });

  it.each([
    ['a missing file', { 'kafka-sasl-password-file': join(dir, 'missing') }, sasl, /--kafka-sasl-password-file is ".*missing", which cannot be read \(ENOENT; expected a file holding the password\)/],
    ['a directory', { 'kafka-sasl-password-file': dir }, sasl, /--kafka-sasl-password-file is ".*", which cannot be read \(EISDIR/],
    ['an empty file', { 'kafka-sasl-password-file': file('empty', '\n') }, sasl, /--kafka-sasl-password-file is ".*empty", which is empty/],
    ['both a password and a file', { 'kafka-sasl-password-file': file('both', 'x') }, { ...sasl, SLUICE_KAFKA_SASL_PASSWORD: 'y' }, /both SLUICE_KAFKA_SASL_PASSWORD and --kafka-sasl-password-file are set/],
    [
      'a missing registry file from the environment',
      {},
      { ...brokers, SLUICE_SCHEMA_REGISTRY_URL: 'http://r:8081', SLUICE_SCHEMA_REGISTRY_PASSWORD_FILE: '/nonexistent/password' },
      /SLUICE_SCHEMA_REGISTRY_PASSWORD_FILE is "\/nonexistent\/password", which cannot be read \(ENOENT/,
    ],
  ])('%s is a ConfigError naming the flag and the path', (_, flags, env, message) => {
    let error: unknown;
    try {
      loadConfig(flags, env);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(message);
  });

  it('an unreadable file fails too (when not root)', () => {
    const path = file('locked', 'x');
    chmodSync(path, 0o000);
    const readable = (() => {
      try {
        return loadConfig({ 'kafka-sasl-password-file': path }, sasl).sasl?.password === 'x';
      } catch (e) {
        expect((e as Error).message).toMatch(/cannot be read \(EACCES/);
        return false;
      }
    })();
    // root reads any file; everyone else gets the EACCES error checked above.
    expect(readable).toBe(process.getuid?.() === 0);
  });
});
