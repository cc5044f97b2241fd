// The global tables section, from /api/status (state, keys, load progress, lag) and /topology (who joins them).
import { byId, byTestId as q, h, setText } from './dom.js';
import { fmtDuration, fmtInt, stateClass } from './format.js';
import { fractionOf, progressText } from './restore-text.js';

export class GlobalTablesView {
  rows = new Map();

  /** `tables`: status.globalTables (may be absent); `described`: topology.globalTables (may be absent). */
  render(tables, described) {
    const list = [...(tables ?? [])].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    byId('global-section').hidden = list.length === 0;
    const joins = new Map((described ?? []).map((d) => [d.name, d.joinedBy]));
    const tbody = byId('global-tables');
    const seen = new Set();
    list.forEach((t, index) => {
      seen.add(t.name);
      let row = this.rows.get(t.name);
      if (!row) {
        row = createRow(t.name);
        this.rows.set(t.name, row);
      }
      if (tbody.children[index] !== row.tr) tbody.insertBefore(row.tr, tbody.children[index] ?? null);
      updateRow(row, t, joins.get(t.name));
    });
    for (const [name, row] of this.rows) {
      if (!seen.has(name)) {
        row.tr.remove();
        this.rows.delete(name);
      }
    }
    const loading = list.filter((t) => t.state === 'created' || t.state === 'restoring').length;
    setText(q('global-caption'), list.length === 0 ? '' : loading > 0 ? `${loading} of ${list.length} loading; the instance joins its group once all are loaded` : `${list.length} loaded, following their topics`);
  }
}

const CELLS = ['name', 'topic', 'partitions', 'keys', 'state', 'read', 'lag', 'joined'];

function createRow(name) {
  const tr = h('tr', { 'data-testid': `global-row-${name}` });
  const cells = {};
  for (const cell of CELLS) {
    const className = cell === 'name' || cell === 'topic' ? 'mono' : cell === 'partitions' || cell === 'keys' || cell === 'lag' ? 'num' : undefined;
    cells[cell] = tr.appendChild(h('td', { 'data-testid': `global-${cell}-${name}`, class: className }));
  }
  const badge = h('span');
  const fill = h('div');
  const bar = h('div', { class: 'bar', 'data-testid': `global-progress-${name}` }, [fill]);
  const pct = h('span', { class: 'pct' });
  cells.state.appendChild(h('div', { class: 'state-cell' }, [badge, bar, pct]));
  return { tr, cells, badge, bar, fill, pct };
}

function updateRow(row, t, joinedBy) {
  const c = row.cells;
  setText(c.name, t.name);
  setText(c.topic, t.topic);
  const loading = t.state === 'created' || t.state === 'restoring';
  setText(c.partitions, loading ? `${t.restoredPartitions} / ${t.partitions}` : String(t.partitions));
  c.partitions.title = loading ? 'partitions at the end offsets they had at startup / all partitions' : '';
  setText(c.keys, fmtInt(t.entries));
  setText(row.badge, loading ? 'loading' : t.state);
  row.badge.className = loading ? 'badge warn' : stateClass(t.state);
  row.bar.hidden = !loading;
  row.pct.hidden = !loading;
  const restore = t.restore ?? null;
  if (loading) {
    const p = restore ? fractionOf(restore) : 0;
    row.fill.style.width = `${(p * 100).toFixed(1)}%`;
    setText(row.pct, `${Math.floor(p * 100)}%`);
  }
  // While loading: offsets read of those to read, rate and time left; after: what the load read and how long it took.
  const readText = !restore ? '—' : loading ? progressText(restore) : `${fmtInt(restore.totalOffsets)} offsets in ${fmtDuration(restore.durationMs)}`;
  setText(c.read, readText);
  c.read.setAttribute('data-read', restore ? String(restore.readOffsets) : '');
  c.read.setAttribute('data-total', restore ? String(restore.totalOffsets) : '');
  setText(c.lag, fmtInt(t.lag));
  setText(c.joined, !joinedBy || joinedBy.length === 0 ? '—' : joinedBy.map((j) => `${j.operator} (sub-topology ${j.subtopology})`).join(', '));
}
