/**
 * The dashboard of a REAL sluice (child process, `sluice run` with an HTTP port) executing the page-views
 * topology (filter → repartition by path → 1-minute tumbling count), while clicks with advancing event time
 * keep flowing into its input. Needs /usr/bin/chromium and the Kafka broker of the integration global setup.
 */
import { join } from 'node:path';
import type { TopologyDescription } from '../../src/planner/description.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../integration/setup/local-broker.ts';
import { brokers, createTopics, produce, readTopic, uniqueName, type Message } from '../integration/support/kafka.ts';
import { startSluice, type SluiceProcess } from '../integration/support/sluice-process.ts';
import { eventually, httpGet, stopChild, waitForHttp } from '../integration/observability/support.ts';
import { expectedEdges, readOutputRows } from './dashboard-checks.ts';
import { openDashboard, type OpenDashboard } from './open-dashboard.ts';

const fixture = join(import.meta.dirname, '..', 'integration', 'observability', 'fixtures', 'page-views.ts');
const PATHS = ['/', '/home', '/pricing', '/docs', '/docs/start', '/blog', '/about', '/contact', '/login', '/signup', '/cart', '/search'];
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
/** Every form the dashboard gives a duration: 850 ms, 4.2 s, 3m 05s, 2h 10m, 1d 4h. */
const DURATION = /^(\d+ ms|\d+\.\d s|\d+m \d\ds|\d+h \d+m|\d+d \d+h)$/;

type TopologyBody = TopologyDescription;

describe('live dashboard of a running sluice', () => {
  const applicationId = uniqueName('live-dash');
  const input = uniqueName('live-clicks');
  const output = uniqueName('live-views');
  const late = uniqueName('live-late');
  let sluice: SluiceProcess | undefined;
  let dashboard: OpenDashboard | undefined;
  let httpPort = 0;
  let topology: TopologyBody;
  // Event time follows the wall clock, a second behind it, strictly increasing: the watermarks advance in real time
  // and windows close every minute. The backlog produced before the start covers the last 40 seconds.
  let eventTimeMs = Date.now() - 41_000;
  let sent = 0;
  let feeding = true;
  let feeder: Promise<void> = Promise.resolve();

  const batch = (size: number, stepMs = 0): Message[] => {
    const messages: Message[] = [];
    for (let i = 0; i < size; i++, sent++) {
      eventTimeMs = stepMs > 0 ? eventTimeMs + stepMs : Math.max(eventTimeMs + 1, Date.now() - 1_000);
      const bot = sent % 10 === 9;
      const click = { userId: `u${sent % 50}`, url: `https://shop.example${PATHS[sent % PATHS.length] as string}?ref=${sent}`, userAgent: bot ? 'Googlebot/2.1' : 'Mozilla/5.0', ts: eventTimeMs };
      messages.push({ key: `s${sent % 7}`, value: JSON.stringify(click), partition: sent % 2 });
    }
    return messages;
  };

  beforeAll(async () => {
    await createTopics([
      { name: input, partitions: 2 },
      { name: output, partitions: 2 },
      { name: late, partitions: 1 },
    ]);
    await produce(input, batch(40, 1_000));
    httpPort = await freePort();
    sluice = startSluice(fixture, {
      applicationId,
      httpPort,
      name: 'live-dashboard',
      env: { KAFKA_BROKERS: brokers(), PV_INPUT: input, PV_OUTPUT: output, PV_LATE: late },
    });
    await waitForHttp(httpPort);
    // Records keep flowing while the page is open: 20 clicks every 250 ms, for at most 3 minutes.
    const feedUntil = Date.now() + 180_000;
    feeder = (async () => {
      while (feeding && Date.now() < feedUntil) {
        await produce(input, batch(20));
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    // Ready and processing: every task running with a watermark.
    await eventually(
      'every task running with a watermark',
      async () => {
        const status = JSON.parse((await httpGet(httpPort, '/api/status')).body) as { ready: boolean; tasks: { state: string; watermarkMs: number | null }[] };
        return status.ready && status.tasks.length === 4 && status.tasks.every((t) => t.state === 'running' && t.watermarkMs !== null) ? true : undefined;
      },
      90_000,
      250,
    );
    topology = JSON.parse((await httpGet(httpPort, '/topology')).body) as TopologyBody;
    dashboard = await openDashboard(`http://127.0.0.1:${httpPort}/`, 'test-output/dashboard-live-opened.png');
  }, 180_000);

  afterAll(async () => {
    feeding = false;
    await feeder.catch(() => undefined);
    await dashboard?.close();
    if (sluice !== undefined) await stopChild(sluice.child, sluice.exited);
  });

  it('shows the application as running and ready', async () => {
    const page = (dashboard as OpenDashboard).page;
    expect(await page.getByTestId('app-id').textContent()).toBe(applicationId);
    expect(await page.getByTestId('app-state').textContent()).toBe('running');
    await expect.poll(() => page.getByTestId('app-ready').textContent(), { timeout: 10_000 }).toBe('ready');
  });

  it('draws every operator and topic of the running topology', async () => {
    const page = (dashboard as OpenDashboard).page;
    const operators = topology.subtopologies.flatMap((s) => s.operators.map((o) => o.name));
    // The names the fixture gives, plus the planner's for the rest (source, repartition, sink).
    expect(operators).toEqual(expect.arrayContaining(['only-humans', 'by-path', 'views-per-minute']));
    expect(topology.subtopologies).toHaveLength(2);
    for (const name of operators) expect(await page.getByTestId(`operator-${name}`).count(), `operator-${name}`).toBe(1);
    const repartition = `${applicationId}-by-path-repartition`;
    for (const topic of [input, output]) expect(await page.getByTestId(`topic-${topic}`).count(), `topic-${topic}`).toBe(1);
    // The repartition topic links the two sub-topologies: drawn as the sink of one and the source of the other.
    expect(await page.getByTestId(`topic-${repartition}`).count()).toBe(2);
    // Every topic, the late one and the internal ones included, is listed in the topics table.
    for (const topic of topology.topics) expect(await page.getByTestId(`topic-row-${topic.name}`).count(), `topic-row-${topic.name}`).toBe(1);
    expect(topology.topics.map((t) => t.name)).toEqual(expect.arrayContaining([input, output, late, repartition]));
    expect(await page.getByTestId('subtopology-0').count()).toBe(1);
    expect(await page.getByTestId('subtopology-1').count()).toBe(1);
  });

  it('draws a connected graph: each operator but the sources is fed by an operator of its sub-topology', () => {
    // The dashboard lays operators out by their parents: an operator nobody names as a child is drawn as a root
    // fed by the source topic, and a child name from another sub-topology is no edge at all.
    for (const sub of topology.subtopologies) {
      const names = new Set(sub.operators.map((o) => o.name));
      const fed = new Set(sub.operators.flatMap((o) => o.children));
      const strayChildren = sub.operators.flatMap((o) => o.children.filter((c) => !names.has(c)).map((c) => `${o.name} -> ${c}`));
      const orphans = sub.operators.filter((o) => o.kind !== 'source' && o.kind !== 'repartition' && !fed.has(o.name)).map((o) => `${o.name} (${o.kind})`);
      expect({ subtopology: sub.id, strayChildren, orphans }, JSON.stringify(sub.operators)).toEqual({ subtopology: sub.id, strayChildren: [], orphans: [] });
    }
  });

  it('lists the four tasks, and the watermark of each advances while records flow', async () => {
    const page = (dashboard as OpenDashboard).page;
    const taskIds = ['0_0', '0_1', '1_0', '1_1'];
    for (const id of taskIds) expect(await page.getByTestId(`task-row-${id}`).count(), `task-row-${id}`).toBe(1);
    const first = new Map<string, string>();
    for (const id of taskIds) {
      const text = (await page.getByTestId(`watermark-${id}`).textContent()) ?? '';
      expect(text, `watermark-${id}`).toMatch(ISO);
      first.set(id, text);
    }
    for (const id of taskIds) {
      await expect
        .poll(() => page.getByTestId(`watermark-${id}`).textContent(), { timeout: 15_000, message: `watermark-${id} never moved from ${first.get(id) ?? ''}` })
        .not.toBe(first.get(id));
      const second = (await page.getByTestId(`watermark-${id}`).textContent()) ?? '';
      expect(second).toMatch(ISO);
      expect(Date.parse(second), `watermark-${id}: ${first.get(id) ?? ''} → ${second}`).toBeGreaterThan(Date.parse(first.get(id) ?? ''));
      // Never ahead of the latest event time produced, so never ahead of the server's clock: the lag is a
      // duration of zero or more (how long depends on the machine's speed, so only its form is checked).
      expect(Date.parse(second)).toBeLessThanOrEqual(eventTimeMs);
      const lag = page.getByTestId(`watermark-lag-${id}`);
      expect(Number(await lag.getAttribute('data-ms')), `watermark-lag-${id}`).toBeGreaterThanOrEqual(0);
      expect(await lag.textContent()).toMatch(DURATION);
    }
    await expect.poll(async () => Number(((await page.getByTestId('summary-in').textContent()) ?? '').replace(/[^\d.]/g, '')), { timeout: 10_000 }).toBeGreaterThan(0);
    await page.screenshot({ path: 'test-output/dashboard-live.png', fullPage: true });
  });

  it('draws exactly the operator and topic edges that /topology lists', async () => {
    const page = (dashboard as OpenDashboard).page;
    const drawn = await page.locator('#graph [data-edge]').evaluateAll((paths) => paths.map((p) => p.getAttribute('data-edge') ?? ''));
    expect(drawn.sort()).toEqual(expectedEdges(topology).sort());
    // The window operator writes its changelog and the late topic; the sink writes the output topic.
    expect(drawn).toEqual(expect.arrayContaining([
      `op:views-per-minute->topic:${applicationId}-views-per-minute-store-changelog`,
      `op:views-per-minute->topic:${late}`,
      `topic:${input}->op:${topology.subtopologies[0]?.operators[0]?.name ?? '?'}`,
    ]));
  });

  it('charts throughput, watermark lag and consumer lag after a few polls', async () => {
    const page = (dashboard as OpenDashboard).page;
    for (const id of ['throughput', 'watermark-lag', 'consumer-lag']) {
      await expect.poll(async () => Number(await page.getByTestId(`chart-${id}`).getAttribute('data-points')), { timeout: 15_000, message: id }).toBeGreaterThanOrEqual(3);
    }
    expect(await page.getByTestId('chart-watermark-lag-watermarkLag').textContent()).toMatch(DURATION);
    expect(await page.getByTestId('chart-consumer-lag-consumerLag').textContent()).toMatch(/^[\d,]+$/);
  });

  it('shows the latest records committed to the repartition and output topics, as they are in Kafka', async () => {
    const page = (dashboard as OpenDashboard).page;
    const repartition = `${applicationId}-by-path-repartition`;
    await expect.poll(async () => (await readOutputRows(page, repartition)).length, { timeout: 15_000 }).toBeGreaterThan(0);
    for (const row of await readOutputRows(page, repartition)) {
      // Re-keyed by path (string serde), the click as JSON.
      expect(PATHS).toContain(row.key);
      expect(JSON.parse(row.value)).toMatchObject({ url: expect.stringContaining(`https://shop.example${row.key}?ref=`) });
    }
    // A window closes once the watermark passes its end plus 30 s of grace: the first result within about 90 s.
    await expect.poll(async () => (await readOutputRows(page, output)).length, { timeout: 150_000, interval: 1_000 }).toBeGreaterThan(0);
    const shown = await readOutputRows(page, output);
    const inKafka = new Set(
      (await readTopic(output, { expected: 1 })).map((r) => {
        const key = JSON.parse(r.key ?? 'null') as { key: string; startMs: number; endMs: number };
        return `${key.key} [${new Date(key.startMs).toISOString()} → ${new Date(key.endMs).toISOString()}) = ${r.value ?? ''}`;
      }),
    );
    for (const row of shown) {
      expect(row.key).toMatch(/^\/\S* \[(\d{4}-\d\d-\d\d )?\d\d:\d\d:\d\d → (\d{4}-\d\d-\d\d )?\d\d:\d\d:\d\d\)$/);
      expect(row.value).toMatch(/^\{"value":\d+,"final":true\}$/);
      expect(inKafka, `${row.keyTitle} = ${row.value}`).toContain(`${row.keyTitle} = ${row.value}`);
    }
    await page.screenshot({ path: 'test-output/dashboard-live-output.png', fullPage: true });
  }, 180_000);

  it('made no requests elsewhere and logged no errors', () => {
    expect((dashboard as OpenDashboard).problems).toEqual([]);
  });
});
