// The "latest output" panel from /output: per output topic, the last records its commits made visible.
import { byId, byTestId as q, h, setText } from './dom.js';
import { fmtBytes, fmtClock, fmtInt, fmtIso, fmtWindow } from './format.js';
import { roleBadge } from './topics-table.js';

/** A key or value as nodes: a windowed key as key and window, hex and null marked as such. */
function payload(value, nowMs) {
  const title = `${value.text}${value.truncated ? ` … (${fmtBytes(value.bytes)} in all)` : ''}`;
  if (value.format === 'null') return h('span', { class: 'muted' }, ['null']);
  if (value.window) {
    return h('span', { class: 'windowed', title: `${value.window.key} [${fmtIso(value.window.startMs)} → ${fmtIso(value.window.endMs)})` }, [
      h('span', { class: 'win-key' }, [value.window.key]),
      ' ', // collapsed by the flex layout; keeps the text readable when copied
      h('span', { class: 'win' }, [fmtWindow(value.window.startMs, value.window.endMs, nowMs)]),
    ]);
  }
  const parts = [];
  if (value.format === 'hex') parts.push(h('span', { class: 'tag', title: 'not printable text: shown as hex' }, ['hex']));
  parts.push(value.text === '' ? h('span', { class: 'muted' }, ['(empty)']) : value.text);
  if (value.truncated) parts.push(h('span', { class: 'muted' }, [` (${fmtBytes(value.bytes)})`]));
  return h('span', { title }, parts);
}

function recordRow(topic, r, fresh, nowMs) {
  const when = [`timestamp ${fmtIso(r.timestampMs)}`, `committed ${fmtIso(r.committedAtMs)}`];
  if (r.partition !== null) when.push(`partition ${r.partition}`);
  const value = h('div', { class: 'cell-clip' }, [payload(r.value, nowMs)]);
  return h('tr', { 'data-testid': `output-row-${topic}`, 'data-seq': r.seq, class: fresh ? 'fresh' : undefined }, [
    h('td', { class: 'mono time', title: when.join('\n') }, [fmtClock(r.timestampMs, true)]),
    h('td', { class: 'mono', 'data-testid': 'output-key' }, [h('div', { class: 'cell-clip' }, [payload(r.key, nowMs)])]),
    h('td', { class: 'mono', 'data-testid': 'output-value' }, [value, r.note ? h('div', { class: 'note' }, [r.note]) : null]),
  ]);
}

export class OutputView {
  cards = new Map();

  render(snapshot, nowMs) {
    const host = byId('output');
    setText(q('output-caption'), snapshot.sampling
      ? `last ${snapshot.recordsPerTopic} records per topic, as committed · times UTC`
      : 'this instance does not report its committed output');
    const seen = new Set();
    snapshot.topics.forEach((t, index) => {
      seen.add(t.topic);
      let card = this.cards.get(t.topic);
      if (!card) {
        card = createCard(t);
        this.cards.set(t.topic, card);
      }
      if (host.children[index] !== card.root) host.insertBefore(card.root, host.children[index] ?? null);
      updateCard(card, t, nowMs);
    });
    for (const [topic, card] of this.cards) {
      if (!seen.has(topic)) {
        card.root.remove();
        this.cards.delete(topic);
      }
    }
    byId('no-output').hidden = snapshot.topics.length > 0;
  }
}

function createCard(t) {
  const count = h('span', { class: 'out-count' });
  const tbody = h('tbody');
  const table = h('table', { class: 'out-table' }, [
    h('colgroup', {}, [h('col', { class: 'c-time' }), h('col', { class: 'c-key' }), h('col', { class: 'c-value' })]),
    h('thead', {}, [h('tr', {}, [h('th', {}, ['Time']), h('th', {}, ['Key']), h('th', {}, ['Value'])])]),
    tbody,
  ]);
  const empty = h('div', { class: 'empty' }, ['No records committed yet.']);
  const root = h('div', { class: 'out-card', 'data-testid': `output-${t.topic}` }, [
    h('div', { class: 'out-head' }, [h('span', { class: 'out-topic', title: t.topic }, [t.topic]), roleBadge(t.role), count]),
    table,
    empty,
  ]);
  return { root, count, tbody, table, empty, newestSeq: null };
}

function updateCard(card, t, nowMs) {
  setText(card.count, `${fmtInt(t.committed)} committed`);
  const newest = t.records.length > 0 ? t.records[0].seq : null;
  card.table.hidden = t.records.length === 0;
  card.empty.hidden = t.records.length > 0;
  if (newest === card.newestSeq) return;
  const previous = card.newestSeq;
  card.newestSeq = newest;
  card.tbody.textContent = '';
  for (const r of t.records) card.tbody.appendChild(recordRow(t.topic, r, previous !== null && r.seq > previous, nowMs));
}
