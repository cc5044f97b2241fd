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
  /**
   * Highest event time seen per input topic, for tasks with several inputs (joins, merges): a rebuilt task whose
   * one input has no records left still knows how far that input got, so the watermark (their minimum) moves
   * on when the other input does. Absent in checkpoints of earlier versions.
   */
  readonly inputs?: Readonly<Record<string, number>>;
}

export function encodeCheckpoint(checkpoint: Checkpoint): Buffer {
  const inputs = checkpoint.inputs;
  return Buffer.from(JSON.stringify(inputs === undefined || Object.keys(inputs).length === 0 ? { w: checkpoint.watermarkMs, o: checkpoint.offsets } : { w: checkpoint.watermarkMs, o: checkpoint.offsets, i: inputs }));
}

/** Decodes a checkpoint record's value; undefined when it is not one this version understands. */
export function decodeCheckpoint(value: Buffer | null): Checkpoint | undefined {
  if (value === null) return undefined;
  try {
    const parsed = JSON.parse(value.toString('utf8')) as { w?: unknown; o?: unknown; i?: unknown };
    if (typeof parsed.w !== 'number' || typeof parsed.o !== 'object' || parsed.o === null) return undefined;
    const offsets: Record<string, string> = {};
    for (const [topic, offset] of Object.entries(parsed.o as Record<string, unknown>)) {
      if (typeof offset === 'string' && /^\d+$/.test(offset)) offsets[topic] = offset;
    }
    if (typeof parsed.i !== 'object' || parsed.i === null) return { watermarkMs: parsed.w, offsets };
    const inputs: Record<string, number> = {};
    for (const [topic, maxMs] of Object.entries(parsed.i as Record<string, unknown>)) {
      if (typeof maxMs === 'number' && Number.isFinite(maxMs)) inputs[topic] = maxMs;
    }
    return { watermarkMs: parsed.w, offsets, inputs };
  } catch {
    return undefined;
  }
}

/** Whether a changelog key is reserved by sluice (never restored into a store). */
export function isReservedKey(key: Buffer): boolean {
  return key.length > 0 && key[0] === 0 && (key.equals(CHECKPOINT_KEY) || key.equals(LEGACY_WATERMARK_KEY));
}
