// The topics table from /topology: every topic the application reads, writes or creates.
import { byId, h } from './dom.js';
import { ROLE_STYLE } from './topology-graph.js';

const ROLE_ORDER = { source: 0, global: 1, repartition: 2, changelog: 3, sink: 4, late: 5, dlq: 6 };

export function roleBadge(role) {
  const style = ROLE_STYLE[role] ?? ROLE_STYLE.source;
  return h('span', { class: 'badge', style: `background:${style.fill};color:${style.stroke}` }, [role]);
}

export function renderTopics(topics) {
  const tbody = byId('topics');
  tbody.textContent = '';
  const sorted = [...topics].sort((a, b) => (ROLE_ORDER[a.role] - ROLE_ORDER[b.role]) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const topic of sorted) {
    const config = Object.keys(topic.config).sort().map((k) => `${k}=${topic.config[k]}`).join(', ') || '—';
    tbody.appendChild(h('tr', { 'data-testid': `topic-row-${topic.name}` }, [
      h('td', {}, [topic.name]),
      h('td', {}, [roleBadge(topic.role)]),
      h('td', { class: 'num' }, [topic.partitions === null ? '—' : String(topic.partitions)]),
      h('td', {}, [topic.internal ? 'yes' : 'no']),
      h('td', { class: 'muted' }, [config]),
    ]));
  }
}
