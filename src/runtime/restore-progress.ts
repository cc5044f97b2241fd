import { ProgressRate } from './progress-rate.ts';
import type { StoreRestoreStatus, TaskRestoreStatus } from './status.ts';

/** One partition range a restore phase reads. */
export interface RestoreRange {
  readonly store: string;
  readonly topic: string;
  readonly partition: number;
  readonly fromOffset: bigint;
  readonly toOffset: bigint;
}

interface RangeProgress extends RestoreRange {
  position: bigint;
  records: number;
}

/**
 * What a task's restore reads and how far it got, for its status (and so /readyz and the dashboard). The
 * restorer begins a phase with the ranges it is about to read, advances a store as fetches land, and ends it;
 * nothing here reads Kafka or decides anything about the restore.
 */
export class RestoreProgress {
  private phase: TaskRestoreStatus['phase'] | undefined;
  private ranges: RangeProgress[] = [];
  private readonly rate = new ProgressRate();

  begin(phase: TaskRestoreStatus['phase'], ranges: readonly RestoreRange[], nowMs: number): void {
    this.phase = phase;
    this.ranges = ranges.filter((r) => r.toOffset > r.fromOffset).map((r) => ({ ...r, position: r.fromOffset, records: 0 }));
    this.rate.reset();
    this.rate.sample(0, nowMs);
  }

  /** `store` read `records` more records and stands at `nextOffset` (the next offset it would read). */
  advance(store: string, nextOffset: bigint, records: number, nowMs: number): void {
    const range = this.ranges.find((r) => r.store === store);
    if (range === undefined) return;
    if (nextOffset > range.position) range.position = nextOffset > range.toOffset ? range.toOffset : nextOffset;
    range.records += records;
    this.rate.sample(this.readOffsets(), nowMs);
  }

  /** `store` read its whole range (a read may end on markers, past its last record). */
  complete(store: string, nowMs: number): void {
    const range = this.ranges.find((r) => r.store === store);
    if (range === undefined) return;
    range.position = range.toOffset;
    this.rate.sample(this.readOffsets(), nowMs);
  }

  end(): void {
    this.phase = undefined;
    this.ranges = [];
    this.rate.reset();
  }

  /** 0..1 over the current phase; 1 when no phase is under way or it has nothing to read. */
  fraction(): number {
    const total = this.totalOffsets();
    return this.phase === undefined || total === 0 ? 1 : Math.min(1, this.readOffsets() / total);
  }

  status(nowMs: number): TaskRestoreStatus | undefined {
    if (this.phase === undefined) return undefined;
    const totalOffsets = this.totalOffsets();
    const readOffsets = this.readOffsets();
    const source = this.phase === 'changelogs' ? 'changelog' : 'source-topic';
    const stores: StoreRestoreStatus[] = this.ranges.map((r) => ({
      store: r.store,
      topic: r.topic,
      partition: r.partition,
      source,
      totalOffsets: Number(r.toOffset - r.fromOffset),
      readOffsets: Number(r.position - r.fromOffset),
      records: r.records,
    }));
    return {
      phase: this.phase,
      totalOffsets,
      readOffsets,
      records: this.ranges.reduce((sum, r) => sum + r.records, 0),
      offsetsPerSec: this.rate.perSecond(nowMs),
      etaMs: this.rate.etaMs(totalOffsets - readOffsets, nowMs),
      stores,
    };
  }

  private totalOffsets(): number {
    return this.ranges.reduce((sum, r) => sum + Number(r.toOffset - r.fromOffset), 0);
  }

  private readOffsets(): number {
    return this.ranges.reduce((sum, r) => sum + Number(r.position - r.fromOffset), 0);
  }
}
