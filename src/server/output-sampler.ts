import type { OutputRecord, RecordHeaders } from '../kafka/types.ts';
import type { TopicRole } from '../planner/description.ts';
import type { CommittedOutputListener, StatusSource } from '../runtime/status.ts';
import { displayPayload, type DisplayValue } from './output-display.ts';
import { outputSerdesOf, type TopicSerdes } from './output-serdes.ts';

/** The body of GET /output: the last records committed to each output topic, newest first. */
export interface OutputSnapshot {
  /** False when the application does not report its committed output: the topics are then always empty. */
  readonly sampling: boolean;
  /** How many records are kept per topic. */
  readonly recordsPerTopic: number;
  readonly topics: readonly TopicOutput[];
}

export interface TopicOutput {
  readonly topic: string;
  readonly role: OutputRole;
  /** Records committed to the topic since this instance started (all of them, not only the ones kept). */
  readonly committed: number;
  /** The last `recordsPerTopic` records, newest first. */
  readonly records: readonly SampledRecord[];
}

export type OutputRole = Exclude<TopicRole, 'source' | 'changelog' | 'global'>;

export interface SampledRecord {
  /** Increases with every record kept by this instance: tells new records from ones already shown. */
  readonly seq: number;
  /** The partition, when the record was sent to an explicit one (else the producer chose it by key). */
  readonly partition: number | null;
  readonly timestampMs: number;
  readonly committedAtMs: number;
  readonly key: DisplayValue;
  readonly value: DisplayValue;
  /** Why a late or dead-letter record is there, from its headers. */
  readonly note?: string;
}

export interface OutputSamplerOptions {
  /** Output topics with their roles, listed (empty) before any record arrives. */
  readonly topics?: readonly { readonly name: string; readonly role: TopicRole }[];
  /** Serdes per topic, to decode keys and values; topics without are shown as text or hex. */
  readonly serdes?: ReadonlyMap<string, TopicSerdes>;
  /** Records kept per topic. Default 5. */
  readonly recordsPerTopic?: number;
  /** Bytes kept of each key and value; longer payloads are shown cut. Default 4,096. */
  readonly maxBytes?: number;
  /** Longest text shown for a key or value. Default 1,000 characters. */
  readonly maxChars?: number;
  /** Topics sampled at most (records of further topics are only skipped). Default 100. */
  readonly maxTopics?: number;
  readonly now?: () => number;
}

interface Kept {
  readonly seq: number;
  readonly partition: number | null;
  readonly timestampMs: number;
  readonly committedAtMs: number;
  readonly key: Buffer | null;
  readonly keyBytes: number;
  readonly value: Buffer | null;
  readonly valueBytes: number;
  readonly note: string | undefined;
  shown?: SampledRecord;
}

interface Slot {
  readonly topic: string;
  readonly role: OutputRole;
  committed: number;
  /** Oldest first. */
  readonly kept: Kept[];
}

const ROLE_ORDER: Readonly<Record<OutputRole, number>> = { sink: 0, late: 1, repartition: 2, dlq: 3 };

/**
 * Keeps the last few records each output topic received, for the dashboard's "latest output" panel. It listens
 * to the application's committed output: per commit it looks at each record's topic only, and copies just the
 * last `recordsPerTopic` records per topic (each key and value cut to `maxBytes`). Decoding for display
 * happens when a snapshot is asked for, once per kept record.
 */
export class OutputSampler {
  readonly listener: CommittedOutputListener;
  #sampling = false;
  #unsubscribe: (() => void) | undefined;
  readonly #slots = new Map<string, Slot>();
  readonly #roles: ReadonlyMap<string, TopicRole>;
  readonly #serdes: ReadonlyMap<string, TopicSerdes>;
  readonly #perTopic: number;
  readonly #maxBytes: number;
  readonly #maxChars: number;
  readonly #maxTopics: number;
  readonly #now: () => number;
  #seq = 0;

  constructor(options: OutputSamplerOptions = {}) {
    this.#perTopic = Math.max(1, options.recordsPerTopic ?? 5);
    this.#maxBytes = Math.max(16, options.maxBytes ?? 4_096);
    this.#maxChars = Math.max(16, options.maxChars ?? 1_000);
    this.#maxTopics = Math.max(1, options.maxTopics ?? 100);
    this.#now = options.now ?? Date.now;
    this.#serdes = options.serdes ?? new Map();
    this.#roles = new Map((options.topics ?? []).map((t) => [t.name, t.role]));
    for (const t of options.topics ?? []) if (t.role !== 'source' && t.role !== 'changelog') this.#slot(t.name);
    this.listener = (records) => {
      try {
        this.#take(records);
      } catch {
        // A watcher must never break a commit; a record that cannot be sampled is only not shown.
      }
    };
  }

  /**
   * A sampler for a running application: output topics and roles from its topology description, serdes from
   * its plan when it exposes one, subscribed to its committed output when it reports it.
   */
  static forSource(source: StatusSource, options: Omit<OutputSamplerOptions, 'topics' | 'serdes'> = {}): OutputSampler {
    let topics: OutputSamplerOptions['topics'] = [];
    try {
      topics = source.topology().topics;
    } catch {
      // Listed as records arrive instead.
    }
    const serdes = source.plan === undefined ? undefined : outputSerdesOf(source.plan);
    const sampler = new OutputSampler({ ...options, topics, ...(serdes === undefined ? {} : { serdes }) });
    if (source.onCommittedOutput !== undefined) {
      sampler.#unsubscribe = source.onCommittedOutput(sampler.listener);
      sampler.#sampling = true;
    }
    return sampler;
  }

  /** Stops listening. Idempotent. */
  close(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
  }

  snapshot(): OutputSnapshot {
    const topics = [...this.#slots.values()]
      .sort((a, b) => ROLE_ORDER[a.role] - ROLE_ORDER[b.role] || (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : 0))
      .map((slot) => ({ topic: slot.topic, role: slot.role, committed: slot.committed, records: slot.kept.map((k) => this.#show(slot.topic, k)).reverse() }));
    return { sampling: this.#sampling, recordsPerTopic: this.#perTopic, topics };
  }

  #take(records: readonly OutputRecord[]): void {
    // Newest last: walk backwards and keep the first `perTopic` seen of each topic.
    let taken: Map<Slot, OutputRecord[]> | undefined;
    for (let i = records.length - 1; i >= 0; i--) {
      const record = records[i] as OutputRecord;
      const slot = this.#slots.get(record.topic) ?? this.#slot(record.topic);
      if (slot === undefined) continue;
      slot.committed += 1;
      taken ??= new Map();
      const list = taken.get(slot);
      if (list === undefined) taken.set(slot, [record]);
      else if (list.length < this.#perTopic) list.push(record);
    }
    if (taken === undefined) return;
    const committedAtMs = this.#now();
    for (const [slot, list] of taken) {
      for (let i = list.length - 1; i >= 0; i--) slot.kept.push(this.#copy(list[i] as OutputRecord, slot.role, committedAtMs));
      if (slot.kept.length > this.#perTopic) slot.kept.splice(0, slot.kept.length - this.#perTopic);
    }
  }

  #slot(topic: string): Slot | undefined {
    const existing = this.#slots.get(topic);
    if (existing !== undefined) return existing;
    if (this.#slots.size >= this.#maxTopics) return undefined;
    const known = this.#roles.get(topic);
    // Changelog records are never reported; a topic the description does not list is shown as a sink.
    if (known === 'source' || known === 'changelog' || known === 'global') return undefined;
    const slot: Slot = { topic, role: known ?? 'sink', committed: 0, kept: [] };
    this.#slots.set(topic, slot);
    return slot;
  }

  #copy(record: OutputRecord, role: OutputRole, committedAtMs: number): Kept {
    return {
      seq: ++this.#seq,
      partition: record.partition ?? null,
      timestampMs: record.timestampMs,
      committedAtMs,
      key: this.#keep(record.key),
      keyBytes: record.key?.length ?? 0,
      value: this.#keep(record.value),
      valueBytes: record.value?.length ?? 0,
      note: noteOf(role, record.headers),
    };
  }

  #keep(data: Buffer | null): Buffer | null {
    // Buffer.from(buffer) copies: the commit's buffers are not kept alive.
    return data === null ? null : Buffer.from(data.subarray(0, this.#maxBytes));
  }

  #show(topic: string, kept: Kept): SampledRecord {
    if (kept.shown !== undefined) return kept.shown;
    const serdes = this.#serdes.get(topic);
    const common = { topic, maxChars: this.#maxChars };
    const shown: SampledRecord = {
      seq: kept.seq,
      partition: kept.partition,
      timestampMs: kept.timestampMs,
      committedAtMs: kept.committedAtMs,
      key: displayPayload(kept.key, { ...common, serde: serdes?.key, isKey: true, originalBytes: kept.keyBytes }),
      value: displayPayload(kept.value, { ...common, serde: serdes?.value, isKey: false, originalBytes: kept.valueBytes }),
      ...(kept.note === undefined ? {} : { note: kept.note }),
    };
    kept.shown = shown;
    return shown;
  }
}

/** Why a late or dead-letter record was written, from the headers sluice gives it. */
function noteOf(role: OutputRole, headers: RecordHeaders | undefined): string | undefined {
  if (headers === undefined) return undefined;
  const header = (name: string): string | undefined => {
    const value = headers[name];
    return value === undefined ? undefined : typeof value === 'string' ? value : value.toString('utf8');
  };
  let note: string | undefined;
  if (role === 'late') {
    const lateness = header('sluice.late.lateness.ms');
    const operator = header('sluice.late.operator');
    if (lateness !== undefined) note = `late by ${durationText(Number(lateness))}${operator === undefined ? '' : ` for ${operator}`}`;
  } else if (role === 'dlq') {
    const message = header('sluice.error.message');
    const code = header('sluice.error.code');
    if (message !== undefined) note = code === undefined ? message : `${code}: ${message}`;
  }
  return note === undefined ? undefined : note.slice(0, 300);
}

function durationText(ms: number): string {
  if (!Number.isFinite(ms)) return 'an unknown time';
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)}m ${String(Math.floor((ms % 60_000) / 1_000)).padStart(2, '0')}s`;
}
