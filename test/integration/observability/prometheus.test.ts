/**
 * sluice's /metrics as a real Prometheus sees it: a running sluice (child process, windowed count over event
 * time) is scraped every second by /usr/bin/prometheus, and the series are read back through Prometheus'
 * HTTP query API. The exposition also passes `promtool check metrics`.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../setup/local-broker.ts';
import { brokers, createTopics, produce, uniqueName, type Message } from '../support/kafka.ts';
import { startSluice, type SluiceProcess } from '../support/sluice-process.ts';
import { checkMetricsWithPromtool, PROM_CLIENT_DEFAULT_PROBLEMS } from './promtool-check.ts';
import { committedOffsets, eventually, httpGet, startPrometheus, stopChild, waitForHttp, type PrometheusServer } from './support.ts';

const fixture = join(import.meta.dirname, '..', 'fixtures', 'windowed-count.ts');
const RECORDS = 2_000;
const KEYS = 20;

describe('metrics scraped by a real Prometheus', () => {
  const applicationId = uniqueName('obs-prom');
  const input = uniqueName('obs-prom-in');
  const output = uniqueName('obs-prom-out');
  const late = uniqueName('obs-prom-late');
  // Event time: the last 10 minutes, one record every 300 ms, in order.
  const lastTsMs = Date.now() - 5_000;
  const firstTsMs = lastTsMs - (RECORDS - 1) * 300;
  let sluice: SluiceProcess | undefined;
  let prometheus: PrometheusServer | undefined;
  let httpPort = 0;

  beforeAll(async () => {
    await createTopics([
      { name: input, partitions: 1 },
      { name: output, partitions: 1 },
      { name: late, partitions: 1 },
    ]);
    httpPort = await freePort();
    sluice = startSluice(fixture, {
      applicationId,
      httpPort,
      name: 'prometheus',
      env: { KAFKA_BROKERS: brokers(), WIN_INPUT: input, WIN_OUTPUT: output, WIN_LATE: late },
    });
    await waitForHttp(httpPort);
    prometheus = await startPrometheus({ targets: [`127.0.0.1:${httpPort}`], port: await freePort(), scrapeIntervalS: 1 });

    const messages: Message[] = [];
    for (let i = 0; i < RECORDS; i++) messages.push({ key: `page-${i % KEYS}`, value: JSON.stringify({ ts: firstTsMs + i * 300 }) });
    await produce(input, messages);
    await eventually(`all ${RECORDS} records committed by ${applicationId}`, async () => ((await committedOffsets(applicationId, input)) >= RECORDS ? true : undefined), 90_000);
  });

  afterAll(async () => {
    await prometheus?.stop();
    if (sluice !== undefined) await stopChild(sluice.child, sluice.exited);
  });

  /** The one sample of `promql`, once Prometheus has scraped one that satisfies `accept`. */
  const sampleOf = (promql: string, accept: (value: number) => boolean = () => true) =>
    eventually(
      `Prometheus to hold ${promql}`,
      async () => {
        const samples = await (prometheus as PrometheusServer).query(promql);
        return samples.length === 1 && accept((samples[0] as { value: number }).value) ? samples[0] : undefined;
      },
      30_000,
      500,
    );

  it('scrapes the instance successfully', async () => {
    const up = await sampleOf(`up{job="sluice",instance="127.0.0.1:${httpPort}"}`, (v) => v === 1);
    expect(up.value).toBe(1);
    const targets = (await (await fetch(`${(prometheus as PrometheusServer).url}/api/v1/targets`)).json()) as {
      data: { activeTargets: { health: string; lastError: string; scrapeUrl: string }[] };
    };
    expect(targets.data.activeTargets.map((t) => ({ health: t.health, lastError: t.lastError, scrapeUrl: t.scrapeUrl }))).toEqual([
      { health: 'up', lastError: '', scrapeUrl: `http://127.0.0.1:${httpPort}/metrics` },
    ]);
  });

  it('counts every consumed record of the input topic', async () => {
    const consumed = await sampleOf(`sluice_records_consumed_total{topic="${input}"}`, (v) => v >= RECORDS);
    expect(consumed.value).toBeGreaterThan(0);
    // One committed run over the input, no restarts: each record counted once.
    expect(consumed.value).toBe(RECORDS);
    expect(consumed.metric['job']).toBe('sluice');
  });

  it('exports the task watermark as the latest event time seen, in seconds', async () => {
    const lastTsS = lastTsMs / 1000;
    const watermark = await sampleOf('sluice_watermark_timestamp_seconds{task="0_0"}', (v) => v >= lastTsS);
    // In order input: the watermark is the last record's event time (never ahead of it, nor of the clock).
    expect(watermark.value).toBeCloseTo(lastTsS, 2);
    expect(watermark.value).toBeLessThanOrEqual(Date.now() / 1000);
    const lag = await sampleOf('sluice_watermark_lag_seconds{task="0_0"}');
    expect(lag.value).toBeGreaterThanOrEqual(0);
    expect(lag.value).toBeLessThan((Date.now() - firstTsMs) / 1000 + 60);
  });

  it('exports sluice_build_info with the versions', async () => {
    const info = await sampleOf(`sluice_build_info{application="${applicationId}"}`);
    expect(info.value).toBe(1);
    expect(info.metric['version']).toMatch(/^\d+\.\d+\.\d+/);
    expect(info.metric['node_version']).toBe(process.versions.node);
  });

  it('serves an exposition that promtool accepts', async () => {
    const answer = await httpGet(httpPort, '/metrics');
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(answer.body).toContain(`sluice_records_consumed_total{topic="${input}"} ${RECORDS}`);
    expect(await checkMetricsWithPromtool(answer.body, { ignore: PROM_CLIENT_DEFAULT_PROBLEMS })).toEqual([]);
  });
});
