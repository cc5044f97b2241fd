/**
 * Probes of a real sluice process: /readyz says 503 (restoring) while a fresh instance replays a large
 * changelog and 200 once it is done; /healthz is 200; unknown paths are 404; malformed or huge query strings
 * never take the server down.
 *
 * The changelog is built the way production builds it: a first instance counts KEYS distinct keys (one
 * changelog record each), commits and stops; a second instance of the same application, with no local
 * state, must restore all of them before it may say it is ready.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../setup/local-broker.ts';
import { brokers, createTopics, endOffsets, produce, uniqueName, type Message } from '../support/kafka.ts';
import { startSluice, type SluiceProcess } from '../support/sluice-process.ts';
import { committedOffsets, eventually, httpGet, stopChild, waitForHttp, type HttpAnswer } from './support.ts';

const fixture = join(import.meta.dirname, 'fixtures', 'key-count.ts');
/** Distinct keys, so the changelog (compacted) keeps one record per key: large enough that restoring is seen. */
const KEYS = Number(process.env.SLUICE_TEST_RESTORE_KEYS ?? 300_000);
/**
 * Long keys make the changelog span several fetches of the restorer (16 MiB each): a restore decodes and applies
 * a whole fetch without yielding, so HTTP answers come between fetches; more fetches, more answers seen.
 */
const KEY_PADDING = 'k'.repeat(200);

interface Observation {
  readonly atMs: number;
  readonly status: number;
  readonly body: { status?: string; reasons?: string[]; restoring?: { task: string; progress: number }[]; tasks?: number };
}

describe('health and readiness probes', () => {
  const applicationId = uniqueName('obs-health');
  const input = uniqueName('obs-health-in');
  const output = uniqueName('obs-health-out');
  const changelog = `${applicationId}-counts-store-changelog`;
  const env = (): Record<string, string> => ({ KAFKA_BROKERS: brokers(), OBS_INPUT: input, OBS_OUTPUT: output });
  let restored: SluiceProcess | undefined;
  let httpPort = 0;
  const observations: Observation[] = [];

  beforeAll(async () => {
    await createTopics([
      { name: input, partitions: 1 },
      { name: output, partitions: 1 },
    ]);
    const messages: Message[] = [];
    for (let i = 0; i < KEYS; i++) messages.push({ key: `key-${i}-${KEY_PADDING}`, value: 'x' });
    let started = Date.now();
    await produce(input, messages);
    console.log(`[health] produced ${KEYS} records in ${Date.now() - started} ms`);

    // 1. Build the changelog: one instance counts every key once, then stops cleanly.
    started = Date.now();
    const builder = startSluice(fixture, { applicationId, env: env(), name: 'builder' });
    try {
      await eventually(
        `${applicationId} to commit all ${KEYS} input records`,
        async () => {
          if (builder.child.exitCode !== null) throw new Error(`builder exited early: ${builder.output().slice(-2_000)}`);
          return (await committedOffsets(applicationId, input)) >= KEYS ? true : undefined;
        },
        400_000,
        1_000,
      );
    } finally {
      await stopChild(builder.child, builder.exited);
    }
    console.log(`[health] changelog built in ${Date.now() - started} ms: ${await endOffsets(changelog)} offsets in ${changelog}`);

    // 2. A fresh instance, no local state: poll /readyz as fast as it answers, from the first answer on.
    httpPort = await freePort();
    restored = startSluice(fixture, { applicationId, env: env(), name: 'restored', httpPort });
    await waitForHttp(httpPort, '/readyz', 60_000);
    // Until a 200 that counts at least one task (an instance that holds no task yet is not ready).
    const deadline = Date.now() + 180_000;
    while (Date.now() < deadline) {
      const answer = await httpGet(httpPort, '/readyz', 10_000);
      const body = JSON.parse(answer.body) as Observation['body'];
      observations.push({ atMs: Date.now(), status: answer.status, body });
      if (answer.status === 200 && (body.tasks ?? 0) > 0) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    const restoring = observations.filter((o) => (o.body.restoring?.length ?? 0) > 0);
    const gaps = observations.slice(1).map((o, i) => o.atMs - (observations[i] as Observation).atMs);
    console.log(`[health] longest wait for a /readyz answer: ${Math.max(0, ...gaps)} ms; gaps ${gaps.join(',')}`);
    console.log(
      `[health] /readyz polled ${observations.length} times; ${restoring.length} answers while restoring, ` +
        `over ${restoring.length > 0 ? (restoring.at(-1) as Observation).atMs - (restoring[0] as Observation).atMs : 0} ms; ` +
        `restore log: ${/[^\n]*"state restored"[^\n]*/.exec(restored.output())?.[0] ?? 'none'}`,
    );
  }, 600_000);

  afterAll(async () => {
    if (restored !== undefined) await stopChild(restored.child, restored.exited);
  });

  /** The answers in order, collapsed: `503 not in group ×3 → 503 restoring 0_0 ×40 → 200 tasks=1 ×1`. */
  const sequence = (): string => {
    const labels = observations.map((o) => {
      const restoringTasks = (o.body.restoring ?? []).map((r) => r.task).join(',');
      return `${o.status} ${o.body.status ?? '?'} tasks=${o.body.tasks ?? '?'}${restoringTasks !== '' ? ` restoring ${restoringTasks}` : ''}${o.status === 503 && restoringTasks === '' ? ` (${(o.body.reasons ?? []).join('; ')})` : ''}`;
    });
    const runs: string[] = [];
    for (let i = 0; i < labels.length; ) {
      let j = i;
      while (j < labels.length && labels[j] === labels[i]) j++;
      runs.push(`${labels[i] as string} ×${j - i}`);
      i = j;
    }
    return runs.join(' → ');
  };

  it('/readyz is 503, naming the restoring task, while the task restores its state', () => {
    const whileRestoring = observations.filter((o) => (o.body.restoring?.length ?? 0) > 0);
    expect(whileRestoring.length, `no answer while restoring: ${sequence()}`).toBeGreaterThan(0);
    for (const o of whileRestoring) {
      expect(o.status).toBe(503);
      expect(o.body.status).toBe('not_ready');
      expect(o.body.restoring?.map((r) => r.task)).toEqual(['0_0']);
      expect(o.body.reasons?.join('; ')).toMatch(/task 0_0 is restoring its state \(\d+(\.\d)?%\)/);
    }
    // Progress never goes back while restoring.
    const progress = whileRestoring.map((o) => o.body.restoring?.[0]?.progress ?? -1);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
  });

  it('/readyz never says ready before the assigned task has restored', () => {
    const lastRestoring = observations.findLastIndex((o) => (o.body.restoring?.length ?? 0) > 0);
    const early = observations.slice(0, Math.max(0, lastRestoring)).filter((o) => o.status === 200);
    expect(early, `200 before the restore finished: ${sequence()}`).toEqual([]);
    // Every not-ready answer is a 503 with a reason.
    for (const o of observations.slice(0, -1)) {
      expect(o.status, sequence()).toBe(503);
      expect(o.body.reasons?.length).toBeGreaterThan(0);
    }
  });

  it('/readyz is 200 once the task has restored', () => {
    const last = observations.at(-1) as Observation;
    expect(last.status, sequence()).toBe(200);
    expect(last.body).toMatchObject({ status: 'ready', reasons: [], restoring: [], tasks: 1 });
  });

  it('restored every key before saying it is ready', async () => {
    const status = JSON.parse((await httpGet(httpPort, '/api/status')).body) as { tasks: { id: string; state: string; stores: { name: string; entries: number }[] }[] };
    expect(status.tasks).toEqual([expect.objectContaining({ id: '0_0', state: 'running', stores: [{ name: 'counts-store', entries: KEYS }] })]);
  });

  it('/healthz is 200', async () => {
    const answer = await httpGet(httpPort, '/healthz');
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ status: 'ok' });
    expect(answer.headers['cache-control']).toContain('no-store');
  });

  it('an unknown path is 404 JSON', async () => {
    const answer = await httpGet(httpPort, '/no/such/path');
    expect(answer.status).toBe(404);
    expect(answer.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(answer.body)).toMatchObject({ error: 'not_found' });
  });

  it('malformed and huge query strings never crash the server', async () => {
    const cases: { path: string; expect: (a: HttpAnswer) => void }[] = [
      { path: '/readyz?%E0%A4%A', expect: (a) => expect(JSON.parse(a.body)).toMatchObject({ status: 'ready' }) },
      { path: '/metrics?x=%%', expect: (a) => expect(a.status).toBe(200) },
      { path: '/healthz?%', expect: (a) => expect(a.status).toBe(200) },
      { path: '/api/status?a=%ZZ&a=1&a[b]=2', expect: (a) => expect(a.status).toBe(200) },
      { path: `/readyz?q=${'a'.repeat(10 * 1024)}`, expect: (a) => expect(JSON.parse(a.body)).toMatchObject({ status: 'ready' }) },
      { path: `/metrics?${'k=v&'.repeat(2_500)}`, expect: (a) => expect(a.status).toBe(200) },
      // Past the 16 KB header limit: refused with a 4xx, not a crash.
      { path: `/readyz?q=${'a'.repeat(20 * 1024)}`, expect: (a) => expect(a.status).toBeGreaterThanOrEqual(400) },
      { path: '/%E0%A4%A', expect: (a) => expect([400, 404]).toContain(a.status) },
    ];
    for (const c of cases) {
      const answer = await httpGet(httpPort, c.path);
      c.expect(answer);
      expect(answer.status, c.path.slice(0, 60)).toBeLessThan(500);
      // The process is still there and still answers.
      expect(restored?.child.exitCode).toBeNull();
      expect((await httpGet(httpPort, '/healthz')).status).toBe(200);
    }
  });
});
