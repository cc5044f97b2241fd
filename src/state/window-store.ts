import type { ChangelogEntry, StateStore } from './state-store.ts';
import { lowerBound, type WindowedEntry } from './windowed-entries.ts';
import { WindowedStoreBase } from './windowed-store-base.ts';

export type { WindowedEntry } from './windowed-entries.ts';

/** A logged store of per-window values, keyed by (key, startMs, endMs). */
export interface WindowStore<K, V> extends StateStore {
  get(key: K, startMs: number, endMs: number): V | undefined;
  put(key: K, startMs: number, endMs: number, value: V): void;
  delete(key: K, startMs: number, endMs: number): void;
  /** The key's windows with fromStartMs <= startMs <= toStartMs, by ascending start (a copy). */
  fetch(key: K, fromStartMs: number, toStartMs: number): WindowedEntry<K, V>[];
  /**
   * Removes every window with endMs <= maxEndMs, in end order then insertion order, calling `onExpired` for
   * each before it goes; logs a tombstone for each. Touches only those windows. Returns how many.
   * `onExpired` must not change the store.
   */
  expire(maxEndMs: number, onExpired?: (entry: WindowedEntry<K, V>) => void): number;
  /**
   * Live windows with minEndMs <= endMs <= maxEndMs (default: all) in the order `expire` would close them,
   * without scanning earlier ones. Putting a new value into a yielded window is fine; adding or removing is not.
   */
  byEndTime(minEndMs?: number, maxEndMs?: number): IterableIterator<WindowedEntry<K, V>>;
  /** Every live window in changelog form (snapshots). */
  exportEntries(): Iterable<ChangelogEntry>;
}

/** WindowStore in memory (see WindowedEntries for the indexes and the changelog key format). */
export class InMemoryWindowStore<K, V> extends WindowedStoreBase<K, V> implements WindowStore<K, V> {
  delete(key: K, startMs: number, endMs: number): void {
    this.entries.delete(key, startMs, endMs);
  }

  fetch(key: K, fromStartMs: number, toStartMs: number): WindowedEntry<K, V>[] {
    const slots = this.entries.forKey(key);
    const found: WindowedEntry<K, V>[] = [];
    for (let i = lowerBound(slots, fromStartMs); i < slots.length; i++) {
      const slot = slots[i] as WindowedEntry<K, V>;
      if (slot.startMs > toStartMs) break;
      found.push(slot);
    }
    return found;
  }
}
