import { createHash } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ChangelogEntry, StateStore } from './state-store.ts';

/** A store whose whole content can be exported in changelog form (all stores in this folder). */
export interface SnapshottableStore extends StateStore {
  exportEntries(): Iterable<ChangelogEntry>;
}

/** What a snapshot file holds: every store of one task and the changelog offsets that content covers. */
export interface TaskSnapshot {
  readonly taskId: string;
  /**
   * Per store name: the changelog offset the snapshot covers up to (exclusive): restore the tail from here.
   * Kafka offsets as decimal strings.
   */
  readonly changelogOffsets: Readonly<Record<string, string>>;
  /** Per store name: its entries, in changelog form (never tombstones). */
  readonly stores: ReadonlyMap<string, readonly ChangelogEntry[]>;
}

/**
 * Format, version 1 (all integers big-endian):
 *   "SLSNAP" | u16 version | u32 header length | header JSON { taskId, changelogOffsets, stores: [[name, count]] }
 *   | per store, per entry: u32 key length, key, u32 value length, value
 *   | sha256 of everything before (32 bytes)
 */
const MAGIC = Buffer.from('SLSNAP', 'latin1');
export const SNAPSHOT_FORMAT_VERSION = 1;
const DIGEST_BYTES = 32;

interface Header {
  readonly taskId: string;
  readonly changelogOffsets: Record<string, string>;
  readonly stores: [string, number][];
}

export function encodeSnapshot(taskId: string, stores: readonly SnapshottableStore[], changelogOffsets: Readonly<Record<string, string>>): Buffer {
  const chunks: Buffer[] = [];
  const counts: [string, number][] = [];
  for (const store of stores) {
    let count = 0;
    for (const entry of store.exportEntries()) {
      if (entry.value === null) continue;
      chunks.push(u32(entry.key.length), entry.key, u32(entry.value.length), entry.value);
      count++;
    }
    counts.push([store.name, count]);
  }
  const header: Header = { taskId, changelogOffsets: { ...changelogOffsets }, stores: counts };
  const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
  const version = Buffer.allocUnsafe(2);
  version.writeUInt16BE(SNAPSHOT_FORMAT_VERSION, 0);
  const body = Buffer.concat([MAGIC, version, u32(headerBytes.length), headerBytes, ...chunks]);
  return Buffer.concat([body, createHash('sha256').update(body).digest()]);
}

/** The snapshot in `bytes`, or undefined when it is truncated, corrupt or of another format version. */
export function decodeSnapshot(bytes: Buffer): TaskSnapshot | undefined {
  try {
    if (bytes.length < MAGIC.length + 6 + DIGEST_BYTES) return undefined;
    const body = bytes.subarray(0, bytes.length - DIGEST_BYTES);
    const digest = createHash('sha256').update(body).digest();
    if (!digest.equals(bytes.subarray(bytes.length - DIGEST_BYTES))) return undefined;
    if (!body.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
    if (body.readUInt16BE(MAGIC.length) !== SNAPSHOT_FORMAT_VERSION) return undefined;
    let offset = MAGIC.length + 2;
    const headerLength = body.readUInt32BE(offset);
    offset += 4;
    const header = JSON.parse(body.subarray(offset, offset + headerLength).toString('utf8')) as Header;
    offset += headerLength;
    if (typeof header.taskId !== 'string' || !Array.isArray(header.stores) || typeof header.changelogOffsets !== 'object') return undefined;
    const stores = new Map<string, ChangelogEntry[]>();
    for (const [name, count] of header.stores) {
      const entries: ChangelogEntry[] = [];
      for (let i = 0; i < count; i++) {
        const keyLength = body.readUInt32BE(offset);
        const key = body.subarray(offset + 4, offset + 4 + keyLength);
        offset += 4 + keyLength;
        const valueLength = body.readUInt32BE(offset);
        const value = body.subarray(offset + 4, offset + 4 + valueLength);
        offset += 4 + valueLength;
        if (key.length !== keyLength || value.length !== valueLength) return undefined;
        entries.push({ key, value });
      }
      stores.set(name, entries);
    }
    if (offset !== body.length) return undefined;
    return { taskId: header.taskId, changelogOffsets: header.changelogOffsets, stores };
  } catch {
    return undefined; // out-of-range reads, bad JSON: corrupt
  }
}

/** `<stateDir>/<taskId>.snapshot` (task id made file-name safe). */
export function snapshotPath(stateDir: string, taskId: string): string {
  return join(stateDir, `${encodeURIComponent(taskId)}.snapshot`);
}

/**
 * Writes the task's stores atomically: a temporary file, fsync, rename over the previous snapshot, fsync of
 * the directory. A crash leaves either the old or the new snapshot, never a mix. Returns the file path.
 */
export async function writeSnapshot(
  stateDir: string,
  taskId: string,
  stores: readonly SnapshottableStore[],
  changelogOffsets: Readonly<Record<string, string>>,
): Promise<string> {
  await mkdir(stateDir, { recursive: true });
  const path = snapshotPath(stateDir, taskId);
  const tmpPath = `${path}.${process.pid}.tmp`;
  const file = await open(tmpPath, 'w');
  try {
    await file.writeFile(encodeSnapshot(taskId, stores, changelogOffsets));
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(tmpPath, path);
  await syncDirectory(stateDir);
  return path;
}

/** The task's snapshot, or undefined when there is none or it cannot be trusted (caller restores fully). */
export async function readSnapshot(stateDir: string, taskId: string): Promise<TaskSnapshot | undefined> {
  let bytes: Buffer;
  try {
    bytes = await readFile(snapshotPath(stateDir, taskId));
  } catch {
    return undefined;
  }
  const snapshot = decodeSnapshot(bytes);
  return snapshot?.taskId === taskId ? snapshot : undefined;
}

/** Removes the task's snapshot (state wiped, task corrupted). */
export async function deleteSnapshot(stateDir: string, taskId: string): Promise<void> {
  await rm(snapshotPath(stateDir, taskId), { force: true });
}

/**
 * Replaces the content of `stores` with the snapshot's (clear, then restore each entry, so nothing is logged).
 * Returns false and changes nothing when the snapshot does not hold exactly these store names: the topology
 * changed, so the caller restores fully from the changelogs.
 */
export function loadSnapshot(snapshot: TaskSnapshot, stores: readonly StateStore[]): boolean {
  if (snapshot.stores.size !== stores.length || stores.some((store) => !snapshot.stores.has(store.name))) return false;
  for (const store of stores) {
    store.clear();
    for (const entry of snapshot.stores.get(store.name) ?? []) store.restore(entry);
  }
  return true;
}

function u32(value: number): Buffer {
  const bytes = Buffer.allocUnsafe(4);
  bytes.writeUInt32BE(value, 0);
  return bytes;
}

async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Some platforms cannot fsync a directory; the rename is still atomic.
  }
}
