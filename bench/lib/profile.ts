/** Summarises a V8 .cpuprofile (node --cpu-prof): self time by function and by file, top entries. */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { ROOT } from './processes.ts';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
  readonly startTime: number;
  readonly endTime: number;
}

export interface ProfileEntry {
  readonly name: string;
  readonly ms: number;
  readonly percent: number;
}

export interface ProfileSummary {
  readonly file: string;
  readonly totalMs: number;
  /** Share of samples that were idle (waiting on I/O). */
  readonly idlePercent: number;
  readonly gcPercent: number;
  readonly topFunctions: readonly ProfileEntry[];
  readonly topFiles: readonly ProfileEntry[];
  /** Time with the function anywhere on the stack (self + callees), counted once per sample. */
  readonly topInclusive: readonly ProfileEntry[];
}

function shortUrl(url: string): string {
  if (url === '') return '(native)';
  const path = url.startsWith('file://') ? new URL(url).pathname : url;
  const rel = path.startsWith(ROOT) ? relative(ROOT, path) : path;
  return rel.replace(/^node_modules\//, 'nm/');
}

export function summarizeProfile(file: string, top = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map<number, ProfileNode>();
  for (const node of profile.nodes) byId.set(node.id, node);
  const selfUs = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i] as number;
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const totalUs = Math.max(1, profile.endTime - profile.startTime);
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const keyOf = (frame: ProfileNode['callFrame']) => {
    const name = frame.functionName === '' ? '(anonymous)' : frame.functionName;
    return frame.url === '' ? name : `${name} ${shortUrl(frame.url)}:${frame.lineNumber + 1}`;
  };
  const inclusive = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const key = keyOf((byId.get(at) as ProfileNode).callFrame);
      if (key === '(root)' || key === '(program)' || key === '(idle)' || seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + us);
    }
  }
  const fns = new Map<string, number>();
  const files = new Map<string, number>();
  let idleUs = 0;
  let gcUs = 0;
  for (const [id, us] of selfUs) {
    const frame = (byId.get(id) as ProfileNode).callFrame;
    const name = frame.functionName === '' ? '(anonymous)' : frame.functionName;
    if (name === '(idle)') idleUs += us;
    if (name === '(garbage collector)') gcUs += us;
    const where = shortUrl(frame.url);
    const key = frame.url === '' ? name : `${name} ${where}:${frame.lineNumber + 1}`;
    fns.set(key, (fns.get(key) ?? 0) + us);
    if (name !== '(idle)') files.set(where === '(native)' ? name : where, (files.get(where === '(native)' ? name : where) ?? 0) + us);
  }
  const entries = (m: Map<string, number>, n = top): ProfileEntry[] =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, us]) => ({ name, ms: Math.round(us / 1000), percent: Math.round((us / totalUs) * 1000) / 10 }));
  return {
    file: relative(ROOT, file),
    totalMs: Math.round(totalUs / 1000),
    idlePercent: Math.round((idleUs / totalUs) * 1000) / 10,
    gcPercent: Math.round((gcUs / totalUs) * 1000) / 10,
    topFunctions: entries(fns),
    topFiles: entries(files),
    topInclusive: entries(inclusive, top * 2),
  };
}

export function formatProfile(summary: ProfileSummary): string {
  const lines = [`profile ${summary.file}: ${summary.totalMs} ms, idle ${summary.idlePercent}%, GC ${summary.gcPercent}%`, '  self time by function:'];
  for (const e of summary.topFunctions) lines.push(`    ${e.percent.toFixed(1).padStart(5)}%  ${String(e.ms).padStart(6)} ms  ${e.name}`);
  lines.push('  self time by file:');
  for (const e of summary.topFiles) lines.push(`    ${e.percent.toFixed(1).padStart(5)}%  ${String(e.ms).padStart(6)} ms  ${e.name}`);
  lines.push('  inclusive time (on the stack):');
  for (const e of summary.topInclusive) lines.push(`    ${e.percent.toFixed(1).padStart(5)}%  ${String(e.ms).padStart(6)} ms  ${e.name}`);
  return lines.join('\n');
}
