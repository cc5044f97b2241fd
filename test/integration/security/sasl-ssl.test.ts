/**
 * SASL/SCRAM-SHA-512 over TLS against a real broker of our own: certificates made with openssl, the broker
 * started by docker/local-kafka/kafka.sh with a SASL_SSL listener and a SCRAM user added at format time. sluice
 * processes records over it with the CA file and a password from the environment; a wrong password and an
 * untrusted certificate each stop it at startup with one clear line.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../setup/local-broker.ts';
import { makeCertificates, type TestCertificates } from '../setup/tls.ts';
import { startSluice } from '../support/sluice-process.ts';
import { installFetchAbortedFilter } from '../../../src/kafka/kafkajs/fetch-response-patch.ts';

// kafkajs's own read_committed filter lets records of aborted transactions through in some batch layouts (a
// task rebuilt mid-test aborts one); sluice's filter replaces it for this reader too.
installFetchAbortedFilter();

const run = promisify(execFile);
const root = join(import.meta.dirname, '..', '..', '..');
const script = join(root, 'docker', 'local-kafka', 'kafka.sh');
const fixture = join(root, 'test', 'integration', 'fixtures', 'rekey.ts');
const dir = mkdtempSync(join(tmpdir(), 'sluice-sasl-ssl-'));
const USER = 'sluice-app';
const PASSWORD = 'correct horse battery staple';

let certs: TestCertificates;
let plainPort = 0;
let securePort = 0;
let brokerLog = '';

/** A client of the plaintext listener, for the test's own topic setup and reads. */
function plain(): Kafka {
  return new Kafka({ clientId: 'sasl-ssl-test', brokers: [`127.0.0.1:${plainPort}`], logLevel: logLevel.NOTHING });
}

function secureFlags(caFile: string): string[] {
  return ['--brokers', `127.0.0.1:${securePort}`, '--kafka-ssl-ca-file', caFile, '--kafka-sasl-mechanism', 'scram-sha-512', '--kafka-sasl-username', USER];
}

async function runOnce(args: string[], env: Record<string, string>): Promise<{ code: number | string; lines: string[] }> {
  const childEnv: Record<string, string | undefined> = { ...process.env, ...env };
  delete childEnv.KAFKA_BROKERS;
  const result = await run(process.execPath, [join(root, 'bin', 'sluice.js'), 'run', fixture, '--http-port', 'off', ...args], { cwd: root, env: childEnv, timeout: 90_000 }).then(
    (r) => ({ code: 0 as number | string, out: r.stdout + r.stderr }),
    (e: { code?: number | string; signal?: string; stdout?: string; stderr?: string }) => ({ code: e.code ?? e.signal ?? 'unknown', out: (e.stdout ?? '') + (e.stderr ?? '') }),
  );
  return { code: result.code, lines: result.out.split('\n').filter((l) => l.trim() !== '') };
}

const failedAuthentications = () => (readFileSync(brokerLog, 'utf8').match(/Failed authentication/g) ?? []).length;

describe('SASL/SCRAM over TLS', () => {
  beforeAll(async () => {
    certs = makeCertificates(join(dir, 'tls'));
    plainPort = await freePort(0);
    securePort = await freePort(0);
    await run('bash', [script, 'start', '--port', String(plainPort), '--sasl-ssl-port', String(securePort), '--tls-keystore', certs.brokerKeystore, '--scram', `${USER}=${PASSWORD}`], { cwd: root });
    brokerLog = join(process.env.SLUICE_KAFKA_CACHE ?? join(root, '.cache', 'kafka'), 'run', String(plainPort), 'broker.log');
  }, 180_000);

  afterAll(async () => {
    if (plainPort !== 0) await run('bash', [script, 'stop', '--port', String(plainPort)], { cwd: root });
  });

  it('processes records over SASL_SSL with the CA file and a password from the environment', async () => {
    const input = 'secure-in';
    const output = 'secure-out';
    const admin = plain().admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: input, numPartitions: 2 }, { topic: output, numPartitions: 2 }], waitForLeaders: true });
    await admin.disconnect();
    const producer = plain().producer();
    await producer.connect();
    await producer.send({ topic: input, messages: Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, value: JSON.stringify({ id: i, user: `u${i % 3}` }) })) });
    await producer.disconnect();

    const app = startSluice(fixture, {
      applicationId: 'secure-rekey',
      flags: secureFlags(certs.caFile),
      env: { REKEY_INPUT: input, REKEY_OUTPUT: output, SLUICE_KAFKA_SASL_PASSWORD: PASSWORD, KAFKA_BROKERS: '' },
      name: 'sasl-ssl',
    });
    const consumer = plain().consumer({ groupId: 'secure-reader', readUncommitted: false });
    await consumer.connect();
    await consumer.subscribe({ topic: output, fromBeginning: true });
    const seen: string[] = [];
    await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.value?.toString() ?? '') });
    const deadline = Date.now() + 120_000;
    while (seen.length < 20 && Date.now() < deadline && app.child.exitCode === null) await new Promise((r) => setTimeout(r, 200));
    await consumer.disconnect();
    app.kill('SIGTERM');
    expect(await app.exited, app.output().slice(-2000)).toBe(0);
    expect(seen).toHaveLength(20);
    expect(seen.every((v) => (JSON.parse(v) as { seen: boolean }).seen)).toBe(true);
  });

  it('a wrong password stops at startup with one authentication error line and no retry storm', async () => {
    const before = failedAuthentications();
    const passwordFile = join(dir, 'wrong-password');
    writeFileSync(passwordFile, 'not the password\n');
    const { code, lines } = await runOnce([...secureFlags(certs.caFile), '--kafka-sasl-password-file', passwordFile], {});
    expect(code).toBe(1);
    expect(lines, lines.join('\n')).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^sluice run: authentication to 127\\.0\\.0\\.1:${securePort} failed as "${USER}" with SCRAM-SHA-512: .*invalid credentials.* \\(expected the user and password the broker has`));
    expect(lines[0]).not.toContain('not the password');
    // One attempt, not kafkajs's retry budget: the broker saw a single failed authentication (two at most).
    await new Promise((r) => setTimeout(r, 500));
    expect(failedAuthentications() - before).toBeGreaterThanOrEqual(1);
    expect(failedAuthentications() - before).toBeLessThanOrEqual(2);
  });

  it('an untrusted certificate stops at startup with one TLS error line', async () => {
    const other = makeCertificates(join(dir, 'other-ca'), 'some other');
    const { code, lines } = await runOnce(secureFlags(other.caFile), { SLUICE_KAFKA_SASL_PASSWORD: PASSWORD });
    expect(code).toBe(1);
    expect(lines, lines.join('\n')).toHaveLength(1);
    expect(lines[0]).toMatch(/^sluice run: TLS to .* failed: the broker's certificate is not trusted \(SELF_SIGNED_CERT_IN_CHAIN: .*; expected a certificate signed by the CA in --kafka-ssl-ca-file/);
  });

  it('TLS without trusting the broker CA (system roots only) is refused the same way', async () => {
    const { code, lines } = await runOnce(['--brokers', `127.0.0.1:${securePort}`, '--kafka-ssl', '--kafka-sasl-mechanism', 'scram-sha-512', '--kafka-sasl-username', USER], { SLUICE_KAFKA_SASL_PASSWORD: PASSWORD });
    expect(code).toBe(1);
    expect(lines, lines.join('\n')).toHaveLength(1);
    expect(lines[0]).toMatch(/TLS to .* failed: the broker's certificate is not trusted/);
  });

  it('SASL/PLAIN without TLS is refused before connecting, unless explicitly allowed', async () => {
    const refused = await runOnce(['--brokers', `127.0.0.1:${plainPort}`, '--kafka-sasl-mechanism', 'plain', '--kafka-sasl-username', USER], { SLUICE_KAFKA_SASL_PASSWORD: PASSWORD });
    expect(refused.code).toBe(1);
    expect(refused.lines).toHaveLength(1);
    expect(refused.lines[0]).toMatch(/"plain" without TLS, which sends the password in clear \(expected --kafka-ssl, or --kafka-allow-plaintext-sasl/);
    // Allowed, it gets to the broker, whose plaintext listener has no SASL: one line saying so.
    const allowed = await runOnce(['--brokers', `127.0.0.1:${plainPort}`, '--kafka-sasl-mechanism', 'plain', '--kafka-sasl-username', USER, '--kafka-allow-plaintext-sasl'], { SLUICE_KAFKA_SASL_PASSWORD: PASSWORD });
    expect(allowed.code).toBe(1);
    expect(allowed.lines, allowed.lines.join('\n')).toHaveLength(1);
    expect(allowed.lines[0]).toMatch(/refused the SASL handshake/);
  });
});
