import type { StoreOptions } from './key-value-store.ts';
import type { ChangelogEntry, StateStore } from './state-store.ts';
import { WindowedEntries, type WindowedEntry } from './windowed-entries.ts';

/**
 * What window and session stores share: one WindowedEntries (indexes by key and by end time, coalesced
 * changelog) and the StateStore plumbing around it. Subclasses add their own look-ups.
 */
export abstract class WindowedStoreBase<K, V> implements StateStore {
  readonly name: string;
  protected readonly entries: WindowedEntries<K, V>;

  constructor(options: StoreOptions<K, V>) {
    this.name = options.name;
    this.entries = new WindowedEntries(options.keySerde, options.valueSerde);
  }

  get(key: K, startMs: number, endMs: number): V | undefined {
    return this.entries.get(key, startMs, endMs);
  }

  put(key: K, startMs: number, endMs: number, value: V): void {
    this.entries.put(key, startMs, endMs, value);
  }

  expire(maxEndMs: number, onExpired?: (entry: WindowedEntry<K, V>) => void): number {
    return this.entries.expire(maxEndMs, onExpired);
  }

  byEndTime(minEndMs?: number, maxEndMs?: number): IterableIterator<WindowedEntry<K, V>> {
    return this.entries.byEndTime(minEndMs, maxEndMs);
  }

  exportEntries(): Iterable<ChangelogEntry> {
    return this.entries.exportEntries();
  }

  size(): number {
    return this.entries.size;
  }

  hasChanges(): boolean {
    return this.entries.hasChanges();
  }

  drainChanges(): ChangelogEntry[] {
    return this.entries.drainChanges();
  }

  restore(entry: ChangelogEntry): void {
    this.entries.restore(entry);
  }

  clear(): void {
    this.entries.clear();
  }
}
