import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InMemoryKeyValueStore } from '../../../src/state/key-value-store.ts';
import { InMemorySessionStore } from '../../../src/state/session-store.ts';
import {
  decodeSnapshot, deleteSnapshot, encodeSnapshot, loadSnapshot, readSnapshot, snapshotPath, writeSnapshot,
} from '../../../src/state/snapshot.ts';
import { InMemoryWindowStore } from '../../../src/state/window-store.ts';

function filledStores() {
  const kv = new InMemoryKeyValueStore<string, { total: number }>({ name: 'totals' });
  const windows = new InMemoryWindowStore<string, number>({ name: 'counts' });
  const sessions = new InMemorySessionStore<string, number>({ name: 'sessions' });
  kv.put('a', { total: 1 });
  kv.put('b', { total: 2 });
  windows.put('a', 0, 10, 3);
  windows.put('a', 10, 20, 4);
  sessions.put('x', 5, 9, 5);
  return { kv, windows, sessions, all: [kv, windows, sessions] as const };
}

describe('task snapshots', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-snapshot-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('round-trips every store and the changelog offsets through a file', async () => {
    const source = filledStores();
    const path = await writeSnapshot(dir, '0_1', source.all, { totals: '17', counts: '4', sessions: '0' });
    expect(path).toBe(snapshotPath(dir, '0_1'));
    expect(await readdir(dir)).toEqual(['0_1.snapshot']); // no temporary file left behind

    const snapshot = await readSnapshot(dir, '0_1');
    expect(snapshot?.changelogOffsets).toEqual({ totals: '17', counts: '4', sessions: '0' });
    const target = filledStores();
    target.kv.put('stale', { total: 99 });
    expect(loadSnapshot(snapshot ?? { taskId: '', changelogOffsets: {}, stores: new Map() }, target.all)).toBe(true);
    expect([...target.kv.entries()]).toEqual([...source.kv.entries()]);
    expect([...target.windows.byEndTime()].map((w) => [w.key, w.startMs, w.endMs, w.value])).toEqual([['a', 0, 10, 3], ['a', 10, 20, 4]]);
    expect(target.sessions.get('x', 5, 9)).toBe(5);
    expect(target.all.some((s) => s.hasChanges())).toBe(false); // loading logs nothing
  });

  it('replaces an older snapshot atomically', async () => {
    const stores = filledStores();
    await writeSnapshot(dir, '0_1', stores.all, { totals: '1' });
    stores.kv.put('c', { total: 3 });
    await writeSnapshot(dir, '0_1', stores.all, { totals: '2' });
    const snapshot = await readSnapshot(dir, '0_1');
    expect([snapshot?.changelogOffsets, snapshot?.stores.get('totals')?.length]).toEqual([{ totals: '2' }, 3]);
  });

  it.each<[string, (bytes: Buffer) => Buffer]>([
    ['one flipped bit', (b) => {
      const copy = Buffer.from(b);
      copy[20] = (copy[20] ?? 0) ^ 1;
      return copy;
    }],
    ['truncated', (b) => b.subarray(0, b.length - 5)],
    ['empty', () => Buffer.alloc(0)],
    ['another format version (checksum valid)', (b) => {
      const body = Buffer.from(b.subarray(0, b.length - 32));
      body.writeUInt16BE(2, 6);
      return Buffer.concat([body, createHash('sha256').update(body).digest()]);
    }],
    ['not a snapshot (checksum valid)', (b) => {
      const body = Buffer.from(b.subarray(0, b.length - 32));
      body.write('XXXXXX', 0, 'latin1');
      return Buffer.concat([body, createHash('sha256').update(body).digest()]);
    }],
    ['trailing garbage inside the checksum', (b) => {
      const body = Buffer.concat([b.subarray(0, b.length - 32), Buffer.from([1, 2, 3])]);
      return Buffer.concat([body, createHash('sha256').update(body).digest()]);
    }],
  ])('returns undefined for a corrupt file: %s', async (_name, corrupt) => {
    await writeSnapshot(dir, '0_1', filledStores().all, {});
    const path = snapshotPath(dir, '0_1');
    await writeFile(path, corrupt(await readFile(path)));
    expect(await readSnapshot(dir, '0_1')).toBeUndefined();
  });

  it('returns undefined when there is no snapshot, or it belongs to another task', async () => {
    expect(await readSnapshot(dir, '0_1')).toBeUndefined();
    await writeSnapshot(dir, '0_2', filledStores().all, {});
    await writeFile(snapshotPath(dir, '0_1'), await readFile(snapshotPath(dir, '0_2')));
    expect(await readSnapshot(dir, '0_1')).toBeUndefined();
    await deleteSnapshot(dir, '0_2');
    expect(await readSnapshot(dir, '0_2')).toBeUndefined();
  });

  it('refuses to load into a different set of stores (topology changed): nothing is touched', () => {
    const snapshot = decodeSnapshot(encodeSnapshot('0_1', filledStores().all, {}));
    if (snapshot === undefined) throw new Error('decode failed');
    const kv = new InMemoryKeyValueStore<string, number>({ name: 'totals' });
    kv.put('keep', 1);
    expect(loadSnapshot(snapshot, [kv])).toBe(false);
    expect(kv.get('keep')).toBe(1);
  });

  it('handles task ids that are not file-name safe', async () => {
    await writeSnapshot(dir, 'orders/0_1', filledStores().all, {});
    expect((await readSnapshot(dir, 'orders/0_1'))?.taskId).toBe('orders/0_1');
  });
});
