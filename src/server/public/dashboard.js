// sluice dashboard: polls /api/status and /topology every second and renders them. No build step, no
// dependencies. Everything from the server is inserted as text (textContent), never as HTML.
(function () {
  'use strict';

  var POLL_MS = 1000;
  var FETCH_TIMEOUT_MS = 2500;
  var SVG_NS = 'http://www.w3.org/2000/svg';

  var el = function (id) { return document.getElementById(id); };
  var q = function (testid) { return document.querySelector('[data-testid="' + testid + '"]'); };

  // ---- formatting -------------------------------------------------------------------------------------

  var intFmt = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
  var rateFmt = new Intl.NumberFormat('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });

  function fmtInt(n) { return n === null || n === undefined ? '—' : intFmt.format(n); }
  function fmtRate(n) { return n === null || n === undefined ? '—' : rateFmt.format(n); }

  function fmtDuration(ms) {
    if (ms === null || ms === undefined || !isFinite(ms)) return '—';
    var negative = ms < 0;
    var abs = Math.abs(ms);
    var text;
    if (abs < 1000) text = Math.round(abs) + ' ms';
    else if (abs < 60000) text = (abs / 1000).toFixed(1) + ' s';
    else if (abs < 3600000) text = Math.floor(abs / 60000) + 'm ' + Math.floor((abs % 60000) / 1000) + 's';
    else if (abs < 86400000) text = Math.floor(abs / 3600000) + 'h ' + Math.floor((abs % 3600000) / 60000) + 'm';
    else text = Math.floor(abs / 86400000) + 'd ' + Math.floor((abs % 86400000) / 3600000) + 'h';
    return negative ? '−' + text : text;
  }

  function fmtIso(ms) {
    if (ms === null || ms === undefined || !isFinite(ms)) return '—';
    try { return new Date(ms).toISOString(); } catch (e) { return String(ms); }
  }

  function stateClass(state) {
    switch (state) {
      case 'running': return 'badge ok';
      case 'restoring': case 'rebalancing': case 'starting': case 'created': return 'badge warn';
      case 'failed': return 'badge bad';
      default: return 'badge';
    }
  }

  function lagClass(ms) {
    if (ms === null || !isFinite(ms)) return '';
    if (ms > 5 * 60000) return 'lag-bad';
    if (ms > 60000) return 'lag-warn';
    return '';
  }

  function setText(node, text) {
    if (node && node.textContent !== text) node.textContent = text;
  }

  // ---- fetching ---------------------------------------------------------------------------------------

  function getJson(path) {
    var controller = new AbortController();
    var timer = setTimeout(function () { controller.abort(); }, FETCH_TIMEOUT_MS);
    return fetch(path, { cache: 'no-store', signal: controller.signal, headers: { Accept: 'application/json' } })
      .then(function (res) {
        // /readyz-style 503s are still JSON; /api/status and /topology are 200 unless something broke.
        if (!res.ok) throw new Error(path + ': HTTP ' + res.status);
        return res.text();
      })
      .finally(function () { clearTimeout(timer); });
  }

  var lastTopologyText = null;
  var failures = 0;

  function poll() {
    Promise.all([getJson('api/status'), getJson('topology')])
      .then(function (texts) {
        var status = JSON.parse(texts[0]);
        renderStatus(status);
        if (texts[1] !== lastTopologyText) {
          lastTopologyText = texts[1];
          renderTopology(JSON.parse(texts[1]));
        }
        failures = 0;
        document.body.setAttribute('data-state', 'live');
        setText(q('connection'), 'live · updated ' + new Date().toLocaleTimeString());
      })
      .catch(function (err) {
        failures += 1;
        if (failures >= 2 || document.body.getAttribute('data-state') === 'loading') {
          document.body.setAttribute('data-state', 'error');
        }
        setText(q('connection'), 'disconnected (' + (err && err.message ? err.message : 'error') + ')');
      })
      .finally(function () { setTimeout(poll, POLL_MS); });
  }

  // ---- header, summary, task table --------------------------------------------------------------------

  var rows = new Map();
  var CELLS = ['task', 'partition', 'state', 'watermark', 'watermark-lag', 'consumer-lag', 'records-in', 'records-out',
    'late', 'dropped', 'commit', 'stores'];
  var NUMERIC = { partition: 1, 'watermark-lag': 1, 'consumer-lag': 1, 'records-in': 1, 'records-out': 1, late: 1, dropped: 1, commit: 1 };

  function renderStatus(s) {
    var now = typeof s.serverTimeMs === 'number' ? s.serverTimeMs : Date.now();
    setText(q('app-id'), s.applicationId);
    setText(q('instance-id'), s.instanceId);
    var stateBadge = q('app-state');
    setText(stateBadge, s.state);
    stateBadge.className = stateClass(s.state);
    var ready = q('app-ready');
    setText(ready, s.ready ? 'ready' : (s.inGroup ? 'not ready' : 'not in group'));
    ready.className = s.ready ? 'badge ok' : 'badge warn';
    setText(q('uptime'), fmtDuration(now - s.startedAtMs));
    document.title = 'sluice · ' + s.applicationId + (s.ready ? '' : ' (not ready)');

    var tasks = s.tasks.slice().sort(function (a, b) { return a.subtopology - b.subtopology || a.partition - b.partition; });
    var totals = { inPerSec: 0, outPerSec: 0, lag: 0, lagKnown: false, maxWmLag: null, late: 0, dropped: 0, running: 0, restoring: 0 };
    var seen = new Set();
    var tbody = el('tasks');
    tasks.forEach(function (t, index) {
      seen.add(t.id);
      var row = rows.get(t.id);
      if (!row) { row = createRow(t.id); rows.set(t.id, row); }
      if (tbody.children[index] !== row.tr) tbody.insertBefore(row.tr, tbody.children[index] || null);
      updateRow(row, t, now, totals);
    });
    rows.forEach(function (row, id) {
      if (!seen.has(id)) { row.tr.remove(); rows.delete(id); }
    });
    el('no-tasks').hidden = tasks.length > 0;

    setText(q('summary-tasks'), tasks.length + (totals.restoring > 0 ? ' (' + totals.restoring + ' restoring)' : ''));
    setText(q('summary-in'), fmtRate(totals.inPerSec));
    setText(q('summary-out'), fmtRate(totals.outPerSec));
    setText(q('summary-lag'), totals.lagKnown ? fmtInt(totals.lag) : '—');
    var wm = q('summary-watermark-lag');
    setText(wm, fmtDuration(totals.maxWmLag));
    wm.className = 'value ' + lagClass(totals.maxWmLag);
    setText(q('summary-late-dropped'), fmtInt(totals.late) + ' / ' + fmtInt(totals.dropped));
    setText(q('tasks-caption'), totals.running + ' running of ' + tasks.length);
  }

  function createRow(id) {
    var tr = document.createElement('tr');
    tr.setAttribute('data-testid', 'task-row-' + id);
    var cells = {};
    CELLS.forEach(function (name) {
      var td = document.createElement('td');
      td.setAttribute('data-testid', name + '-' + id);
      if (NUMERIC[name]) td.className = 'num';
      if (name === 'task' || name === 'watermark') td.className = 'mono';
      if (name === 'stores') td.className = 'stores';
      tr.appendChild(td);
      cells[name] = td;
    });
    // State cell: badge + restore progress bar.
    var wrap = document.createElement('div');
    wrap.className = 'state-cell';
    var badge = document.createElement('span');
    var bar = document.createElement('div');
    bar.className = 'bar';
    bar.setAttribute('data-testid', 'restore-' + id);
    var fill = document.createElement('div');
    bar.appendChild(fill);
    var pct = document.createElement('span');
    pct.className = 'pct';
    wrap.appendChild(badge); wrap.appendChild(bar); wrap.appendChild(pct);
    cells.state.appendChild(wrap);
    return { tr: tr, cells: cells, badge: badge, bar: bar, fill: fill, pct: pct };
  }

  function updateRow(row, t, now, totals) {
    var c = row.cells;
    setText(c.task, t.id);
    setText(c.partition, String(t.partition));
    setText(row.badge, t.state);
    row.badge.className = stateClass(t.state);
    var restoring = t.state === 'restoring';
    row.bar.hidden = !restoring;
    row.pct.hidden = !restoring;
    if (restoring) {
      var p = Math.max(0, Math.min(1, Number(t.restoreProgress) || 0));
      row.fill.style.width = (p * 100).toFixed(1) + '%';
      setText(row.pct, Math.floor(p * 100) + '%');
      totals.restoring += 1;
    }
    if (t.state === 'running') totals.running += 1;

    setText(c.watermark, fmtIso(t.watermarkMs));
    var wmLag = t.watermarkMs === null ? null : now - t.watermarkMs;
    setText(c['watermark-lag'], fmtDuration(wmLag));
    c['watermark-lag'].className = 'num ' + lagClass(wmLag);
    if (wmLag !== null && (totals.maxWmLag === null || wmLag > totals.maxWmLag)) totals.maxWmLag = wmLag;

    setText(c['consumer-lag'], fmtInt(t.consumerLag));
    if (t.consumerLag !== null) { totals.lag += t.consumerLag; totals.lagKnown = true; }
    setText(c['records-in'], fmtRate(t.recordsInPerSec));
    setText(c['records-out'], fmtRate(t.recordsOutPerSec));
    totals.inPerSec += t.recordsInPerSec;
    totals.outPerSec += t.recordsOutPerSec;
    setText(c.late, fmtInt(t.lateRecords));
    setText(c.dropped, fmtInt(t.droppedRecords));
    c.late.className = 'num' + (t.lateRecords > 0 ? ' lag-warn' : '');
    c.dropped.className = 'num' + (t.droppedRecords > 0 ? ' lag-bad' : '');
    totals.late += t.lateRecords;
    totals.dropped += t.droppedRecords;
    setText(c.commit, t.lastCommitDurationMs === null ? '—' : fmtDuration(t.lastCommitDurationMs));
    var storesText = t.stores.length === 0 ? '—' : t.stores.map(function (s) { return s.name + ': ' + fmtInt(s.entries); }).join('\n');
    if (c.stores.getAttribute('data-text') !== storesText) {
      c.stores.setAttribute('data-text', storesText);
      c.stores.textContent = '';
      if (t.stores.length === 0) c.stores.textContent = '—';
      t.stores.forEach(function (s) {
        var line = document.createElement('div');
        line.textContent = s.name + ': ' + fmtInt(s.entries);
        c.stores.appendChild(line);
      });
    }
  }

  // ---- topology graph ---------------------------------------------------------------------------------

  var ROLE_STYLE = {
    source: { fill: '#e8f0ff', stroke: '#2458d6' },
    sink: { fill: '#e3f4ea', stroke: '#16794c' },
    repartition: { fill: '#fff2dc', stroke: '#c07a00' },
    changelog: { fill: '#f1e9fd', stroke: '#7a3fd1' },
    dlq: { fill: '#fde8e6', stroke: '#b42318' },
    late: { fill: '#fde8e6', stroke: '#b42318' },
  };
  var CHAR_W = 7.0;      // approximate advance of the 12px label font
  var NODE_H = 40;
  var V_GAP = 14;
  var COL_GAP = 56;
  var BAND_PAD = 16;
  var BAND_HEAD = 30;
  var MAX_LABEL = 40;

  function svg(name, attrs, parent) {
    var node = document.createElementNS(SVG_NS, name);
    for (var k in attrs) if (Object.prototype.hasOwnProperty.call(attrs, k)) node.setAttribute(k, String(attrs[k]));
    if (parent) parent.appendChild(node);
    return node;
  }

  function clip(text) { return text.length > MAX_LABEL ? text.slice(0, MAX_LABEL - 1) + '…' : text; }

  function nodeWidth(label, sub) {
    var len = Math.max(clip(label).length, sub ? clip(sub).length * 0.9 : 0);
    return Math.max(110, Math.min(280, Math.ceil(len * CHAR_W) + 24));
  }

  // Which operators a topic connects to. The description does not say which operator reads or writes which
  // topic, so guess: one candidate → it; else operators whose kind or name fits the topic's role (late, dlq,
  // repartition), then operators whose name fits the topic's name; else all candidates.
  var ROLE_HINTS = { late: ['late'], dlq: ['dlq', 'dead'], repartition: ['repartition', 'through'] };
  var SPECIAL_HINTS = ['late', 'dlq', 'dead'];

  function matchTopic(topic, role, shortName, candidates) {
    if (candidates.length <= 1) return candidates;
    var text = function (op) { return (op.kind + ' ' + op.name).toLowerCase(); };
    var hints = ROLE_HINTS[role];
    var pool = candidates;
    if (hints) {
      var hinted = candidates.filter(function (op) { return hints.some(function (h) { return text(op).indexOf(h) >= 0; }); });
      if (hinted.length > 0) pool = hinted;
    } else {
      // Plain sinks: not the operators that feed late-record or dead-letter topics.
      var plain = candidates.filter(function (op) { return !SPECIAL_HINTS.some(function (h) { return text(op).indexOf(h) >= 0; }); });
      if (plain.length > 0) pool = plain;
    }
    if (pool.length <= 1) return pool;
    var names = [topic.toLowerCase(), shortName.toLowerCase()];
    var named = pool.filter(function (op) {
      var n = op.name.toLowerCase();
      return names.some(function (t) { return t.indexOf(n) >= 0 || n.indexOf(t) >= 0; });
    });
    return named.length > 0 ? named : pool;
  }

  // Internal topics are named <applicationId>-<name>-<role>: the graph shows them without the prefix.
  function shortTopicName(name, applicationId) {
    var prefix = applicationId + '-';
    return name.indexOf(prefix) === 0 && name.length > prefix.length ? name.slice(prefix.length) : name;
  }

  function roleOf(topicsByName, name) {
    var topic = topicsByName.get(name);
    return topic ? topic.role : undefined;
  }

  function layoutSubtopology(sub, topicsByName, applicationId) {
    var ops = sub.operators;
    var byName = new Map();
    ops.forEach(function (op) { byName.set(op.name, op); });
    var parents = new Map();
    ops.forEach(function (op) { parents.set(op.name, []); });
    ops.forEach(function (op) {
      op.children.forEach(function (child) { if (parents.has(child)) parents.get(child).push(op.name); });
    });
    // Layer = longest path from a root; cycles (which a valid plan never has) are cut by the depth bound.
    var layer = new Map();
    function depth(name, guard) {
      if (layer.has(name)) return layer.get(name);
      if (guard > ops.length) return 0;
      var ps = parents.get(name) || [];
      var d = 0;
      ps.forEach(function (p) { d = Math.max(d, depth(p, guard + 1) + 1); });
      layer.set(name, d);
      return d;
    }
    ops.forEach(function (op) { depth(op.name, 0); });
    var opLayers = [];
    ops.forEach(function (op) {
      var d = layer.get(op.name);
      (opLayers[d] = opLayers[d] || []).push(op);
    });
    opLayers = opLayers.filter(Boolean);

    var columns = [];
    var nodes = new Map();
    function topicNode(name, side) {
      var topic = topicsByName.get(name);
      var role = topic ? topic.role : (side === 'in' ? 'source' : 'sink');
      var label = shortTopicName(name, applicationId);
      return { id: side + ':' + name, name: name, label: label, sub: topic && topic.internal ? role + ' · internal' : role, kind: 'topic', role: role };
    }
    if (sub.sourceTopics.length > 0) columns.push(sub.sourceTopics.map(function (t) { return topicNode(t, 'in'); }));
    opLayers.forEach(function (layerOps) {
      columns.push(layerOps.map(function (op) { return { id: 'op:' + op.name, label: op.name, sub: op.kind, kind: 'operator', op: op }; }));
    });
    if (sub.sinkTopics.length > 0) columns.push(sub.sinkTopics.map(function (t) { return topicNode(t, 'out'); }));

    var x = BAND_PAD;
    var maxRows = 1;
    columns.forEach(function (col) { maxRows = Math.max(maxRows, col.length); });
    var innerH = maxRows * NODE_H + (maxRows - 1) * V_GAP;
    columns.forEach(function (col) {
      var w = 0;
      col.forEach(function (n) { n.w = nodeWidth(n.label, n.sub); w = Math.max(w, n.w); });
      var colH = col.length * NODE_H + (col.length - 1) * V_GAP;
      var y = BAND_HEAD + BAND_PAD + (innerH - colH) / 2;
      col.forEach(function (n) {
        n.x = x + (w - n.w) / 2;
        n.y = y;
        y += NODE_H + V_GAP;
        nodes.set(n.id, n);
      });
      x += w + COL_GAP;
    });

    var edges = [];
    ops.forEach(function (op) {
      op.children.forEach(function (child) {
        if (byName.has(child)) edges.push(['op:' + op.name, 'op:' + child]);
      });
    });
    var roots = ops.filter(function (op) { return (parents.get(op.name) || []).length === 0; });
    var leaves = ops.filter(function (op) { return op.children.every(function (c) { return !byName.has(c); }); });
    sub.sourceTopics.forEach(function (t) {
      matchTopic(t, roleOf(topicsByName, t), shortTopicName(t, applicationId), roots).forEach(function (op) { edges.push(['in:' + t, 'op:' + op.name]); });
    });
    sub.sinkTopics.forEach(function (t) {
      matchTopic(t, roleOf(topicsByName, t), shortTopicName(t, applicationId), leaves).forEach(function (op) { edges.push(['op:' + op.name, 'out:' + t]); });
    });
    return { nodes: nodes, edges: edges, width: Math.max(x - COL_GAP + BAND_PAD, 320), height: BAND_HEAD + innerH + 2 * BAND_PAD };
  }

  function drawNode(g, n) {
    var group = svg('g', { 'data-testid': n.kind === 'operator' ? 'operator-' + n.label : 'topic-' + n.name }, g);
    svg('title', {}, group).textContent = n.kind === 'operator' ? n.label + ' (' + n.sub + ')' : n.name + ' (' + n.role + ' topic)';
    if (n.kind === 'operator') {
      svg('rect', { x: n.x, y: n.y, width: n.w, height: NODE_H, rx: 4, fill: '#ffffff', stroke: '#98a2b3', 'stroke-width': 1.2 }, group);
    } else {
      var style = ROLE_STYLE[n.role] || ROLE_STYLE.source;
      svg('rect', { x: n.x, y: n.y, width: n.w, height: NODE_H, rx: NODE_H / 2, fill: style.fill, stroke: style.stroke, 'stroke-width': 1.5 }, group);
    }
    var label = svg('text', { x: n.x + n.w / 2, y: n.y + 17, 'text-anchor': 'middle', 'font-size': 12, 'font-weight': 600, fill: '#1b1f24', 'font-family': 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace' }, group);
    label.textContent = clip(n.label);
    var sub = svg('text', { x: n.x + n.w / 2, y: n.y + 31, 'text-anchor': 'middle', 'font-size': 10.5, fill: '#667085' }, group);
    sub.textContent = clip(n.sub);
  }

  function drawEdge(g, from, to) {
    var x1 = from.x + from.w, y1 = from.y + NODE_H / 2;
    var x2 = to.x - 2, y2 = to.y + NODE_H / 2;
    var mid = (x1 + x2) / 2;
    svg('path', { d: 'M' + x1 + ',' + y1 + ' C' + mid + ',' + y1 + ' ' + mid + ',' + y2 + ' ' + x2 + ',' + y2, fill: 'none', stroke: '#98a2b3', 'stroke-width': 1.4, 'marker-end': 'url(#arrow)' }, g);
  }

  function renderTopology(t) {
    var host = el('graph');
    host.textContent = '';
    var topicsByName = new Map();
    t.topics.forEach(function (topic) { topicsByName.set(topic.name, topic); });
    var subs = t.subtopologies.slice().sort(function (a, b) { return a.id - b.id; });
    setText(q('topology-caption'), subs.length + ' sub-topolog' + (subs.length === 1 ? 'y' : 'ies') + ' · ' + t.topics.length + ' topics');
    if (subs.length === 0) {
      var empty = document.createElement('div');
      empty.className = 'empty';
      empty.textContent = 'The topology has no sub-topologies.';
      host.appendChild(empty);
    } else {
      var layouts = subs.map(function (s) { return layoutSubtopology(s, topicsByName, t.applicationId); });
      var width = 0, height = 0;
      layouts.forEach(function (l) { width = Math.max(width, l.width); height += l.height + 12; });
      var root = svg('svg', { width: width, height: height - 12, viewBox: '0 0 ' + width + ' ' + (height - 12), role: 'img', 'aria-label': 'topology graph' }, host);
      var defs = svg('defs', {}, root);
      var marker = svg('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, defs);
      svg('path', { d: 'M0,0 L10,5 L0,10 z', fill: '#98a2b3' }, marker);
      var offsetY = 0;
      layouts.forEach(function (l, i) {
        var s = subs[i];
        var band = svg('g', { transform: 'translate(0,' + offsetY + ')', 'data-testid': 'subtopology-' + s.id }, root);
        svg('rect', { x: 0.5, y: 0.5, width: width - 1, height: l.height - 1, rx: 6, fill: '#fbfcfd', stroke: '#e3e6eb' }, band);
        var title = svg('text', { x: BAND_PAD, y: 20, 'font-size': 12, fill: '#667085' }, band);
        svg('tspan', { 'font-weight': 700, fill: '#344054' }, title).textContent = 'Sub-topology ' + s.id;
        var meta = [];
        meta.push(s.partitions === null ? 'partitions decided by input' : s.partitions + ' partition' + (s.partitions === 1 ? '' : 's'));
        if (s.stores.length > 0) meta.push('store' + (s.stores.length === 1 ? '' : 's') + ': ' + s.stores.join(', '));
        svg('tspan', { dx: 10 }, title).textContent = meta.join(' · ');
        var edgeLayer = svg('g', {}, band);
        l.edges.forEach(function (e) {
          var a = l.nodes.get(e[0]), b = l.nodes.get(e[1]);
          if (a && b) drawEdge(edgeLayer, a, b);
        });
        l.nodes.forEach(function (n) { drawNode(band, n); });
        offsetY += l.height + 12;
      });
    }
    renderTopics(t.topics);
  }

  var ROLE_ORDER = { source: 0, repartition: 1, changelog: 2, sink: 3, late: 4, dlq: 5 };

  function renderTopics(topics) {
    var tbody = el('topics');
    tbody.textContent = '';
    topics.slice().sort(function (a, b) {
      return (ROLE_ORDER[a.role] - ROLE_ORDER[b.role]) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
    }).forEach(function (topic) {
      var tr = document.createElement('tr');
      tr.setAttribute('data-testid', 'topic-row-' + topic.name);
      var cells = [
        topic.name,
        topic.role,
        topic.partitions === null ? '—' : String(topic.partitions),
        topic.internal ? 'yes' : 'no',
        Object.keys(topic.config).sort().map(function (k) { return k + '=' + topic.config[k]; }).join(', ') || '—',
      ];
      cells.forEach(function (text, i) {
        var td = document.createElement('td');
        if (i === 1) {
          var badge = document.createElement('span');
          var style = ROLE_STYLE[topic.role] || ROLE_STYLE.source;
          badge.className = 'badge';
          badge.style.background = style.fill;
          badge.style.color = style.stroke;
          badge.textContent = text;
          td.appendChild(badge);
        } else {
          td.textContent = text;
        }
        if (i === 2) td.className = 'num';
        if (i === 4) td.className = 'muted';
        tr.appendChild(td);
      });
      tbody.appendChild(tr);
    });
  }

  poll();
})();
