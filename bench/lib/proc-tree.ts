/** CPU and memory of a process and its descendants, from Linux /proc (undefined where /proc is unreadable). */
import { readdirSync, readFileSync } from 'node:fs';

const CLOCK_TICKS = 100;

function stat(pid: number): { ppid: number; cpu: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(fields[1]), cpu: (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS };
  } catch {
    return undefined;
  }
}

/** `pid` and every live descendant. */
export function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    const p = Number(entry);
    if (!Number.isInteger(p)) continue;
    const s = stat(p);
    if (s === undefined) continue;
    const list = children.get(s.ppid) ?? [];
    list.push(p);
    children.set(s.ppid, list);
  }
  const out: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const p = queue.pop() as number;
    out.push(p);
    queue.push(...(children.get(p) ?? []));
  }
  return out;
}

/** User + system CPU seconds of the tree so far (live processes only). */
export function treeCpuSeconds(pids: readonly number[]): number | undefined {
  let total = 0;
  let seen = false;
  for (const root of pids) {
    for (const p of processTree(root)) {
      const s = stat(p);
      if (s === undefined) continue;
      seen = true;
      total += s.cpu;
    }
  }
  return seen ? total : undefined;
}

function statusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number | undefined {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith(`${field}:`));
    return line === undefined ? undefined : Number(line.split(/\s+/)[1]);
  } catch {
    return undefined;
  }
}

/** Bytes of resident memory of the trees now (`VmRSS`) or at their peak (`VmHWM`, summed over processes). */
export function treeRssBytes(pids: readonly number[], which: 'now' | 'peak'): number | undefined {
  let total = 0;
  let seen = false;
  for (const root of pids) {
    for (const p of processTree(root)) {
      const kb = statusKb(p, which === 'now' ? 'VmRSS' : 'VmHWM');
      if (kb === undefined) continue;
      seen = true;
      total += kb * 1024;
    }
  }
  return seen ? total : undefined;
}
