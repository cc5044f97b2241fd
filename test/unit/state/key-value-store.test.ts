import { describe, expect, it } from 'vitest';
import { InMemoryKeyValueStore } from '../../../src/state/key-value-store.ts';
import type { ChangelogEntry } from '../../../src/state/state-store.ts';
import type { StoreSerde } from '../../../src/state/store-serde.ts';

const text = (entries: readonly ChangelogEntry[]): string[] => entries.map((e) => `${e.key.toString()}=${e.value?.toString() ?? 'null'}`);

type Op = readonly ['put', string, number] | readonly ['delete', string] | readonly ['drain'];

describe('InMemoryKeyValueStore', () => {
  it.each<[string, Op[], string[]]>([
    ['one put', [['put', 'a', 1]], ['"a"=1']],
    ['the last value per key wins', [['put', 'a', 1], ['put', 'a', 2], ['put', 'a', 3]], ['"a"=3']],
    ['first-change order across keys', [['put', 'b', 1], ['put', 'a', 1], ['put', 'b', 2]], ['"b"=2', '"a"=1']],
    ['a delete is a tombstone', [['put', 'a', 1], ['delete', 'a']], ['"a"=null']],
    ['put after delete is a value again', [['put', 'a', 1], ['delete', 'a'], ['put', 'a', 4]], ['"a"=4']],
    ['deleting an absent key still logs a tombstone', [['delete', 'x']], ['"x"=null']],
    ['a drain forgets what it returned', [['put', 'a', 1], ['drain'], ['put', 'b', 2]], ['"b"=2']],
    ['a delete after a drain logs once', [['put', 'a', 1], ['drain'], ['delete', 'a'], ['delete', 'a']], ['"a"=null']],
  ])('coalesces changes: %s', (_name, ops, expected) => {
    const store = new InMemoryKeyValueStore<string, number>({ name: 'kv' });
    for (const op of ops) {
      if (op[0] === 'put') store.put(op[1], op[2]);
      else if (op[0] === 'delete') store.delete(op[1]);
      else store.drainChanges();
    }
    expect(store.hasChanges()).toBe(expected.length > 0);
    expect(text(store.drainChanges())).toEqual(expected);
    expect(store.hasChanges()).toBe(false);
    expect(store.drainChanges()).toEqual([]);
  });

  it('reads what it wrote; size and entries reflect live keys only', () => {
    const store = new InMemoryKeyValueStore<{ user: string }, number>({ name: 'kv' });
    store.put({ user: 'a' }, 1);
    store.put({ user: 'b' }, 2);
    store.delete({ user: 'a' });
    expect([store.get({ user: 'a' }), store.get({ user: 'b' }), store.size()]).toEqual([undefined, 2, 1]);
    expect([...store.entries()]).toEqual([[{ user: 'b' }, 2]]);
  });

  it('restore applies changelog records without logging them again', () => {
    const source = new InMemoryKeyValueStore<string, { n: number }>({ name: 'kv' });
    source.put('a', { n: 1 });
    source.put('b', { n: 2 });
    const first = source.drainChanges();
    source.delete('a');
    const second = source.drainChanges();

    const restored = new InMemoryKeyValueStore<string, { n: number }>({ name: 'kv' });
    for (const entry of [...first, ...second]) restored.restore(entry);
    expect(restored.hasChanges()).toBe(false);
    expect([...restored.entries()]).toEqual([['b', { n: 2 }]]);
    restored.restore({ key: Buffer.from('"zzz"'), value: null }); // tombstone for a key never seen
    expect(restored.size()).toBe(1);
  });

  it('clear drops entries and undrained changes', () => {
    const store = new InMemoryKeyValueStore<string, number>({ name: 'kv' });
    store.put('a', 1);
    store.clear();
    expect([store.size(), store.hasChanges(), store.get('a')]).toEqual([0, false, undefined]);
  });

  it('encodes at drain time, once per key, with the configured serdes', () => {
    let encodes = 0;
    const valueSerde: StoreSerde<number> = {
      encode: (v) => {
        encodes++;
        return Buffer.from([v]);
      },
      decode: (b) => b[0] ?? 0,
    };
    const keySerde: StoreSerde<string> = { encode: (k) => Buffer.from(k.toUpperCase()), decode: (b) => b.toString().toLowerCase() };
    const store = new InMemoryKeyValueStore<string, number>({ name: 'kv', keySerde, valueSerde });
    for (let i = 0; i < 100; i++) store.put('a', i);
    expect(encodes).toBe(0);
    const [change] = store.drainChanges();
    expect(encodes).toBe(1);
    expect([change?.key.toString(), change?.value?.[0]]).toEqual(['A', 99]);
    const restored = new InMemoryKeyValueStore<string, number>({ name: 'kv', keySerde, valueSerde });
    restored.restore(change as ChangelogEntry);
    expect(restored.get('a')).toBe(99);
  });

  it('keeps keys of different types apart (number 1, string "1", objects)', () => {
    const store = new InMemoryKeyValueStore<unknown, string>({ name: 'kv' });
    store.put(1, 'number');
    store.put('1', 'string');
    store.put({ id: 1 }, 'object');
    store.put(1, 'number again');
    expect([store.get(1), store.get('1'), store.get({ id: 1 }), store.get([1]), store.size()]).toEqual(['number again', 'string', 'object', undefined, 3]);
  });

  it('exports its content in changelog form', () => {
    const store = new InMemoryKeyValueStore<string, number>({ name: 'kv' });
    store.put('a', 1);
    store.put('b', 2);
    store.delete('a');
    expect(text([...store.exportEntries()])).toEqual(['"b"=2']);
  });

  it('holds each key once, as its changelog form, and gives the keys back from entries()', () => {
    const store = new InMemoryKeyValueStore<{ user: string; n: number }, number>({ name: 'kv' });
    store.put({ user: 'a', n: 1 }, 10);
    store.put({ user: 'b', n: 2 }, 20);
    const restored = new InMemoryKeyValueStore<{ user: string; n: number }, number>({ name: 'kv' });
    for (const entry of store.drainChanges()) restored.restore(entry);
    expect([...restored.entries()]).toEqual([
      [{ user: 'a', n: 1 }, 10],
      [{ user: 'b', n: 2 }, 20],
    ]);
    expect(restored.get({ user: 'b', n: 2 })).toBe(20);
    expect(restored.hasChanges()).toBe(false);
  });
});
