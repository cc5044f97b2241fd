// Small line charts over the page's history, drawn by hand in SVG: one chart per measure, lines per series,
// a y axis from zero with round ticks, a time axis (UTC) and a hover read-out.
import { h, setText, svg } from './dom.js';
import { fmtClock } from './format.js';

const HEIGHT = 150;
const MARGIN = { left: 54, right: 12, top: 10, bottom: 22 };
const TIME_STEPS_MS = [5_000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000];
const COUNT_STEPS = [1, 2, 2.5, 5, 10];
const DURATION_STEPS_MS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 15_000, 30_000, 60_000, 120_000,
  300_000, 600_000, 900_000, 1_800_000, 3_600_000, 7_200_000, 10_800_000, 21_600_000, 43_200_000, 86_400_000];

/**
 * The smallest "round" step at least `raw`: 1, 2, 2.5, 5 × 10^n for counts; whole ms, s, min, h for durations;
 * for integers (records), a whole number.
 */
export function niceStep(raw, kind) {
  if (!(raw > 0)) return 1;
  if (kind === 'integer') {
    const step = niceStep(raw, 'count');
    return step < 1 ? 1 : step === 2.5 ? 2 : step;
  }
  if (kind === 'duration') {
    const step = DURATION_STEPS_MS.find((s) => s >= raw);
    if (step !== undefined) return step;
  }
  const pow = 10 ** Math.floor(Math.log10(raw));
  for (const m of COUNT_STEPS) if (m * pow >= raw - 1e-9 * pow) return m * pow;
  return 10 * pow;
}

/** Ticks from 0 to a round maximum at or above `max`, about `count` of them. */
export function yTicks(max, kind, count = 4) {
  const top = max > 0 ? max : 1;
  const step = niceStep(top / count, kind);
  const ticks = [];
  for (let v = 0; v < top + step * 0.999; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

/** Times in [fromMs, toMs] at a round step, at most `maxTicks` of them. */
export function timeTicks(fromMs, toMs, maxTicks = 6) {
  const span = Math.max(1, toMs - fromMs);
  const step = TIME_STEPS_MS.find((s) => span / s <= maxTicks) ?? TIME_STEPS_MS[TIME_STEPS_MS.length - 1];
  const ticks = [];
  for (let t = Math.ceil(fromMs / step) * step; t <= toMs; t += step) ticks.push(t);
  return { step, ticks };
}

/**
 * One chart. `series`: [{ key, label, color }] read from each sample as `sample[key]` (null or missing is a
 * gap). `kind`: 'count', 'integer' or 'duration' (the y ticks). `format` prints a value for the read-out, `axis` for ticks.
 */
export class LineChart {
  constructor(host, { id, title, series, kind, format, axis, gapMs }) {
    this.series = series;
    this.kind = kind;
    this.format = format;
    this.axis = axis;
    this.gapMs = gapMs;
    this.samples = [];
    this.hoverX = null;
    this.values = new Map();
    const legend = h('div', { class: 'chart-values' });
    for (const s of series) {
      const value = h('b', { 'data-testid': `chart-${id}-${s.key}` }, ['—']);
      legend.appendChild(h('span', {}, [h('i', { class: 'swatch', style: `background:${s.color}` }), `${s.label} `, value]));
      this.values.set(s.key, value);
    }
    this.when = h('span', { class: 'chart-when' });
    this.root = h('div', { class: 'chart', 'data-testid': `chart-${id}`, 'data-points': 0 }, [
      h('div', { class: 'chart-head' }, [h('span', { class: 'chart-title' }, [title]), this.when, legend]),
    ]);
    this.svg = svg('svg', { class: 'chart-svg', height: HEIGHT, role: 'img', 'aria-label': title }, this.root);
    host.appendChild(this.root);
    this.svg.addEventListener('mousemove', (e) => {
      this.hoverX = e.clientX - this.svg.getBoundingClientRect().left;
      this.draw();
    });
    this.svg.addEventListener('mouseleave', () => {
      this.hoverX = null;
      this.draw();
    });
  }

  /** Shows `samples` (oldest first, each with `timeMs`) over [toMs − spanMs, toMs]. */
  render(samples, toMs, spanMs) {
    this.samples = samples;
    this.toMs = toMs;
    this.spanMs = spanMs;
    this.draw();
  }

  draw() {
    const width = Math.max(220, Math.floor(this.root.clientWidth - 2));
    const root = this.svg;
    root.textContent = '';
    root.setAttribute('width', width);
    root.setAttribute('viewBox', `0 0 ${width} ${HEIGHT}`);
    const plotW = width - MARGIN.left - MARGIN.right;
    const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
    const fromMs = this.toMs - this.spanMs;
    const visible = this.samples.filter((s) => s.timeMs >= fromMs && s.timeMs <= this.toMs);
    let max = 0;
    for (const s of visible) for (const series of this.series) if (typeof s[series.key] === 'number') max = Math.max(max, s[series.key]);
    const ticks = yTicks(max, this.kind);
    const top = ticks[ticks.length - 1] || 1;
    const x = (t) => MARGIN.left + ((t - fromMs) / this.spanMs) * plotW;
    const y = (v) => MARGIN.top + plotH - (Math.max(0, v) / top) * plotH;

    for (const v of ticks) {
      svg('line', { x1: MARGIN.left, x2: width - MARGIN.right, y1: y(v), y2: y(v), class: v === 0 ? 'axis' : 'grid' }, root);
      svg('text', { x: MARGIN.left - 6, y: y(v) + 4, 'text-anchor': 'end', class: 'tick' }, root).textContent = this.axis(v);
    }
    // A label (HH:MM:SS) is about 50 px wide: at most one per 80 px.
    const time = timeTicks(fromMs, this.toMs, Math.max(2, Math.floor(plotW / 80)));
    for (const t of time.ticks) {
      const tx = x(t);
      if (tx < MARGIN.left + 18 || tx > width - MARGIN.right - 18) continue;
      svg('line', { x1: tx, x2: tx, y1: MARGIN.top + plotH, y2: MARGIN.top + plotH + 4, class: 'axis' }, root);
      svg('text', { x: tx, y: HEIGHT - 6, 'text-anchor': 'middle', class: 'tick' }, root).textContent = fmtClock(t).slice(0, time.step >= 60_000 ? 5 : 8);
    }

    let drawn = 0;
    this.series.forEach((series, index) => {
      const runs = runsOf(visible, series.key, this.gapMs);
      const line = runs.map((run) => run.map((s, i) => `${i === 0 ? 'M' : 'L'}${x(s.timeMs).toFixed(1)},${y(s[series.key]).toFixed(1)}`).join('')).join('');
      const points = runs.reduce((n, run) => n + run.length, 0);
      drawn = Math.max(drawn, points);
      if (index === 0) {
        const area = runs.filter((run) => run.length > 1).map((run) => {
          const first = run[0];
          const last = run[run.length - 1];
          return `M${x(first.timeMs).toFixed(1)},${y(0)}${run.map((s) => `L${x(s.timeMs).toFixed(1)},${y(s[series.key]).toFixed(1)}`).join('')}L${x(last.timeMs).toFixed(1)},${y(0)}Z`;
        }).join('');
        if (area) svg('path', { d: area, fill: series.color, 'fill-opacity': 0.08, stroke: 'none' }, root);
      }
      svg('path', { d: line || 'M0,0', fill: 'none', stroke: series.color, 'stroke-width': 1.6, 'stroke-linejoin': 'round', 'data-series': series.key, 'data-points': points, visibility: line ? 'visible' : 'hidden' }, root);
      // A lone point (first sample, or one between gaps) has no line: mark it.
      for (const run of runs) if (run.length === 1) svg('circle', { cx: x(run[0].timeMs), cy: y(run[0][series.key]), r: 2, fill: series.color }, root);
    });
    this.root.setAttribute('data-points', drawn);
    if (drawn === 0) {
      svg('text', { x: MARGIN.left + plotW / 2, y: MARGIN.top + plotH / 2, 'text-anchor': 'middle', class: 'chart-empty' }, root).textContent = 'no data yet';
    }

    // Read-out: the latest sample, or the one nearest the pointer.
    let shown = visible[visible.length - 1];
    if (this.hoverX !== null && visible.length > 0) {
      const t = fromMs + ((this.hoverX - MARGIN.left) / plotW) * this.spanMs;
      shown = visible.reduce((best, s) => (Math.abs(s.timeMs - t) < Math.abs(best.timeMs - t) ? s : best), visible[0]);
      const hx = x(shown.timeMs);
      svg('line', { x1: hx, x2: hx, y1: MARGIN.top, y2: MARGIN.top + plotH, class: 'cursor' }, root);
      for (const series of this.series) {
        const v = shown[series.key];
        if (typeof v === 'number') svg('circle', { cx: hx, cy: y(v), r: 3.2, fill: '#fff', stroke: series.color, 'stroke-width': 1.6 }, root);
      }
    }
    setText(this.when, this.hoverX !== null && shown ? `at ${fmtClock(shown.timeMs)}` : '');
    for (const series of this.series) {
      const v = shown ? shown[series.key] : null;
      setText(this.values.get(series.key), typeof v === 'number' ? this.format(v) : '—');
    }
  }
}

/** Splits samples into runs of consecutive values: a missing value or a gap longer than `gapMs` ends a run. */
export function runsOf(samples, key, gapMs) {
  const runs = [];
  let run = null;
  let lastTime = null;
  for (const s of samples) {
    const v = s[key];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      run = null;
      continue;
    }
    if (run === null || s.timeMs - lastTime > gapMs) {
      run = [];
      runs.push(run);
    }
    run.push(s);
    lastTime = s.timeMs;
  }
  return runs;
}
