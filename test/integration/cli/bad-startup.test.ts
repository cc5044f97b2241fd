/**
 * Broken topology modules and configs, run the way users run them (`node bin/sluice.js run <file> ...`) against
 * the real broker. Each must stop at startup with one message naming the file or flag, the field and what was
 * expected; the process exits non-zero, and no topic of the application is created.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brokers, createTopics, kafka, uniqueName } from '../support/kafka.ts';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..', '..', '..');
const index = join(root, 'src', 'index.ts');
const dir = mkdtempSync(join(tmpdir(), 'sluice-bad-startup-'));
const prefix = uniqueName('bad-startup');
const input = `${prefix}-in`;
const output = `${prefix}-out`;

/** A topology module file whose build function is `body` (t is the builder, s the input stream). */
function topology(name: string, body: string, options = `{ applicationId: '${prefix}-${name}' }`): string {
  const file = join(dir, `${name}.ts`);
  writeFileSync(
    file,
    `import { defineTopology, serdes, stores, tumbling, hopping } from '${index}';
const kv = { key: serdes.string(), value: serdes.string() };
export default defineTopology(${options}, (t) => {
  const s = t.stream('${input}', kv);
  ${body}
});
`,
  );
  return file;
}

function moduleFile(name: string, source: string): string {
  const file = join(dir, name);
  writeFileSync(file, source);
  return file;
}

const good = () => topology('good', `s.to('${output}', kv);`);

interface Case {
  readonly name: string;
  readonly file: () => string;
  readonly flags?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  /** The one message: names the file or flag, the field and what was expected. */
  readonly message: RegExp;
}

const passwordFile = join(dir, 'password');
const unreadable = join(dir, 'unreadable-password');

const cases: readonly Case[] = [
  { name: 'syntax error', file: () => moduleFile('syntax.ts', 'export default {\n'), message: /syntax\.ts: the module failed to load: .*syntax\.ts:2:0: ERROR: Expected identifier/ },
  { name: 'no default export', file: () => moduleFile('no-default.ts', 'export const x = 1;\n'), message: /no-default\.ts: the default export is not a topology \(expected `export default defineTopology/ },
  { name: 'default export not a topology', file: () => moduleFile('not-topology.ts', 'export default { applicationId: "x" };\n'), message: /not-topology\.ts: the default export is not a topology \(expected/ },
  { name: 'module throws while loading', file: () => moduleFile('throws.ts', 'throw new Error("kaboom");\n'), message: /throws\.ts: the module failed to load: kaboom/ },
  { name: 'no such file', file: () => join(dir, 'missing.ts'), message: /missing\.ts: no such file \(expected a topology module/ },
  {
    name: 'two sinks with the same name',
    file: () => topology('same-sink', `s.to('${output}', { ...kv, name: 'out' }); s.to('${output}-2', { ...kv, name: 'out' });`),
    message: /same-sink\.ts: operator name "out" is used twice \(names must be unique\)/,
  },
  {
    name: 'a store name reused',
    file: () =>
      topology(
        'same-store',
        `const seen = stores.keyValue('seen', { key: serdes.string(), value: serdes.string() });
  const pass = () => ({ init() {}, process() {} });
  s.process(pass, { stores: [seen] }).to('${output}', kv); s.process(pass, { stores: [seen] }).to('${output}', kv);`,
      ),
    message: /same-store\.ts: state store "seen" is defined twice; give the operators distinct names/,
  },
  {
    name: 'an operator name reused',
    file: () => topology('same-operator', `s.groupByKey().count({ name: 'counts' }).toStream().to('${output}', { key: serdes.string(), value: serdes.json() }); s.groupByKey().count({ name: 'counts' });`),
    message: /same-operator\.ts: operator name "counts" is used twice \(names must be unique\)/,
  },
  {
    name: 'a window with grace < 0',
    file: () => topology('negative-grace', `s.groupByKey().windowedBy(tumbling('1m').grace('-1s' as '1s')).count().to('${output}', { key: serdes.windowed(), value: serdes.json() });`),
    message: /negative-grace\.ts: tumbling window grace "-1s" is not a duration \(expected/,
  },
  {
    name: 'a window size of 0',
    file: () => topology('zero-size', `s.groupByKey().windowedBy(tumbling(0)).count().to('${output}', { key: serdes.windowed(), value: serdes.json() });`),
    message: /zero-size\.ts: tumbling window size "0" must be greater than 0/,
  },
  {
    name: 'a hopping advance larger than the size',
    file: () => topology('big-advance', `s.groupByKey().windowedBy(hopping('1m', { advance: '5m' })).count().to('${output}', { key: serdes.windowed(), value: serdes.json() });`),
    message: /big-advance\.ts: hopping window advance "5m" must not exceed the window size "1m"/,
  },
  { name: 'an invalid applicationId', file: () => topology('bad-app-id', `s.to('${output}', kv);`, `{ applicationId: 'has spaces' }`), message: /bad-app-id\.ts: applicationId "has spaces" is invalid \(expected/ },
  {
    name: 'an unknown onError policy',
    file: () => topology('bad-on-error', `s.to('${output}', kv);`, `{ applicationId: '${prefix}-x', onError: 'ignore' as 'skip' }`),
    message: /bad-on-error\.ts: onError "ignore" is invalid \(expected one of fail, skip, dead-letter\)/,
  },
  {
    name: 'a bad maxOutOfOrderness',
    file: () => topology('bad-ooo', `s.to('${output}', kv);`, `{ applicationId: '${prefix}-x', maxOutOfOrderness: '5 minutes' as '5m' }`),
    message: /bad-ooo\.ts: maxOutOfOrderness "5 minutes" is not a duration \(expected/,
  },
  {
    name: 'a topic read by two streams',
    file: () => topology('read-twice', `s.to('${output}', kv); t.stream('${input}', kv).to('${output}', kv);`),
    message: /read-twice\.ts: topic ".*" is read by two stream\(\) calls/,
  },
  { name: 'a loop through a user topic', file: () => topology('loop', `s.to('${input}', kv);`), message: /loop\.ts: topic ".*" is both read and written/ },
  { name: 'an unknown flag', file: good, flags: ['--commit-intervall-ms', '100'], message: /^sluice run: unknown option --commit-intervall-ms \(expected one of .*did you mean --commit-interval-ms\?/ },
  { name: 'a negative commit interval', file: good, flags: ['--commit-interval-ms', '-5'], message: /--commit-interval-ms is "-5" \(expected an integer from 1 to 3600000\)/ },
  { name: 'a broker list with a typo', file: good, flags: ['--brokers', 'localhost:90x2'], message: /--brokers: "localhost:90x2" is not host:port \(expected e\.g\. 127\.0\.0\.1:9092/ },
  { name: 'a broker port out of range', file: good, flags: ['--brokers', 'localhost:99999'], message: /--brokers: "localhost:99999" has port 99999 \(expected 1 to 65535\)/ },
  { name: 'an unknown processing guarantee', file: good, flags: ['--processing-guarantee', 'exactly-twice'], message: /--processing-guarantee is "exactly-twice" \(expected one of exactly_once, at_least_once\)/ },
  { name: 'an unknown guarantee from the environment', file: good, env: { SLUICE_PROCESSING_GUARANTEE: 'maybe' }, message: /SLUICE_PROCESSING_GUARANTEE is "maybe" \(expected one of exactly_once, at_least_once\)/ },
  {
    name: 'an unreadable password file',
    file: good,
    flags: ['--kafka-ssl', '--kafka-sasl-mechanism', 'scram-sha-512', '--kafka-sasl-username', 'u', '--kafka-sasl-password-file', unreadable],
    message: /--kafka-sasl-password-file is ".*unreadable-password", which cannot be read \((EACCES|EISDIR); expected a file holding the password\)/,
  },
  { name: 'a password file without a mechanism', file: good, flags: ['--kafka-sasl-password-file', passwordFile], message: /--kafka-sasl-password-file is set but --kafka-sasl-mechanism or SLUICE_KAFKA_SASL_MECHANISM is not \(expected one of plain, scram-sha-256, scram-sha-512/ },
  { name: 'an unknown SASL mechanism', file: good, flags: ['--kafka-ssl', '--kafka-sasl-mechanism', 'kerberos'], message: /--kafka-sasl-mechanism is "kerberos" \(expected one of plain, scram-sha-256, scram-sha-512\)/ },
  { name: 'a SASL mechanism without a username', file: good, flags: ['--kafka-ssl', '--kafka-sasl-mechanism', 'scram-sha-512', '--kafka-sasl-password-file', passwordFile], message: /--kafka-sasl-mechanism is set but --kafka-sasl-username or SLUICE_KAFKA_SASL_USERNAME is missing \(expected/ },
  {
    name: 'SASL/PLAIN without TLS',
    file: good,
    flags: ['--kafka-sasl-mechanism', 'plain', '--kafka-sasl-username', 'u', '--kafka-sasl-password-file', passwordFile],
    message: /--kafka-sasl-mechanism is "plain" without TLS, which sends the password in clear \(expected --kafka-ssl, or --kafka-allow-plaintext-sasl/,
  },
  { name: 'an unreadable CA file', file: good, flags: ['--kafka-ssl-ca-file', join(dir, 'no-ca.pem')], message: /--kafka-ssl-ca-file is ".*no-ca\.pem", which cannot be read \(ENOENT; expected a PEM file/ },
  { name: 'a CA file that is not PEM', file: good, flags: ['--kafka-ssl-ca-file', passwordFile], message: /--kafka-ssl-ca-file is ".*password" \(expected a PEM file with "-----BEGIN CERTIFICATE-----"\)/ },
  { name: 'an unknown log level', file: good, flags: ['--log-level', 'loud'], message: /--log-level is "loud" \(expected one of trace, debug/ },
  { name: 'a bad HTTP port', file: good, flags: ['--http-port', '70000'], message: /--http-port is "70000" \(expected an integer from 0 to 65535\)/ },
  { name: 'a bad registry URL', file: good, flags: ['--schema-registry-url', 'registry:8081'], message: /--schema-registry-url is "registry:8081" \(expected a URL like http:\/\/registry:8081\)/ },
  { name: 'a bad max future skew flag', file: good, flags: ['--max-future-skew-ms', '-1'], message: /--max-future-skew-ms is "-1" \(expected an integer from 0 to/ },
  { name: 'a missing topology file argument', file: () => '', message: /sluice run: missing the topology file/ },
  { name: 'a source topic that does not exist', file: () => topology('no-source', `t.stream('${prefix}-nowhere', kv).to('${output}', kv);`), message: /no-source\.ts: source topic ".*-nowhere" does not exist at .* \(expected it to be created first/ },
  { name: 'an output topic that does not exist', file: () => topology('no-sink', `s.to('${prefix}-nowhere', kv);`), message: /no-sink\.ts: output topic ".*-nowhere" does not exist at .* \(expected it to be created first/ },
];

async function topicsOfTest(): Promise<string[]> {
  const admin = kafka().admin();
  await admin.connect();
  try {
    return (await admin.listTopics()).filter((t) => t.startsWith(prefix) && t !== input && t !== output);
  } finally {
    await admin.disconnect();
  }
}

describe('bad topologies and configs fail at startup', () => {
  beforeAll(async () => {
    await createTopics([
      { name: input, partitions: 2 },
      { name: output, partitions: 2 },
    ]);
    writeFileSync(passwordFile, 'secret\n');
    // A directory where the password file should be: unreadable as a file even for root.
    mkdirSync(unreadable);
  });

  afterAll(async () => {
    // No case got far enough to create its application's internal topics (changelogs, DLQ, repartition).
    expect(await topicsOfTest()).toEqual([]);
  });

  it('has a table of at least 20 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(20);
  });

  it.each(cases)('$name', async (c) => {
    const file = c.file();
    const args = [join(root, 'bin', 'sluice.js'), 'run', ...(file === '' ? [] : [file]), '--http-port', 'off', ...(c.flags ?? [])];
    if (!(c.flags ?? []).includes('--brokers')) args.push('--brokers', brokers());
    const env: Record<string, string | undefined> = { ...process.env, ...c.env };
    for (const name of Object.keys(env)) if (name.startsWith('SLUICE_') && c.env?.[name] === undefined) delete env[name];
    delete env.KAFKA_BROKERS;
    const result = await run(process.execPath, args, { cwd: root, env, timeout: 60_000 }).then(
      (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
      (e: { code?: number | string; signal?: string; stdout?: string; stderr?: string }) => ({ code: e.code ?? e.signal ?? 'unknown', stdout: e.stdout ?? '', stderr: e.stderr ?? '' }),
    );
    const lines = `${result.stdout}${result.stderr}`.split('\n').filter((l) => l.trim() !== '');
    expect(typeof result.code === 'number' && result.code !== 0, `exit code ${String(result.code)}`).toBe(true);
    expect(lines, lines.join('\n')).toHaveLength(1);
    const line = lines[0] as string;
    // A JSON log line (errors found once the broker is reached) or a plain one; the message is what counts.
    const message = line.startsWith('{') ? String((JSON.parse(line) as { msg?: unknown }).msg) : line;
    expect(message).toMatch(c.message);
  });
});
