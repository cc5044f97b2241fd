import type { OutputRecord, RecordHeaders } from '../kafka/types.ts';
import type { Plan } from '../planner/plan.ts';
import type { Serde } from '../serde/serde.ts';
import { formatRecord, formatWindow, keyText } from './format-record.ts';

export interface OutputConsoleOptions {
  /** The application's plan: sink topics with their serdes, late topics and the dead-letter topic. */
  readonly plan: Plan;
  /** Where lines go (one call per line, without the newline). */
  readonly write: (line: string) => void;
  /** Lines printed per second at most; the rest is counted and summarised once the second is over. Default 20. */
  readonly maxLinesPerSecond?: number;
  /** Clock for the one-second periods; Date.now by default. */
  readonly now?: () => number;
  readonly timeZone?: 'local' | 'utc';
}

interface SinkSerdes {
  readonly key: Serde<unknown>;
  readonly value: Serde<unknown>;
}

const MIN_KEY_WIDTH = 12;
const MAX_KEY_WIDTH = 32;

function header(headers: RecordHeaders | undefined, name: string): string | undefined {
  const value = headers?.[name];
  return value === undefined ? undefined : value.toString();
}

function plural(n: number, word: string): string {
  return `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * The `sluice dev` console: prints the records each commit made visible on the topology's sinks, decoded with
 * the sinks' own serdes, plus a line per late or dead-lettered record. At most `maxLinesPerSecond` lines per
 * second; beyond that, records are counted and one summary line per second says how many were not shown.
 */
export class OutputConsole {
  private readonly sinks = new Map<string, SinkSerdes>();
  private readonly lateTopics = new Set<string>();
  private readonly dlqTopic: string | null;
  private readonly maxLines: number;
  private readonly now: () => number;
  private readonly showTopic: boolean;
  private readonly options: OutputConsoleOptions;
  private keyWidth = MIN_KEY_WIDTH;
  private period = -1;
  private printed = 0;
  private readonly held = new Map<string, number>();
  /** Records seen per topic since the start. */
  readonly totals = new Map<string, number>();

  constructor(options: OutputConsoleOptions) {
    this.options = options;
    for (const sub of options.plan.subtopologies) {
      for (const node of sub.nodes) {
        if (node.type === 'sink' && !this.sinks.has(node.topic)) this.sinks.set(node.topic, { key: node.keySerde, value: node.valueSerde });
      }
      for (const topic of sub.lateTopics) this.lateTopics.add(topic);
    }
    this.dlqTopic = options.plan.dlqTopic;
    this.maxLines = options.maxLinesPerSecond ?? 20;
    this.now = options.now ?? Date.now;
    this.showTopic = this.sinks.size > 1;
  }

  /** Topics whose records are printed. */
  topics(): string[] {
    return [...this.sinks.keys()];
  }

  /** Decodes and prints (or counts) the records of one commit; records of other topics are ignored. */
  async accept(records: readonly OutputRecord[]): Promise<void> {
    const byTopic = new Map<string, OutputRecord[]>();
    for (const record of records) {
      if (!this.sinks.has(record.topic) && !this.lateTopics.has(record.topic) && record.topic !== this.dlqTopic) continue;
      const list = byTopic.get(record.topic) ?? [];
      list.push(record);
      byTopic.set(record.topic, list);
    }
    for (const [topic, list] of byTopic) {
      const serdes = this.sinks.get(topic);
      if (serdes !== undefined) await this.prepare(topic, serdes, list);
      for (const record of list) {
        this.totals.set(topic, (this.totals.get(topic) ?? 0) + 1);
        if (!this.admit(topic)) continue;
        this.options.write(serdes !== undefined ? this.sinkLine(topic, serdes, record) : this.problemLine(topic, record));
      }
    }
  }

  /** Ends the current period: prints how many records were held back in it. Called every second by start(). */
  flush(): void {
    if (this.held.size > 0) {
      const total = [...this.held.values()].reduce((a, b) => a + b, 0);
      const detail = this.held.size > 1 || this.showTopic ? ` (${[...this.held].map(([t, n]) => `${t}: ${n.toLocaleString('en-US')}`).join(', ')})` : '';
      this.options.write(`… ${plural(total, 'more record')} in that second not shown${detail}; at most ${this.maxLines} lines per second`);
      this.held.clear();
    }
    this.printed = 0;
    this.period = Math.floor(this.now() / 1000);
  }

  /** Flushes every second until the returned function is called (which flushes once more). */
  start(): () => void {
    const timer = setInterval(() => this.flush(), 1000);
    timer.unref();
    return () => {
      clearInterval(timer);
      this.flush();
    };
  }

  /** One line with the totals, for the end of a dev session. */
  summary(): string {
    if (this.totals.size === 0) return 'no output records were committed';
    return [...this.totals].map(([topic, n]) => `${plural(n, 'record')} on ${topic}`).join(', ');
  }

  private admit(topic: string): boolean {
    const period = Math.floor(this.now() / 1000);
    if (period !== this.period) this.flush();
    if (this.printed < this.maxLines) {
      this.printed++;
      return true;
    }
    this.held.set(topic, (this.held.get(topic) ?? 0) + 1);
    return false;
  }

  /** Registry serdes fetch schemas before they can decode; failures show up as undecodable lines. */
  private async prepare(topic: string, serdes: SinkSerdes, records: readonly OutputRecord[]): Promise<void> {
    await serdes.key.prepare?.({ topic, isKey: true, payloads: records.map((r) => r.key) }).catch(() => undefined);
    await serdes.value.prepare?.({ topic, isKey: false, payloads: records.map((r) => r.value) }).catch(() => undefined);
  }

  private decode(serde: Serde<unknown>, data: Buffer | null, topic: string, isKey: boolean): unknown {
    try {
      return serde.deserialize(data, { topic, isKey });
    } catch (error) {
      const raw = data === null ? 'null' : data.toString('utf8');
      return `${raw} (not decodable with ${serde.name}: ${(error as Error).message})`;
    }
  }

  private sinkLine(topic: string, serdes: SinkSerdes, record: OutputRecord): string {
    const key = this.decode(serdes.key, record.key, topic, true);
    const value = this.decode(serdes.value, record.value, topic, false);
    this.keyWidth = Math.min(MAX_KEY_WIDTH, Math.max(this.keyWidth, keyText(key).length));
    return formatRecord(
      { key, value },
      { keyWidth: this.keyWidth, ...(this.showTopic ? { topic } : {}), ...(this.options.timeZone !== undefined ? { timeZone: this.options.timeZone } : {}) },
    );
  }

  private problemLine(topic: string, record: OutputRecord): string {
    const key = record.key === null ? 'null' : record.key.toString('utf8');
    if (topic === this.dlqTopic) {
      const reason = header(record.headers, 'sluice.error.message') ?? 'unknown error';
      return `dead letter → ${topic}  key ${key}  ${reason}`;
    }
    const start = Number(header(record.headers, 'sluice.late.window.start'));
    const end = Number(header(record.headers, 'sluice.late.window.end'));
    const window = Number.isFinite(start) && Number.isFinite(end) ? `, its window ${formatWindow(start, end, this.options.timeZone)} had closed` : '';
    return `late record → ${topic}  key ${key}${window}`;
  }
}
