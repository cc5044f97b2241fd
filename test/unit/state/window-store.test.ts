import { describe, expect, it } from 'vitest';
import type { ChangelogEntry } from '../../../src/state/state-store.ts';
import { InMemoryWindowStore } from '../../../src/state/window-store.ts';

/** Decodes a windowed changelog key: key bytes ++ int64 start ++ int64 end. */
function describeChange(entry: ChangelogEntry): string {
  const n = entry.key.length - 16;
  const start = entry.key.readBigInt64BE(n);
  const end = entry.key.readBigInt64BE(n + 8);
  return `${entry.key.subarray(0, n).toString()}[${start},${end})=${entry.value?.toString() ?? 'null'}`;
}

function windows(store: InMemoryWindowStore<string, number>): string[] {
  return [...store.byEndTime()].map((w) => `${w.key}[${w.startMs},${w.endMs})=${w.value}`);
}

describe('InMemoryWindowStore', () => {
  it('stores values per (key, start, end)', () => {
    const store = new InMemoryWindowStore<string, number>({ name: 'w' });
    store.put('a', 0, 10, 1);
    store.put('a', 0, 20, 2);
    store.put('a', 10, 20, 3);
    store.put('b', 0, 10, 4);
    expect([store.get('a', 0, 10), store.get('a', 0, 20), store.get('a', 10, 20), store.get('b', 0, 10), store.get('b', 10, 20)]).toEqual([1, 2, 3, 4, undefined]);
    store.delete('a', 0, 20);
    store.delete('a', 99, 100);
    expect([store.get('a', 0, 20), store.size()]).toEqual([undefined, 3]);
  });

  it('fetches a key by start range, ascending, whatever the insertion order', () => {
    const store = new InMemoryWindowStore<string, number>({ name: 'w' });
    for (const start of [30, 10, 50, 20, 40]) store.put('a', start, start + 10, start);
    store.put('b', 25, 35, 0);
    expect(store.fetch('a', 15, 40).map((w) => w.startMs)).toEqual([20, 30, 40]);
    expect(store.fetch('zzz', 0, 100)).toEqual([]);
  });

  it('expires in end order, then insertion order, touching only closed windows, with tombstones', () => {
    const store = new InMemoryWindowStore<string, number>({ name: 'w' });
    store.put('b', 10, 20, 1);
    store.put('a', 0, 10, 2);
    store.put('c', 10, 20, 3);
    store.put('a', 10, 20, 4);
    store.put('a', 5, 15, 5);
    store.drainChanges();
    const seen: string[] = [];
    expect(store.expire(15, (w) => seen.push(`${w.key}[${w.startMs},${w.endMs})=${w.value}`))).toBe(2);
    expect(seen).toEqual(['a[0,10)=2', 'a[5,15)=5']);
    expect(windows(store)).toEqual(['b[10,20)=1', 'c[10,20)=3', 'a[10,20)=4']);
    expect(store.drainChanges().map(describeChange)).toEqual(['"a"[0,10)=null', '"a"[5,15)=null']);
    expect(store.expire(14)).toBe(0);
    expect(store.expire(1_000)).toBe(3);
    expect(store.size()).toBe(0);
  });

  it('keeps the end index right with deletes and windows ending before already expired ones', () => {
    const store = new InMemoryWindowStore<string, number>({ name: 'w' });
    store.put('a', 0, 30, 1);
    store.put('a', 0, 10, 2);
    store.put('a', 0, 20, 3);
    store.delete('a', 0, 20);
    store.expire(10);
    store.put('b', 0, 5, 4); // ends before what was expired: closes at the next expire
    store.put('b', 0, 25, 5);
    expect(windows(store)).toEqual(['b[0,5)=4', 'b[0,25)=5', 'a[0,30)=1']);
    expect(store.expire(26)).toBe(2);
    expect(windows(store)).toEqual(['a[0,30)=1']);
  });

  it('expiry stays cheap: many windows, one at a time', () => {
    const store = new InMemoryWindowStore<number, number>({ name: 'w' });
    for (let i = 0; i < 5_000; i++) store.put(i % 50, i, i + 100, i);
    let expired = 0;
    for (let wm = 0; wm < 5_107; wm += 7) expired += store.expire(wm);
    expect([expired, store.size()]).toEqual([5_000, 0]);
  });

  it('coalesces per window and encodes keys as key bytes ++ int64 start ++ int64 end', () => {
    const store = new InMemoryWindowStore<string, number>({ name: 'w' });
    store.put('a', 0, 10, 1);
    store.put('a', 0, 10, 2);
    store.delete('a', 0, 10);
    store.put('a', 0, 10, 3);
    store.put('a', -20, -10, 4);
    store.put('b', 1_700_000_000_000, 1_700_000_060_000, 5);
    store.delete('b', 1_700_000_000_000, 1_700_000_060_000);
    expect(store.drainChanges().map(describeChange)).toEqual([
      '"a"[0,10)=3',
      '"a"[-20,-10)=4',
      '"b"[1700000000000,1700000060000)=null',
    ]);
  });

  it.each<[string, (store: InMemoryWindowStore<string, number>) => void, string[]]>([
    ['expire then re-create before a drain: one change, the value', (s) => {
      s.expire(10);
      s.put('a', 0, 10, 7);
    }, ['"a"[0,10)=7']],
    ['delete, drain, re-create: the value after the tombstone', (s) => {
      s.delete('a', 0, 10);
      s.drainChanges();
      s.put('a', 0, 10, 8);
    }, ['"a"[0,10)=8']],
    ['re-created then deleted again: one tombstone', (s) => {
      s.delete('a', 0, 10);
      s.put('a', 0, 10, 9);
      s.delete('a', 0, 10);
    }, ['"a"[0,10)=null']],
  ])('coalesces across delete and re-create: %s', (_name, act, expected) => {
    const store = new InMemoryWindowStore<string, number>({ name: 'w' });
    store.put('a', 0, 10, 1);
    store.drainChanges();
    act(store);
    expect(store.drainChanges().map(describeChange)).toEqual(expected);
    expect(store.drainChanges()).toEqual([]);
  });

  it('restores from its changelog without logging, including tombstones', () => {
    const source = new InMemoryWindowStore<string, number>({ name: 'w' });
    source.put('a', 0, 10, 1);
    source.put('b', -5, 5, 2);
    source.put('a', 10, 20, 3);
    const first = source.drainChanges();
    source.expire(10);
    const second = source.drainChanges();
    const restored = new InMemoryWindowStore<string, number>({ name: 'w' });
    for (const entry of [...first, ...second]) restored.restore(entry);
    expect(restored.hasChanges()).toBe(false);
    expect(windows(restored)).toEqual(['a[10,20)=3']);
    expect([...restored.exportEntries()].map(describeChange)).toEqual(['"a"[10,20)=3']);
    expect(() => restored.restore({ key: Buffer.from('short'), value: null })).toThrow('at least 16');
  });

  it('clear drops windows, index and pending changes', () => {
    const store = new InMemoryWindowStore<string, number>({ name: 'w' });
    store.put('a', 0, 10, 1);
    store.clear();
    expect([store.size(), store.hasChanges(), [...store.byEndTime()].length, store.expire(100)]).toEqual([0, false, 0, 0]);
    store.put('a', 0, 10, 1);
    expect(windows(store)).toEqual(['a[0,10)=1']);
  });
});
