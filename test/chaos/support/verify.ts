/**
 * Compares what a run committed with what its seeded input must give, and says where it differs: per input
 * partition (the task that owned the state), with examples, so a failure points at the windows involved.
 */
import type { SeenRecord } from './direct-kafka.ts';
import type { RekeyInput, WindowedInput } from './seeded-input.ts';

export interface PartitionFigures {
  expected: number;
  missing: number;
  duplicated: number;
  wrong: number;
}

export interface Figures {
  readonly recordsIn: number;
  /** Windows (windowed) or input records (re-key) the output must hold. */
  readonly expected: number;
  /** Distinct windows / ids present in the output. */
  readonly seen: number;
  readonly outputRecords: number;
  readonly missing: number;
  /** Windows / ids present more than once. */
  readonly duplicated: number;
  /** Present with a result other than the expected one (first result compared; re-key: a broken running count). */
  readonly wrong: number;
  /** Present but not expected at all. */
  readonly unexpected: number;
  /** At-least-once: windows whose highest result counts fewer records than the input has (records lost). */
  readonly undercounted: number;
  readonly lateExpected: number | undefined;
  readonly lateSeen: number | undefined;
  readonly lateMissing: number | undefined;
  /**
   * Of the late records missing from the late topic, those whose window has a result counting more records
   * than its on-time ones: processed again after a failure, under at-least-once, against an earlier watermark,
   * they were counted in their window instead. Not lost; only at-least-once may have them. The check cannot
   * tell such a record from a duplicate of another record of the same window (at-least-once has those too).
   */
  readonly lateCountedInWindow?: number;
  readonly lateDuplicated: number | undefined;
  readonly lateUnexpected: number | undefined;
  readonly perPartition: Record<number, PartitionFigures>;
  /** A few examples of each kind of difference, for the log. */
  readonly examples: string[];
}

interface WindowKey {
  key: string;
  startMs: number;
  endMs: number;
}

interface WindowValue {
  value: { count: number; sum: number };
  final: boolean;
}

export function verifyWindows(input: WindowedInput, output: readonly SeenRecord[], late: readonly SeenRecord[]): Figures {
  const results = new Map<string, { count: number; sum: number }[]>();
  /** Where each result of a window was read (output partition@offset): two copies of a transaction's output sit a batch apart, a reprocessing's much further. */
  const positions = new Map<string, string[]>();
  const examples: string[] = [];
  let notFinal = 0;
  for (const r of output) {
    const k = JSON.parse(r.key ?? '{}') as WindowKey;
    const v = JSON.parse(r.value ?? '{}') as WindowValue;
    if (v.final !== true) notFinal++;
    const id = `${k.key}@${k.startMs}`;
    const list = results.get(id) ?? [];
    list.push(v.value);
    results.set(id, list);
    positions.set(id, [...(positions.get(id) ?? []), `${r.partition}@${r.offset}`]);
  }
  if (notFinal > 0) examples.push(`${notFinal} result(s) not marked final`);
  const perPartition: Record<number, PartitionFigures> = {};
  for (let p = 0; p < input.partitions; p++) perPartition[p] = { expected: 0, missing: 0, duplicated: 0, wrong: 0 };
  let missing = 0;
  let duplicated = 0;
  let wrong = 0;
  let undercounted = 0;
  const missingEx: string[] = [];
  const wrongEx: string[] = [];
  const dupEx: string[] = [];
  for (const [id, want] of input.windows) {
    const pf = perPartition[want.partition] as PartitionFigures;
    pf.expected++;
    const got = results.get(id);
    if (got === undefined) {
      missing++;
      pf.missing++;
      if (missingEx.length < 5) missingEx.push(`${id} (p${want.partition}, count ${want.count})`);
      undercounted++;
      continue;
    }
    if (got.length > 1) {
      duplicated++;
      pf.duplicated++;
      if (dupEx.length < 5) dupEx.push(`${id} (p${want.partition}) ${got.length}x: ${got.map((g) => `${g.count}/${g.sum}`).join(', ')} at ${(positions.get(id) ?? []).join(', ')}`);
    }
    const first = got[0] as { count: number; sum: number };
    if (first.count !== want.count || first.sum !== want.sum) {
      wrong++;
      pf.wrong++;
      if (wrongEx.length < 5) wrongEx.push(`${id} (p${want.partition}) expected ${want.count}/${want.sum}, got ${first.count}/${first.sum}`);
    }
    if (Math.max(...got.map((g) => g.count)) < want.count) undercounted++;
  }
  const unexpected = [...results.keys()].filter((id) => !input.windows.has(id));
  if (missingEx.length > 0) examples.push(`missing e.g. ${missingEx.join('; ')}`);
  if (wrongEx.length > 0) examples.push(`wrong (count/sum) e.g. ${wrongEx.join('; ')}`);
  if (dupEx.length > 0) examples.push(`duplicated e.g. ${dupEx.join('; ')}`);
  if (unexpected.length > 0) examples.push(`unexpected e.g. ${unexpected.slice(0, 5).join('; ')}`);

  const lateSeen = new Map<string, number>();
  const lateAt = new Map<string, string[]>();
  for (const r of late) {
    const at = `${r.headers['sluice.source.partition'] ?? '?'}/${r.headers['sluice.source.offset'] ?? '?'}`;
    lateSeen.set(at, (lateSeen.get(at) ?? 0) + 1);
    lateAt.set(at, [...(lateAt.get(at) ?? []), `${r.partition}@${r.offset}`]);
  }
  const lateMissing = [...input.late].filter((at) => !lateSeen.has(at));
  const lateCountedInWindow = lateMissing.filter((at) => {
    const id = input.lateWindow.get(at);
    const got = id === undefined ? undefined : results.get(id);
    return got !== undefined && Math.max(...got.map((g) => g.count)) > (input.windows.get(id as string)?.count ?? 0);
  });
  if (lateCountedInWindow.length > 0) examples.push(`late records counted in their window instead (at-least-once replay) e.g. ${lateCountedInWindow.slice(0, 5).join(', ')}`);
  const lateUnexpected = [...lateSeen.keys()].filter((at) => !input.late.has(at));
  const lateDuplicated = [...lateSeen.values()].filter((n) => n > 1).length;
  if (lateMissing.length > 0) examples.push(`late records missing (partition/offset) e.g. ${lateMissing.slice(0, 5).join(', ')}`);
  if (lateUnexpected.length > 0) examples.push(`late records not expected e.g. ${lateUnexpected.slice(0, 5).join(', ')}`);
  const lateTwice = [...lateAt].filter(([, at]) => at.length > 1);
  if (lateTwice.length > 0) examples.push(`late records duplicated (source, then where each copy was read) e.g. ${lateTwice.slice(0, 5).map(([source, at]) => `${source} at ${at.join(', ')}`).join('; ')}`);
  return {
    recordsIn: input.records.length,
    expected: input.windows.size,
    seen: results.size,
    outputRecords: output.length,
    missing,
    duplicated,
    wrong,
    unexpected: unexpected.length,
    undercounted,
    lateExpected: input.late.size,
    lateSeen: late.length,
    lateMissing: lateMissing.length,
    lateCountedInWindow: lateCountedInWindow.length,
    lateDuplicated,
    lateUnexpected: lateUnexpected.length,
    perPartition,
    examples,
  };
}

interface RunningCount {
  n: number;
  id: number;
}

export function verifyRekey(input: RekeyInput, output: readonly SeenRecord[], partitions: number): Figures {
  const byId = new Map<number, number>();
  const nsByUser = new Map<string, number[]>();
  let keyMismatch = 0;
  for (const r of output) {
    const v = JSON.parse(r.value ?? '{}') as RunningCount;
    byId.set(v.id, (byId.get(v.id) ?? 0) + 1);
    if (r.key !== input.userOf[v.id]) keyMismatch++;
    const list = nsByUser.get(r.key ?? '') ?? [];
    list.push(v.n);
    nsByUser.set(r.key ?? '', list);
  }
  const perPartition: Record<number, PartitionFigures> = {};
  for (let p = 0; p < partitions; p++) perPartition[p] = { expected: 0, missing: 0, duplicated: 0, wrong: 0 };
  let missing = 0;
  let duplicated = 0;
  const missingEx: number[] = [];
  for (let id = 0; id < input.userOf.length; id++) {
    const p = input.records[id]?.partition ?? 0;
    const pf = perPartition[p] as PartitionFigures;
    pf.expected++;
    const n = byId.get(id) ?? 0;
    if (n === 0) {
      missing++;
      pf.missing++;
      if (missingEx.length < 5) missingEx.push(id);
    }
    if (n > 1) {
      duplicated++;
      pf.duplicated++;
    }
  }
  // Each user's running count must be exactly 1..N once each: a gap or a repeat is state out of step with output.
  let wrong = keyMismatch;
  const wrongEx: string[] = [];
  for (const [user, total] of input.perUser) {
    const ns = [...(nsByUser.get(user) ?? [])].sort((a, b) => a - b);
    const ok = ns.length === total && ns.every((n, i) => n === i + 1);
    if (!ok) {
      wrong++;
      if (wrongEx.length < 5) wrongEx.push(`${user}: ${ns.length} results for ${total} records, n ${ns.slice(0, 3).join(',')}…${ns.slice(-3).join(',')}`);
    }
  }
  const unexpected = [...byId.keys()].filter((id) => !(id >= 0 && id < input.userOf.length)).length;
  const examples: string[] = [];
  if (missingEx.length > 0) examples.push(`missing ids e.g. ${missingEx.join(', ')}`);
  if (keyMismatch > 0) examples.push(`${keyMismatch} record(s) keyed by the wrong user`);
  if (wrongEx.length > 0) examples.push(`running counts out of step e.g. ${wrongEx.join('; ')}`);
  return {
    recordsIn: input.records.length,
    expected: input.userOf.length,
    seen: byId.size,
    outputRecords: output.length,
    missing,
    duplicated,
    wrong,
    unexpected,
    undercounted: missing,
    lateExpected: undefined,
    lateSeen: undefined,
    lateMissing: undefined,
    lateDuplicated: undefined,
    lateUnexpected: undefined,
    perPartition,
    examples,
  };
}

/** "p0 1203 exp / 3 missing / 1 wrong; p1 ..." for partitions with a difference. */
export function describePartitions(figures: Figures): string {
  const parts = Object.entries(figures.perPartition)
    .filter(([, f]) => f.missing + f.duplicated + f.wrong > 0)
    .map(([p, f]) => `p${p}: ${f.missing} missing, ${f.duplicated} duplicated, ${f.wrong} wrong of ${f.expected}`);
  return parts.length === 0 ? 'every partition matches' : parts.join('; ');
}
