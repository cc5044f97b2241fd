import type { ChangelogEntry } from './state-store.ts';
import { jsonStoreSerde, keyCodecFor, type KeyCodec, type StoreSerde } from './store-serde.ts';

/** One stored window (or session) of one key. Valid until the store changes that window. */
export interface WindowedEntry<K, V> {
  readonly key: K;
  readonly startMs: number;
  readonly endMs: number;
  readonly value: V;
}

interface KeyGroup<K, V> {
  readonly id: string;
  readonly key: K;
  bytes: Buffer | undefined;
  /** This key's windows sorted by (startMs, endMs). */
  readonly slots: Slot<K, V>[];
  /** Deleted windows whose tombstone is not drained yet: re-creating one revives it (one change per window). */
  readonly dead: Slot<K, V>[];
}

interface Slot<K, V> extends WindowedEntry<K, V> {
  readonly group: KeyGroup<K, V>;
  value: V;
  live: boolean;
  /** In `pending` (at most once). */
  logged: boolean;
}

const TWO_POW_32 = 0x1_0000_0000;

/**
 * @internal The engine behind the window and session stores: entries keyed by (key, startMs, endMs), a per-key
 * list sorted by start (range fetches for sliding windows and sessions), and an index by end time so closing
 * windows touches only the closed ones. Changelog key = key bytes ++ startMs (int64 BE) ++ endMs (int64 BE).
 * Changes are coalesced per (key, start, end) until drained — a list of changed windows, each once, no
 * per-change key strings — and encoded only then.
 */
export class WindowedEntries<K, V> {
  private readonly keys: KeyCodec<K>;
  private readonly values: StoreSerde<V>;
  private readonly groups = new Map<string, KeyGroup<K, V>>();
  private readonly byEnd = new Map<number, Set<Slot<K, V>>>();
  /** Distinct end times, ascending, from `endsHead` on (earlier cells are consumed). */
  private ends: number[] = [];
  private endsHead = 0;
  /** Changed windows since the last drain, each once, in first-change order. */
  private pending: Slot<K, V>[] = [];
  private count = 0;

  constructor(keySerde: StoreSerde<K> | undefined, valueSerde: StoreSerde<V> | undefined) {
    this.keys = keyCodecFor(keySerde);
    this.values = valueSerde ?? jsonStoreSerde<V>();
  }

  get size(): number {
    return this.count;
  }

  /** The key's windows, sorted by (start, end); empty when none. Do not mutate. */
  forKey(key: K): readonly WindowedEntry<K, V>[] {
    return this.groups.get(this.keys.id(key))?.slots ?? [];
  }

  get(key: K, startMs: number, endMs: number): V | undefined {
    const group = this.groups.get(this.keys.id(key));
    return group === undefined ? undefined : find(group.slots, startMs, endMs)?.value;
  }

  put(key: K, startMs: number, endMs: number, value: V): void {
    this.write(this.keys.id(key), key, startMs, endMs, value, true);
  }

  delete(key: K, startMs: number, endMs: number): void {
    const group = this.groups.get(this.keys.id(key));
    const slot = group === undefined ? undefined : find(group.slots, startMs, endMs);
    if (slot !== undefined) this.detach(slot, true, true);
  }

  /** Removes one entry returned by this store (e.g. a merged session). */
  removeEntry(entry: WindowedEntry<K, V>): void {
    const slot = entry as Slot<K, V>;
    if (slot.live) this.detach(slot, true, true);
  }

  /**
   * Removes every window with endMs <= maxEndMs, in end order then insertion order, calling `onExpired` for
   * each just before it goes (its tombstone is logged). Cost: the closed windows only.
   */
  expire(maxEndMs: number, onExpired: ((entry: WindowedEntry<K, V>) => void) | undefined): number {
    let expired = 0;
    while (this.endsHead < this.ends.length) {
      const endMs = this.ends[this.endsHead] as number;
      if (endMs > maxEndMs) break;
      const bucket = this.byEnd.get(endMs);
      this.byEnd.delete(endMs);
      this.endsHead++;
      if (bucket === undefined) continue;
      for (const slot of bucket) {
        onExpired?.(slot);
        this.detach(slot, false, true);
        expired++;
      }
    }
    if (this.endsHead > 1024 && this.endsHead * 2 > this.ends.length) {
      this.ends = this.ends.slice(this.endsHead);
      this.endsHead = 0;
    }
    return expired;
  }

  /**
   * Live windows with minEndMs <= endMs <= maxEndMs, in end order then insertion order; finds the first by
   * binary search. Putting a new value into a yielded window is fine; adding or removing windows is not.
   */
  *byEndTime(minEndMs = Number.NEGATIVE_INFINITY, maxEndMs = Number.POSITIVE_INFINITY): IterableIterator<WindowedEntry<K, V>> {
    const ends = this.ends;
    let low = this.endsHead;
    let high = ends.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((ends[mid] as number) < minEndMs) low = mid + 1;
      else high = mid;
    }
    for (let i = low; i < ends.length && (ends[i] as number) <= maxEndMs; i++) {
      const bucket = this.byEnd.get(ends[i] as number);
      if (bucket !== undefined) yield* bucket;
    }
  }

  *exportEntries(): Iterable<ChangelogEntry> {
    for (const group of this.groups.values()) {
      for (const slot of group.slots) yield { key: this.changelogKey(slot), value: this.values.encode(slot.value) };
    }
  }

  hasChanges(): boolean {
    return this.pending.length > 0;
  }

  drainChanges(): ChangelogEntry[] {
    const pending = this.pending;
    this.pending = [];
    const changes = new Array<ChangelogEntry>(pending.length);
    for (let i = 0; i < pending.length; i++) {
      const slot = pending[i] as Slot<K, V>;
      slot.logged = false;
      changes[i] = { key: this.changelogKey(slot), value: slot.live ? this.values.encode(slot.value) : null };
      const group = slot.group;
      if (group.dead.length > 0) {
        group.dead.length = 0;
        if (group.slots.length === 0 && this.groups.get(group.id) === group) this.groups.delete(group.id);
      }
    }
    return changes;
  }

  restore(entry: ChangelogEntry): void {
    const keyLength = entry.key.length - 16;
    if (keyLength < 0) throw new Error(`windowed changelog key has ${entry.key.length} bytes, expected at least 16`);
    const startMs = readInt64(entry.key, keyLength);
    const endMs = readInt64(entry.key, keyLength + 8);
    const { id, key } = this.keys.decode(entry.key.subarray(0, keyLength));
    if (entry.value !== null) {
      this.write(id, key, startMs, endMs, this.values.decode(entry.value), false);
      return;
    }
    const group = this.groups.get(id);
    const slot = group === undefined ? undefined : find(group.slots, startMs, endMs);
    if (slot !== undefined) this.detach(slot, true, false);
  }

  clear(): void {
    for (const group of this.groups.values()) for (const slot of group.slots) slot.live = false;
    this.groups.clear();
    this.byEnd.clear();
    this.ends = [];
    this.endsHead = 0;
    this.pending = [];
    this.count = 0;
  }

  private write(id: string, key: K, startMs: number, endMs: number, value: V, log: boolean): void {
    let group = this.groups.get(id);
    if (group === undefined) {
      group = { id, key, bytes: undefined, slots: [], dead: [] };
      this.groups.set(id, group);
    }
    let slot = find(group.slots, startMs, endMs);
    if (slot === undefined) {
      slot = this.revive(group, startMs, endMs) ?? { group, key: group.key, startMs, endMs, value, live: true, logged: false };
      slot.value = value;
      insertSorted(group.slots, slot);
      this.indexEnd(slot);
      this.count++;
    } else {
      slot.value = value;
    }
    if (log && !slot.logged) {
      slot.logged = true;
      this.pending.push(slot);
    }
  }

  /** A deleted, undrained window of these bounds, made live again (it is already pending: still one change). */
  private revive(group: KeyGroup<K, V>, startMs: number, endMs: number): Slot<K, V> | undefined {
    const dead = group.dead;
    for (let i = 0; i < dead.length; i++) {
      const slot = dead[i] as Slot<K, V>;
      if (slot.startMs !== startMs || slot.endMs !== endMs) continue;
      dead.splice(i, 1);
      slot.live = true;
      return slot;
    }
    return undefined;
  }

  /**
   * Takes a slot out of its key group and (unless the caller drops the whole bucket) the end index. `log`
   * records its tombstone; a group stays while it has undrained tombstones so that re-creation revives them.
   */
  private detach(slot: Slot<K, V>, fromEndIndex: boolean, log: boolean): void {
    slot.live = false;
    this.count--;
    const group = slot.group;
    group.slots.splice(group.slots.indexOf(slot), 1);
    if (fromEndIndex) this.byEnd.get(slot.endMs)?.delete(slot);
    if (log || slot.logged) group.dead.push(slot);
    if (log && !slot.logged) {
      slot.logged = true;
      this.pending.push(slot);
    }
    if (group.slots.length === 0 && group.dead.length === 0) this.groups.delete(group.id);
  }

  private indexEnd(slot: Slot<K, V>): void {
    const bucket = this.byEnd.get(slot.endMs);
    if (bucket !== undefined) {
      bucket.add(slot);
      return;
    }
    this.byEnd.set(slot.endMs, new Set([slot]));
    const ends = this.ends;
    if (ends.length === this.endsHead || (ends[ends.length - 1] as number) < slot.endMs) {
      ends.push(slot.endMs);
      return;
    }
    let low = this.endsHead;
    let high = ends.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((ends[mid] as number) < slot.endMs) low = mid + 1;
      else high = mid;
    }
    if (ends[low] !== slot.endMs) ends.splice(low, 0, slot.endMs);
  }

  private changelogKey(slot: Slot<K, V>): Buffer {
    const group = slot.group;
    group.bytes ??= this.keys.bytes(group.id);
    const key = Buffer.allocUnsafe(group.bytes.length + 16);
    group.bytes.copy(key, 0);
    writeInt64(key, slot.startMs, group.bytes.length);
    writeInt64(key, slot.endMs, group.bytes.length + 8);
    return key;
  }
}

function find<K, V>(slots: readonly Slot<K, V>[], startMs: number, endMs: number): Slot<K, V> | undefined {
  for (let i = lowerBound(slots, startMs); i < slots.length; i++) {
    const slot = slots[i] as Slot<K, V>;
    if (slot.startMs !== startMs) return undefined;
    if (slot.endMs === endMs) return slot;
  }
  return undefined;
}

/** First index whose start is >= startMs. */
export function lowerBound(slots: readonly WindowedEntry<unknown, unknown>[], startMs: number): number {
  let low = 0;
  let high = slots.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((slots[mid] as WindowedEntry<unknown, unknown>).startMs < startMs) low = mid + 1;
    else high = mid;
  }
  return low;
}

function insertSorted<K, V>(slots: Slot<K, V>[], slot: Slot<K, V>): void {
  let i = slots.length;
  while (i > 0) {
    const before = slots[i - 1] as Slot<K, V>;
    if (before.startMs < slot.startMs || (before.startMs === slot.startMs && before.endMs < slot.endMs)) break;
    i--;
  }
  if (i === slots.length) slots.push(slot);
  else slots.splice(i, 0, slot);
}

function writeInt64(buffer: Buffer, value: number, offset: number): void {
  const high = Math.floor(value / TWO_POW_32);
  buffer.writeInt32BE(high, offset);
  buffer.writeUInt32BE(value - high * TWO_POW_32, offset + 4);
}

function readInt64(buffer: Buffer, offset: number): number {
  return buffer.readInt32BE(offset) * TWO_POW_32 + buffer.readUInt32BE(offset + 4);
}
