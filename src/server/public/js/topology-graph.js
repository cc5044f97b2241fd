// The topology graph from /topology: one band per sub-topology, laid out in columns from the topics it reads,
// through its operators, to the topics it writes. Which operator reads or writes which topic comes from the
// description's `edges`; operator-to-operator edges from each operator's `children`.
import { byId, byTestId as q, h, setText, svg } from './dom.js';

export const ROLE_STYLE = {
  source: { fill: '#e8f0ff', stroke: '#2458d6' },
  sink: { fill: '#e3f4ea', stroke: '#16794c' },
  repartition: { fill: '#fff2dc', stroke: '#c07a00' },
  changelog: { fill: '#f1e9fd', stroke: '#7a3fd1' },
  global: { fill: '#e0f4f5', stroke: '#0e7c86' },
  dlq: { fill: '#fde8e6', stroke: '#b42318' },
  late: { fill: '#fde8e6', stroke: '#b42318' },
};
const CHAR_W = 7.0; // approximate advance of the 12px label font
const NODE_H = 40;
const V_GAP = 14;
const COL_GAP = 48;
const BAND_PAD = 16;
const BAND_HEAD = 30;
const MAX_LABEL = 40;
const MONO = 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace';

const clip = (text) => (text.length > MAX_LABEL ? `${text.slice(0, MAX_LABEL - 1)}…` : text);

function nodeWidth(label, sub) {
  const len = Math.max(clip(label).length, sub ? clip(sub).length * 0.9 : 0);
  return Math.max(110, Math.min(280, Math.ceil(len * CHAR_W) + 24));
}

/** Internal topics are named <applicationId>-<name>-<role>: the graph shows them without the prefix. */
export function shortTopicName(name, applicationId) {
  const prefix = `${applicationId}-`;
  return name.startsWith(prefix) && name.length > prefix.length ? name.slice(prefix.length) : name;
}

/**
 * Nodes and edges of one sub-topology, in columns: a node's column is the longest path to it from a topic it
 * reads. Within a column nodes are ordered by the mean position of their parents (fewer crossings).
 * `y` is a node's top edge.
 */
export function layoutSubtopology(sub, topicsByName, applicationId) {
  const nodes = new Map();
  const edges = [];
  const topicNode = (name, side) => {
    const id = `${side}:${name}`;
    if (!nodes.has(id)) {
      const topic = topicsByName.get(name);
      const role = topic ? topic.role : side === 'in' ? 'source' : 'sink';
      nodes.set(id, { id, kind: 'topic', name, role, label: shortTopicName(name, applicationId), sub: topic && topic.internal ? `${role} · internal` : role, parents: [] });
    }
    return id;
  };
  for (const op of sub.operators) nodes.set(`op:${op.name}`, { id: `op:${op.name}`, kind: 'operator', name: op.name, label: op.name, sub: op.kind, parents: [] });
  const link = (from, to) => {
    if (!nodes.has(from) || !nodes.has(to) || edges.some((e) => e.from === from && e.to === to)) return;
    edges.push({ from, to });
    nodes.get(to).parents.push(from);
  };
  for (const e of sub.edges) if (e.direction === 'read') link(topicNode(e.topic, 'in'), `op:${e.operator}`);
  for (const op of sub.operators) for (const child of op.children) link(`op:${op.name}`, `op:${child}`);
  for (const e of sub.edges) if (e.direction === 'write') link(`op:${e.operator}`, topicNode(e.topic, 'out'));

  // Longest path from a root; a cycle (which a valid plan never has) is cut by the depth bound.
  const layer = new Map();
  const depth = (id, guard) => {
    if (layer.has(id)) return layer.get(id);
    if (guard > nodes.size) return 0;
    let d = 0;
    for (const p of nodes.get(id).parents) d = Math.max(d, depth(p, guard + 1) + 1);
    layer.set(id, d);
    return d;
  };
  const columns = [];
  for (const id of nodes.keys()) (columns[depth(id, 0)] ??= []).push(nodes.get(id));
  const cols = columns.filter(Boolean);

  // Rows: each node as level as it can be with its parents (mean of their centres), main-flow nodes first and
  // centred on that, side outputs (changelog, late) below them; overlaps pushed down.
  const isSide = (n) => n.kind === 'topic' && (n.role === 'changelog' || n.role === 'late');
  let x = BAND_PAD;
  for (const [index, col] of cols.entries()) {
    const desired = (n) => {
      const ys = n.parents.map((p) => nodes.get(p).y).filter((v) => v !== undefined);
      return ys.length === 0 ? undefined : ys.reduce((a, b) => a + b, 0) / ys.length;
    };
    const order = new Map(col.map((n, i) => [n, i]));
    col.sort((a, b) => (isSide(a) - isSide(b)) || ((desired(a) ?? Infinity) - (desired(b) ?? Infinity)) || order.get(a) - order.get(b));
    let w = 0;
    for (const n of col) {
      n.w = nodeWidth(n.label, n.sub);
      w = Math.max(w, n.w);
    }
    let y = -Infinity;
    for (const [i, n] of col.entries()) {
      const want = desired(n) ?? (index === 0 || y === -Infinity ? i * (NODE_H + V_GAP) : y + NODE_H + V_GAP);
      n.y = Math.max(want, y + NODE_H + V_GAP);
      y = n.y;
    }
    // Centre the main-flow nodes on where their parents are (a fan-out spreads around its parent).
    const main = col.filter((n) => !isSide(n) && desired(n) !== undefined);
    if (main.length > 1) {
      const shift = main.reduce((sum, n) => sum + n.y - desired(n), 0) / main.length;
      for (const n of col) n.y -= shift;
    }
    for (const n of col) n.x = x + (w - n.w) / 2;
    x += w + COL_GAP;
  }
  let minY = Infinity;
  let maxY = -Infinity;
  for (const n of nodes.values()) {
    minY = Math.min(minY, n.y);
    maxY = Math.max(maxY, n.y);
  }
  for (const n of nodes.values()) n.y += BAND_HEAD + BAND_PAD - minY;
  const innerH = maxY - minY + NODE_H;
  return { nodes, edges, width: Math.max(x - COL_GAP + BAND_PAD, 320), height: BAND_HEAD + innerH + 2 * BAND_PAD };
}

const endpoint = (n) => `${n.kind === 'operator' ? 'op' : 'topic'}:${n.name}`;

function drawNode(g, n) {
  const group = svg('g', { 'data-testid': n.kind === 'operator' ? `operator-${n.name}` : `topic-${n.name}` }, g);
  svg('title', {}, group).textContent = n.kind === 'operator' ? `${n.name} (${n.sub})` : `${n.name} (${n.role} topic)`;
  if (n.kind === 'operator') {
    svg('rect', { x: n.x, y: n.y, width: n.w, height: NODE_H, rx: 4, fill: '#ffffff', stroke: '#98a2b3', 'stroke-width': 1.2 }, group);
  } else {
    const style = ROLE_STYLE[n.role] ?? ROLE_STYLE.source;
    svg('rect', { x: n.x, y: n.y, width: n.w, height: NODE_H, rx: NODE_H / 2, fill: style.fill, stroke: style.stroke, 'stroke-width': 1.5 }, group);
  }
  svg('text', { x: n.x + n.w / 2, y: n.y + 17, 'text-anchor': 'middle', 'font-size': 12, 'font-weight': 600, fill: '#1b1f24', 'font-family': MONO }, group).textContent = clip(n.label);
  svg('text', { x: n.x + n.w / 2, y: n.y + 31, 'text-anchor': 'middle', 'font-size': 10.5, fill: '#667085' }, group).textContent = clip(n.sub);
}

function drawEdge(g, from, to) {
  const x1 = from.x + from.w;
  const y1 = from.y + NODE_H / 2;
  const x2 = to.x - 2;
  const y2 = to.y + NODE_H / 2;
  const mid = (x1 + x2) / 2;
  const style = to.kind === 'topic' ? ROLE_STYLE[to.role] : undefined;
  const dashed = to.kind === 'topic' && (to.role === 'changelog' || to.role === 'late');
  svg('path', {
    d: `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`,
    fill: 'none',
    stroke: dashed && style ? style.stroke : '#98a2b3',
    'stroke-opacity': dashed ? 0.7 : 1,
    'stroke-width': 1.4,
    'stroke-dasharray': dashed ? '4 3' : 'none',
    'marker-end': 'url(#arrow)',
    'data-edge': `${endpoint(from)}->${endpoint(to)}`,
  }, g);
}

export function renderGraph(t) {
  const host = byId('graph');
  host.textContent = '';
  const topicsByName = new Map(t.topics.map((topic) => [topic.name, topic]));
  const subs = [...t.subtopologies].sort((a, b) => a.id - b.id);
  const dlq = t.topics.find((topic) => topic.role === 'dlq');
  setText(q('topology-caption'), [
    `${subs.length} sub-topolog${subs.length === 1 ? 'y' : 'ies'}`,
    `${t.topics.length} topics`,
    dlq ? `any operator may dead-letter to ${dlq.name}` : null,
  ].filter(Boolean).join(' · '));
  if (subs.length === 0) {
    host.appendChild(h('div', { class: 'empty' }, ['The topology has no sub-topologies.']));
    return;
  }
  const layouts = subs.map((s) => layoutSubtopology(s, topicsByName, t.applicationId));
  let width = 0;
  let height = 0;
  for (const l of layouts) {
    width = Math.max(width, l.width);
    height += l.height + 12;
  }
  height -= 12;
  const root = svg('svg', { width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': 'topology graph' }, host);
  const marker = svg('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, svg('defs', {}, root));
  svg('path', { d: 'M0,0 L10,5 L0,10 z', fill: '#98a2b3' }, marker);
  let offsetY = 0;
  layouts.forEach((l, i) => {
    const s = subs[i];
    const band = svg('g', { transform: `translate(0,${offsetY})`, 'data-testid': `subtopology-${s.id}` }, root);
    svg('rect', { x: 0.5, y: 0.5, width: width - 1, height: l.height - 1, rx: 6, fill: '#fbfcfd', stroke: '#e3e6eb' }, band);
    const title = svg('text', { x: BAND_PAD, y: 20, 'font-size': 12, fill: '#667085' }, band);
    svg('tspan', { 'font-weight': 700, fill: '#344054' }, title).textContent = `Sub-topology ${s.id}`;
    const meta = [s.partitions === null ? 'partitions decided by input' : `${s.partitions} task${s.partitions === 1 ? '' : 's'}`];
    if (s.stores.length > 0) meta.push(`store${s.stores.length === 1 ? '' : 's'}: ${s.stores.join(', ')}`);
    svg('tspan', { dx: 10 }, title).textContent = meta.join(' · ');
    const edgeLayer = svg('g', {}, band);
    for (const e of l.edges) drawEdge(edgeLayer, l.nodes.get(e.from), l.nodes.get(e.to));
    for (const n of l.nodes.values()) drawNode(band, n);
    offsetY += l.height + 12;
  });
}
