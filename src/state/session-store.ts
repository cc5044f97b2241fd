import type { ChangelogEntry, StateStore } from './state-store.ts';
import type { WindowedEntry } from './windowed-entries.ts';
import { WindowedStoreBase } from './windowed-store-base.ts';

export type { WindowedEntry } from './windowed-entries.ts';

/**
 * A logged store of sessions: per key, non-overlapping windows `[startMs, endMs)` where endMs is the last
 * record's timestamp + 1 (see windows/windowed.ts).
 */
export interface SessionStore<K, V> extends StateStore {
  /**
   * The key's sessions holding any timestamp in [fromMs, toMs] (both inclusive), i.e. startMs <= toMs and
   * endMs > fromMs, by ascending start. For a record at t with gap g: findSessions(key, t - g, t + g).
   */
  findSessions(key: K, fromMs: number, toMs: number): WindowedEntry<K, V>[];
  get(key: K, startMs: number, endMs: number): V | undefined;
  put(key: K, startMs: number, endMs: number, value: V): void;
  /** Removes a session returned by this store; logs a tombstone. */
  remove(session: WindowedEntry<K, V>): void;
  /** As WindowStore.expire: sessions with endMs <= maxEndMs, in end order, each with a tombstone. */
  expire(maxEndMs: number, onExpired?: (entry: WindowedEntry<K, V>) => void): number;
  /** As WindowStore.byEndTime. */
  byEndTime(minEndMs?: number, maxEndMs?: number): IterableIterator<WindowedEntry<K, V>>;
  exportEntries(): Iterable<ChangelogEntry>;
}

export class InMemorySessionStore<K, V> extends WindowedStoreBase<K, V> implements SessionStore<K, V> {
  findSessions(key: K, fromMs: number, toMs: number): WindowedEntry<K, V>[] {
    const found: WindowedEntry<K, V>[] = [];
    for (const session of this.entries.forKey(key)) {
      if (session.startMs > toMs) break;
      if (session.endMs > fromMs) found.push(session);
    }
    return found;
  }

  remove(session: WindowedEntry<K, V>): void {
    this.entries.removeEntry(session);
  }
}
