// sluice dashboard: polls /api/status, /topology and /output every second and renders them; keeps the last
// ten minutes of totals in the page for the charts. No build step, no dependencies.
import { LineChart } from './charts.js';
import { byId, byTestId as q, setText } from './dom.js';
import { getText } from './fetch-json.js';
import { fmtCompact, fmtDuration, fmtDurationShort, fmtInt, fmtRate } from './format.js';
import { GlobalTablesView } from './global-tables-view.js';
import { History } from './history.js';
import { OutputView } from './output-view.js';
import { StatusView, totalsOf } from './status-view.js';
import { renderTopics } from './topics-table.js';
import { renderGraph } from './topology-graph.js';

const POLL_MS = 1000;
const SPAN_MS = 10 * 60_000;
const MIN_SPAN_MS = 60_000;

const history = new History({ spanMs: SPAN_MS, capacity: 1_200 });
const statusView = new StatusView();
const outputView = new OutputView();
const globalTablesView = new GlobalTablesView();
const chartHost = byId('charts');
const gapMs = 3.5 * POLL_MS;
const charts = [
  new LineChart(chartHost, {
    id: 'throughput', title: 'Records / s', kind: 'count', format: fmtRate, axis: fmtCompact, gapMs,
    series: [{ key: 'in', label: 'in', color: '#2458d6' }, { key: 'out', label: 'out', color: '#16794c' }],
  }),
  new LineChart(chartHost, {
    id: 'watermark-lag', title: 'Watermark lag (max)', kind: 'duration', format: fmtDuration, axis: fmtDurationShort, gapMs,
    series: [{ key: 'watermarkLag', label: 'lag', color: '#c07a00' }],
  }),
  new LineChart(chartHost, {
    id: 'consumer-lag', title: 'Consumer lag (records)', kind: 'integer', format: fmtInt, axis: fmtCompact, gapMs,
    series: [{ key: 'consumerLag', label: 'lag', color: '#7a3fd1' }],
  }),
];

function drawCharts() {
  const samples = history.samples();
  if (samples.length === 0) return;
  const toMs = samples[samples.length - 1].timeMs;
  const spanMs = Math.min(SPAN_MS, Math.max(MIN_SPAN_MS, toMs - samples[0].timeMs));
  for (const chart of charts) chart.render(samples, toMs, spanMs);
}

let lastTopologyText = null;
let topology = null;
let lastOutputText = null;
let failures = 0;

async function poll() {
  let texts;
  try {
    texts = await Promise.all([getText('api/status'), getText('topology'), getText('output')]);
  } catch (err) {
    failures += 1;
    if (failures >= 2 || document.body.getAttribute('data-state') === 'loading') document.body.setAttribute('data-state', 'error');
    setText(q('connection'), `disconnected (${err && err.message ? err.message : 'error'})`);
    return;
  }
  const [statusText, topologyText, outputText] = texts;
  const status = JSON.parse(statusText);
  const totals = totalsOf(status);
  statusView.render(status, totals);
  history.add({ timeMs: totals.timeMs, in: totals.inPerSec, out: totals.outPerSec, watermarkLag: totals.maxWatermarkLagMs, consumerLag: totals.consumerLag });
  drawCharts();
  if (topologyText !== lastTopologyText) {
    lastTopologyText = topologyText;
    topology = JSON.parse(topologyText);
    renderGraph(topology);
    renderTopics(topology.topics);
  }
  globalTablesView.render(status.globalTables, topology?.globalTables);
  if (outputText !== lastOutputText) {
    lastOutputText = outputText;
    outputView.render(JSON.parse(outputText), totals.timeMs);
  }
  failures = 0;
  document.body.setAttribute('data-state', 'live');
  setText(q('connection'), `live · updated ${new Date().toLocaleTimeString()}`);
}

async function loop() {
  try {
    await poll();
  } catch (err) {
    // A rendering bug: visible in the console, and the page keeps polling.
    console.error('sluice dashboard:', err);
  }
  setTimeout(loop, POLL_MS);
}

let resizeTimer;
window.addEventListener('resize', () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(drawCharts, 100);
});

loop();
