/** Renders a chaos run as test/chaos/results.md: one table row per scenario, then what differed and where. */
import type { ScenarioResult } from './scenario.ts';
import { describePartitions } from './verify.ts';

export interface RunInfo {
  readonly command: string;
  readonly seed: number;
  readonly commit: string;
  readonly startedAt: Date;
  readonly durationMs: number;
  readonly kafkaVersion: string;
  /** CHAOS_PRODUCE_PATH when set, else undefined (sluice's default). */
  readonly producePath?: string;
}

function faultsOf(r: ScenarioResult): string {
  if (r.spec.rebalance !== undefined) {
    const joins = r.faults.filter((f) => f.kind === 'join').length;
    return `rebalances ${Math.round(r.spec.rebalance.durationMs / 1000)} s: ${joins} joins, ${r.faults.length - joins} leaves`;
  }
  const counts = new Map<string, number>();
  for (const f of r.faults) counts.set(f.kind, (counts.get(f.kind) ?? 0) + 1);
  return [...counts].map(([k, n]) => `${n} ${k}`).join(', ') || 'none';
}

export function resultsMarkdown(results: readonly ScenarioResult[], info: RunInfo): string {
  const lines: string[] = [];
  lines.push('# Chaos run');
  lines.push('');
  lines.push(`${info.startedAt.toISOString()}, engine (src/) at ${info.commit}, Apache Kafka ${info.kafkaVersion}, produce path ${info.producePath ?? "sluice's default"}, ${Math.round(info.durationMs / 1000)} s.`);
  lines.push('');
  lines.push('Reproduce (same seed, same inputs and fault points; timing still varies):');
  lines.push('');
  lines.push('```');
  lines.push(info.command);
  lines.push('```');
  lines.push('');
  lines.push('| scenario | topology | guarantee | faults | records in | expected | seen | missing | duplicated | wrong | late expected/seen | crashes | longest output pause | result |');
  lines.push('|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|');
  for (const r of results) {
    const f = r.figures;
    const late = f.lateExpected === undefined ? 'n/a' : `${f.lateExpected}/${String(f.lateSeen)}`;
    const unit = r.spec.topology === 'windowed' ? 'windows' : 'records';
    lines.push(
      `| ${r.spec.name} | ${r.spec.topology} | ${r.spec.guarantee} | ${faultsOf(r)} | ${f.recordsIn} | ${f.expected} ${unit} | ${f.seen} | ${f.missing} | ${f.duplicated} | ${f.wrong} | ${late} | ${r.crashes} | ${(r.longestPauseMs / 1000).toFixed(1)} s | ${r.failures.length === 0 ? 'pass' : '**FAIL**'} |`,
    );
  }
  lines.push('');
  lines.push('Missing: expected and never committed. Duplicated: committed more than once (allowed under at-least-once). Wrong: first committed result differs from the input (windowed: count/sum; re-key: a user\'s running count not 1..N). Crashes: instances that exited without being told to (the harness restarts them, as a supervisor would). Longest output pause: the longest wall-clock gap between two committed output batches, as seen by a read_committed reader.');
  for (const r of results) {
    lines.push('');
    lines.push(`## ${r.spec.name}: ${r.failures.length === 0 ? 'pass' : 'FAIL'}`);
    lines.push('');
    lines.push(`- seed ${r.spec.seed}, ${r.spec.events} events, ${r.spec.keys} keys, ${r.spec.partitions} partitions, ${r.spec.instances} instance(s), ${Math.round(r.durationMs / 1000)} s`);
    if (r.failures.length > 0) lines.push(`- failures: ${r.failures.join('; ')}`);
    lines.push(`- per partition: ${describePartitions(r.figures)}`);
    if (r.figures.undercounted > r.figures.missing) lines.push(`- windows whose highest result counts fewer records than the input: ${r.figures.undercounted - r.figures.missing}`);
    for (const e of r.figures.examples) lines.push(`- ${e}`);
    for (const n of r.notes) lines.push(`- note: ${n}`);
    const shown = r.faults.slice(0, 12);
    if (shown.length > 0) {
      lines.push(`- faults (${r.faults.length}${r.faults.length > shown.length ? `, first ${shown.length}` : ''}): ${shown.map((f) => `${f.kind} at ${String(f.atCommitted)} committed (${f.detail})`).join('; ')}`);
    }
    if (r.failures.length > 0) lines.push(`- instance logs: ${r.logFiles.slice(0, 6).join(', ')}${r.logFiles.length > 6 ? ', …' : ''}`);
  }
  lines.push('');
  return lines.join('\n');
}
