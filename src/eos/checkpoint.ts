/**
 * The task checkpoint: one record per commit of a stateful task, in the changelog partition of its first store,
 * under a reserved key. It carries the task watermark and the input positions that commit made durable, in the
 * same transaction as the state it describes, so a task rebuilt from its changelog gets back its time state
 * and knows how far its committed state reaches, whatever the group's offsets say.
 */

/** Reserved changelog key of the checkpoint record. */
export const CHECKPOINT_KEY = Buffer.from('\u0000sluice.checkpoint');

/** The key earlier versions used for the watermark alone (value: its decimal string); still read on restore. */
export const LEGACY_WATERMARK_KEY = Buffer.from('\u0000sluice.watermark');

export interface Checkpoint {
  readonly watermarkMs: number;
  /** Next offset per input topic (of the task's partition) as of the commit that wrote the checkpoint. */
  readonly offsets: Readonly<Record<string, string>>;
}

export function encodeCheckpoint(checkpoint: Checkpoint): Buffer {
  return Buffer.from(JSON.stringify({ w: checkpoint.watermarkMs, o: checkpoint.offsets }));
}

/** Decodes a checkpoint record's value; undefined when it is not one this version understands. */
export function decodeCheckpoint(value: Buffer | null): Checkpoint | undefined {
  if (value === null) return undefined;
  try {
    const parsed = JSON.parse(value.toString('utf8')) as { w?: unknown; o?: unknown };
    if (typeof parsed.w !== 'number' || typeof parsed.o !== 'object' || parsed.o === null) return undefined;
    const offsets: Record<string, string> = {};
    for (const [topic, offset] of Object.entries(parsed.o as Record<string, unknown>)) {
      if (typeof offset === 'string' && /^\d+$/.test(offset)) offsets[topic] = offset;
    }
    return { watermarkMs: parsed.w, offsets };
  } catch {
    return undefined;
  }
}

/** Whether a changelog key is reserved by sluice (never restored into a store). */
export function isReservedKey(key: Buffer): boolean {
  return key.length > 0 && key[0] === 0 && (key.equals(CHECKPOINT_KEY) || key.equals(LEGACY_WATERMARK_KEY));
}
