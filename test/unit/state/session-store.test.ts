import { describe, expect, it } from 'vitest';
import { InMemorySessionStore } from '../../../src/state/session-store.ts';

describe('InMemorySessionStore', () => {
  const store = new InMemorySessionStore<string, number>({ name: 's' });
  store.put('a', 0, 4, 1); // records 0..3
  store.put('a', 10, 11, 2); // record 10
  store.put('a', 30, 41, 3); // records 30..40
  store.put('b', 5, 6, 4);

  it.each([
    ['a record inside a session', 2, 2, [0]],
    ['last record + gap reaches a session (inclusive)', 8, 13, [10]], // t = 8, gap 5: [3, 13]
    ['first ms after a session is not in it', 4, 9, []],
    ['a session starting exactly at the upper bound', 20, 30, [30]],
    ['a bridging range finds both', 3, 10, [0, 10]],
    ['nothing around', 15, 25, []],
  ])('findSessions: %s', (_name, from, to, starts) => {
    expect(store.findSessions('a', from, to).map((s) => s.startMs)).toEqual(starts);
  });

  it('remove deletes a found session and logs a tombstone; expire closes by end', () => {
    const s = new InMemorySessionStore<string, number>({ name: 's' });
    s.put('a', 0, 4, 1);
    s.put('a', 10, 11, 2);
    s.drainChanges();
    const [first] = s.findSessions('a', 0, 0);
    if (first === undefined) throw new Error('no session');
    s.remove(first);
    s.remove(first); // twice is harmless
    expect([s.size(), s.get('a', 0, 4), s.drainChanges().map((c) => c.value)]).toEqual([1, undefined, [null]]);
    const closed: number[] = [];
    s.expire(11, (session) => closed.push(session.value));
    expect([closed, s.size()]).toEqual([[2], 0]);
  });

  it('restores from its changelog', () => {
    const restored = new InMemorySessionStore<string, number>({ name: 's' });
    for (const entry of store.exportEntries()) restored.restore(entry);
    expect([...restored.byEndTime()].map((s) => `${s.key}[${s.startMs},${s.endMs})=${s.value}`)).toEqual(['a[0,4)=1', 'b[5,6)=4', 'a[10,11)=2', 'a[30,41)=3']);
    expect(restored.hasChanges()).toBe(false);
  });
});
