/**
 * An instance started while its brokers do not answer yet (a broker restarting as the pod starts, a cluster
 * still coming up) waits for them instead of exiting: `sluice run` is pointed at a gate that resets every
 * connection for a few seconds, then forwards to the real broker. The instance must say it is retrying, stay
 * up, and process the input once the gate opens.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { brokers, createTopics, produce, readTopic, uniqueName } from '../support/kafka.ts';
import { startSluice, waitFor, type SluiceProcess } from '../support/sluice-process.ts';

const fixture = join(import.meta.dirname, '..', 'fixtures', 'rekey.ts');
const CLOSED_FOR_MS = 20_000;

/** A TCP gate: resets connections until `openAtMs`, then pipes them to the broker. */
async function startGate(target: string, openAtMs: number): Promise<{ port: number; server: Server; resets: () => number }> {
  const [host, port] = target.split(':') as [string, string];
  let resets = 0;
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    if (Date.now() < openAtMs) {
      resets++;
      socket.resetAndDestroy();
      return;
    }
    const upstream = connect(Number(port), host);
    socket.pipe(upstream).pipe(socket);
    const close = () => {
      socket.destroy();
      upstream.destroy();
    };
    socket.on('error', close);
    upstream.on('error', close);
  });
  server.on('close', () => {
    for (const socket of sockets) socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('gate has no port');
  return { port: address.port, server, resets: () => resets };
}

describe('startup while the brokers do not answer yet', () => {
  let instance: SluiceProcess | undefined;
  let gate: Server | undefined;

  afterAll(async () => {
    instance?.kill('SIGKILL');
    await instance?.exited;
    await new Promise((resolve) => gate?.close(resolve));
  });

  it('waits for them, says so, and then processes the input', { timeout: 120_000 }, async () => {
    const input = uniqueName('wait-in');
    const output = uniqueName('wait-out');
    await createTopics([
      { name: input, partitions: 2 },
      { name: output, partitions: 2 },
    ]);
    await produce(input, Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, value: JSON.stringify({ id: i, user: `u${i % 4}` }) })));

    const opened = await startGate(brokers().split(',')[0] as string, Date.now() + CLOSED_FOR_MS);
    gate = opened.server;
    instance = startSluice(fixture, {
      applicationId: uniqueName('wait'),
      env: { REKEY_INPUT: input, REKEY_OUTPUT: output },
      flags: ['--brokers', `127.0.0.1:${opened.port}`],
      name: 'waiting',
    });
    const exitedEarly = instance.exited.then((code) => `exited with ${String(code)}`);

    const records = await Promise.race([readTopic(output, { expected: 20, timeoutMs: 90_000 }), exitedEarly]);
    expect(typeof records === 'string' ? records : records.length, instance.output().slice(-2000)).toBe(20);
    expect(opened.resets()).toBeGreaterThan(0);
    await waitFor('the retry line', () => /no broker answered at 127\.0\.0\.1:\d+.*retrying in \d+ ms/.test(instance?.output() ?? ''), 5_000);
  });
});
