// The header, the summary cards and the task table, from /api/status.
import { byId, byTestId as q, h, setText } from './dom.js';
import { fmtDuration, fmtInt, fmtIso, fmtRate, lagClass, stateClass } from './format.js';
import { taskRestoreText } from './restore-text.js';

const CELLS = ['task', 'partition', 'state', 'watermark', 'watermark-lag', 'consumer-lag', 'records-in', 'records-out',
  'late', 'dropped', 'commit', 'stores'];
const NUMERIC = new Set(['partition', 'watermark-lag', 'consumer-lag', 'records-in', 'records-out', 'late', 'dropped', 'commit']);

/**
 * Totals over the tasks of one status: what the summary cards and the charts show. Watermark lag is the
 * largest over the tasks with a watermark (null when none has one); consumer lag the sum of the known ones.
 */
export function totalsOf(status) {
  const now = typeof status.serverTimeMs === 'number' ? status.serverTimeMs : Date.now();
  const totals = { timeMs: now, inPerSec: 0, outPerSec: 0, consumerLag: null, maxWatermarkLagMs: null, late: 0, dropped: 0, running: 0, restoring: 0 };
  for (const t of status.tasks) {
    totals.inPerSec += t.recordsInPerSec;
    totals.outPerSec += t.recordsOutPerSec;
    if (t.consumerLag !== null) totals.consumerLag = (totals.consumerLag ?? 0) + t.consumerLag;
    if (t.watermarkMs !== null) {
      const lag = now - t.watermarkMs;
      if (totals.maxWatermarkLagMs === null || lag > totals.maxWatermarkLagMs) totals.maxWatermarkLagMs = lag;
    }
    totals.late += t.lateRecords;
    totals.dropped += t.droppedRecords;
    if (t.state === 'running') totals.running += 1;
    if (t.state === 'restoring') totals.restoring += 1;
  }
  return totals;
}

export class StatusView {
  rows = new Map();

  render(status, totals) {
    const now = totals.timeMs;
    setText(q('app-id'), status.applicationId);
    setText(q('instance-id'), status.instanceId);
    const stateBadge = q('app-state');
    setText(stateBadge, status.state);
    stateBadge.className = stateClass(status.state);
    const ready = q('app-ready');
    setText(ready, status.ready ? 'ready' : status.inGroup ? 'not ready' : 'not in group');
    ready.className = status.ready ? 'badge ok' : 'badge warn';
    setText(q('uptime'), fmtDuration(now - status.startedAtMs));
    document.title = `sluice · ${status.applicationId}${status.ready ? '' : ' (not ready)'}`;

    const tasks = [...status.tasks].sort((a, b) => a.subtopology - b.subtopology || a.partition - b.partition);
    const seen = new Set();
    const tbody = byId('tasks');
    tasks.forEach((t, index) => {
      seen.add(t.id);
      let row = this.rows.get(t.id);
      if (!row) {
        row = createRow(t.id);
        this.rows.set(t.id, row);
      }
      if (tbody.children[index] !== row.tr) tbody.insertBefore(row.tr, tbody.children[index] ?? null);
      updateRow(row, t, now);
    });
    for (const [id, row] of this.rows) {
      if (!seen.has(id)) {
        row.tr.remove();
        this.rows.delete(id);
      }
    }
    byId('no-tasks').hidden = tasks.length > 0;

    setText(q('summary-tasks'), tasks.length + (totals.restoring > 0 ? ` (${totals.restoring} restoring)` : ''));
    setText(q('summary-in'), fmtRate(totals.inPerSec));
    setText(q('summary-out'), fmtRate(totals.outPerSec));
    setText(q('summary-lag'), fmtInt(totals.consumerLag));
    const wm = q('summary-watermark-lag');
    setText(wm, fmtDuration(totals.maxWatermarkLagMs));
    wm.className = `value ${lagClass(totals.maxWatermarkLagMs)}`;
    setText(q('summary-late-dropped'), `${fmtInt(totals.late)} / ${fmtInt(totals.dropped)}`);
    setText(q('tasks-caption'), `${totals.running} running of ${tasks.length}`);
  }
}

function createRow(id) {
  const cells = {};
  const tr = h('tr', { 'data-testid': `task-row-${id}` });
  for (const name of CELLS) {
    const className = name === 'task' || name === 'watermark' ? 'mono' : name === 'stores' ? 'stores' : NUMERIC.has(name) ? 'num' : undefined;
    cells[name] = tr.appendChild(h('td', { 'data-testid': `${name}-${id}`, class: className }));
  }
  // State cell: badge and restore progress bar.
  const badge = h('span');
  const fill = h('div');
  const bar = h('div', { class: 'bar', 'data-testid': `restore-${id}` }, [fill]);
  const pct = h('span', { class: 'pct' });
  cells.state.appendChild(h('div', { class: 'state-cell' }, [badge, bar, pct]));
  // What the restore reads and how far it got: stores and topics, offsets, rate, time left.
  const detail = cells.state.appendChild(h('div', { class: 'restore-detail', 'data-testid': `restore-detail-${id}` }));
  return { tr, cells, badge, bar, fill, pct, detail };
}

function updateRow(row, t, now) {
  const c = row.cells;
  setText(c.task, t.id);
  setText(c.partition, String(t.partition));
  setText(row.badge, t.state);
  row.badge.className = stateClass(t.state);
  const restoring = t.state === 'restoring';
  row.bar.hidden = !restoring;
  row.pct.hidden = !restoring;
  if (restoring) {
    const p = Math.max(0, Math.min(1, Number(t.restoreProgress) || 0));
    row.fill.style.width = `${(p * 100).toFixed(1)}%`;
    setText(row.pct, `${Math.floor(p * 100)}%`);
  }
  const detail = restoring ? taskRestoreText(t.restore) : '';
  row.detail.hidden = detail === '';
  setText(row.detail, detail);
  row.detail.title = restoring && t.restore ? t.restore.stores.map((s) => `${s.store}: ${s.topic} partition ${s.partition}, ${s.readOffsets} of ${s.totalOffsets} offsets`).join('\n') : '';

  setText(c.watermark, fmtIso(t.watermarkMs));
  const wmLag = t.watermarkMs === null ? null : now - t.watermarkMs;
  setText(c['watermark-lag'], fmtDuration(wmLag));
  c['watermark-lag'].className = `num ${lagClass(wmLag)}`;
  // The raw number behind the text, for tooltips and checks that must not depend on the format.
  c['watermark-lag'].setAttribute('data-ms', wmLag === null ? '' : String(wmLag));
  c['watermark-lag'].title = wmLag === null ? 'no watermark yet' : `server time − watermark = ${fmtInt(wmLag)} ms`;

  setText(c['consumer-lag'], fmtInt(t.consumerLag));
  setText(c['records-in'], fmtRate(t.recordsInPerSec));
  setText(c['records-out'], fmtRate(t.recordsOutPerSec));
  setText(c.late, fmtInt(t.lateRecords));
  setText(c.dropped, fmtInt(t.droppedRecords));
  c.late.className = `num${t.lateRecords > 0 ? ' lag-warn' : ''}`;
  c.dropped.className = `num${t.droppedRecords > 0 ? ' lag-bad' : ''}`;
  setText(c.commit, t.lastCommitDurationMs === null ? '—' : fmtDuration(t.lastCommitDurationMs));
  const storesText = t.stores.length === 0 ? '—' : t.stores.map((s) => `${s.name}: ${fmtInt(s.entries)}`).join('\n');
  if (c.stores.getAttribute('data-text') !== storesText) {
    c.stores.setAttribute('data-text', storesText);
    c.stores.textContent = t.stores.length === 0 ? '—' : '';
    for (const s of t.stores) c.stores.appendChild(h('div', {}, [`${s.name}: ${fmtInt(s.entries)}`]));
  }
}
