import type { Page } from 'playwright-core';
import type { TopologyDescription } from '../../src/planner/description.ts';

/** The edges the page should draw for a description: `topic:<t>->op:<o>`, `op:<a>->op:<b>`, `op:<o>->topic:<t>`. */
export function expectedEdges(topology: TopologyDescription): string[] {
  const edges: string[] = [];
  for (const sub of topology.subtopologies) {
    for (const e of sub.edges) edges.push(e.direction === 'read' ? `topic:${e.topic}->op:${e.operator}` : `op:${e.operator}->topic:${e.topic}`);
    for (const op of sub.operators) for (const child of op.children) edges.push(`op:${op.name}->op:${child}`);
  }
  return edges;
}

/** The edges the topology graph drew. */
export function renderedEdges(page: Page): Promise<string[]> {
  return page.locator('#graph [data-edge]').evaluateAll((paths) => paths.map((p) => p.getAttribute('data-edge') ?? ''));
}

export interface OutputRow {
  readonly time: string;
  readonly key: string;
  readonly value: string;
  /** The key's tooltip: for a windowed key `<key> [<start ISO> → <end ISO>)`. */
  readonly keyTitle: string;
}

/** The rows of the latest-output card of `topic`, newest first, as the page shows them. */
export function readOutputRows(page: Page, topic: string): Promise<OutputRow[]> {
  return page.locator(`[data-testid="output-row-${topic}"]`).evaluateAll((rows) =>
    rows.map((row) => {
      const cells = row.querySelectorAll('td');
      const valueCell = cells[2]?.querySelector('.cell-clip');
      const keyTitle = cells[1]?.querySelector('[title]')?.getAttribute('title') ?? '';
      return { time: cells[0]?.textContent ?? '', key: cells[1]?.textContent ?? '', value: valueCell?.textContent ?? '', keyTitle };
    }),
  );
}
