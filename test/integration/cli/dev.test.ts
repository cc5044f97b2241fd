/**
 * `sluice dev --demo` against the test broker: one process feeds the topology, runs it and prints the windows
 * it commits; Ctrl-C (SIGINT) stops it cleanly.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { readTopic, uniqueName } from '../support/kafka.ts';
import { waitFor } from '../support/sluice-process.ts';

const root = join(import.meta.dirname, '..', '..', '..');
const fixture = join(import.meta.dirname, 'fixtures', 'dev-page-views.ts');
/** `/products  [12:01:00 → 12:01:02)  7` */
const WINDOW_LINE = /^(\/\S*)\s+\[(\d\d:\d\d:\d\d) → (\d\d:\d\d:\d\d)\)\s+(\d+)$/m;

describe('sluice dev --demo', () => {
  it('feeds the topology and prints closed windows until Ctrl-C', async () => {
    const input = uniqueName('dev-in');
    const output = uniqueName('dev-out');
    const applicationId = uniqueName('dev');
    const child = spawn(process.execPath, [join(root, 'bin', 'sluice.js'), 'dev', '--demo', fixture, '--application-id', applicationId, '--http-port', 'off'], {
      cwd: root,
      env: { ...process.env, KAFKA_BROKERS: inject('kafkaBrokers'), DEV_INPUT: input, DEV_OUTPUT: output },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
    try {
      await waitFor('a windowed result line on stdout', () => WINDOW_LINE.test(stdout) || child.exitCode !== null, 120_000);
      expect(stdout, `stderr:\n${stderr}`).toMatch(WINDOW_LINE);
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(0);
    expect(stderr).toMatch(/sluice dev: \d+ records? on /);
    expect(stderr).not.toContain('local Apache Kafka broker');

    // What the console printed is what was committed to the sink.
    const [, path, start, end, count] = WINDOW_LINE.exec(stdout) ?? [];
    const committed = await readTopic(output, { expected: 1, timeoutMs: 30_000 });
    const match = committed.find((r) => {
      const key = JSON.parse(r.key ?? '{}') as { key: string; startMs: number; endMs: number };
      const time = (ms: number) => new Date(ms).toTimeString().slice(0, 8);
      return key.key === path && time(key.startMs) === start && time(key.endMs) === end && (JSON.parse(r.value ?? '{}') as { value: number }).value === Number(count);
    });
    expect(match, `${path} ${start} ${end} ${count} in ${committed.length} committed records`).toBeDefined();
  });
});
