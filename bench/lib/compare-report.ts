/** The comparison bench's table: per scenario and engine, medians and ratios to the JVM peer. */
import { ENGINE_LABELS, type EngineId } from './engines.ts';

export interface EngineSummary {
  readonly engine: EngineId;
  readonly rounds: number;
  /** Medians over the rounds. */
  readonly recordsPerSec: number;
  readonly roundsRecordsPerSec: readonly number[];
  readonly recordsPerCpuSec: number | undefined;
  readonly rssPeakBytes: number | undefined;
  readonly txPerSec: number | undefined;
  /** Every round's output matched its input. */
  readonly verified: boolean;
  readonly verdicts: readonly string[];
}

export interface ScenarioReport {
  readonly id: string;
  readonly label: string;
  readonly records: number;
  readonly partitions: number;
  readonly engines: readonly EngineSummary[];
  readonly runs: readonly object[];
  /** Runs that did not finish, with the reason. */
  readonly failures: readonly string[];
}

export interface ReportSettings {
  readonly quick: boolean;
  readonly repeat: number;
  readonly records: number;
  readonly countKeys: number;
  readonly valueBytes: number;
  readonly keys: number;
  readonly cpus: number;
  readonly cpuModel: string;
  readonly node: string;
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined || b === 0 ? '-' : (a / b).toFixed(2));

function rows(reports: readonly ScenarioReport[]): string[][] {
  const out: string[][] = [];
  for (const s of reports) {
    const ref = s.engines.find((e) => e.engine === 'kafka-streams');
    for (const e of s.engines) {
      out.push([
        s.label,
        ENGINE_LABELS[e.engine],
        fmt(e.recordsPerSec),
        ratio(e.recordsPerSec, ref?.recordsPerSec),
        e.recordsPerCpuSec === undefined ? '?' : fmt(e.recordsPerCpuSec),
        ratio(e.recordsPerCpuSec, ref?.recordsPerCpuSec),
        e.rssPeakBytes === undefined ? '?' : fmt(e.rssPeakBytes / 2 ** 20),
        ratio(e.rssPeakBytes, ref?.rssPeakBytes),
        e.txPerSec === undefined ? '-' : e.txPerSec.toFixed(1),
        e.roundsRecordsPerSec.map(fmt).join(' / '),
        e.verified ? 'ok' : `WRONG (${e.verdicts.join('; ')})`,
      ]);
    }
  }
  return out;
}

const HEADER = ['scenario', 'engine', 'records/s', '÷ KS', 'records/CPU-s', '÷ KS', 'RSS peak MiB', '÷ KS', 'tx/s', 'rounds (records/s)', 'output'];

export const LEGEND =
  'records/s: input records over the wall time from the group being stable with every instance a member to the last commit (median of the rounds). ' +
  '÷ KS: over the Kafka Streams figure of the same scenario. records/CPU-s: records over the user+system CPU time of the ' +
  "engine's process tree in that interval. RSS peak: VmHWM summed over the engine's processes (the JVM's with its default " +
  "heap sizing). tx/s: committed transactions per second by the engine's own counter (sluice: sluice_commits_total" +
  '{result="committed"}, one transaction per task commit; Kafka Streams: stream-thread commit-total, one transaction per ' +
  'thread commit under exactly_once_v2; Quix Streams: not reported). output: every round\'s output read back ' +
  'read_committed and checked against the input (one record per input record; final count per key; exact count and sum ' +
  'per closed window, none twice). sluice ×2: two instances of one application on the same machine.';

export function formatReport(reports: readonly ScenarioReport[], settings: ReportSettings, startedAt: Date, seconds: number): { text: string; markdown: string } {
  const body = rows(reports);
  const widths = HEADER.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] as string).length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i < 2 || i >= 9 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  ');
  const failed = reports.flatMap((r) => r.failures);
  const text = [line(HEADER), '-'.repeat(widths.reduce((a, b) => a + b + 2, 0)), ...body.map(line), '', LEGEND, ...failed.map((f) => `failed run: ${f}`)].join('\n');
  const md = [
    `# Bench ${startedAt.toISOString().slice(0, 10)}${settings.quick ? ' (quick)' : ''}`,
    '',
    `\`npm run bench${settings.quick ? ' -- --quick' : ''}\`, ${seconds} s; ${settings.cpus} × ${settings.cpuModel}, Node ${settings.node}; ` +
      `${settings.repeat} round(s) per scenario, engines alternating within each round; ${fmt(settings.records)} input records of ` +
      `~${settings.valueBytes} bytes over ${fmt(settings.keys)} keys (running count: ${fmt(settings.countKeys)} keys, 2 records each). ` +
      'The machine is shared with other jobs and noisy: single figures move by ±20% or more between runs; compare the ratios, ' +
      'taken within one run.',
    '',
    `| ${HEADER.join(' | ')} |`,
    `|${HEADER.map((_, i) => (i < 2 || i >= 9 ? ' --- ' : ' ---: ')).join('|')}|`,
    ...body.map((r) => `| ${r.join(' | ')} |`),
    '',
    LEGEND,
    ...failed.map((f) => `\nFailed run: ${f}`),
    '',
  ].join('\n');
  return { text, markdown: md };
}
