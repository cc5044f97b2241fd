/** The bench's input record: a JSON value padded to about `valueBytes`, keyed by a string. */
export interface BenchEvent {
  readonly id: number;
  readonly user: string;
  /** Event time, epoch milliseconds. */
  readonly ts: number;
  readonly pad: string;
}

/** Builds the JSON value of record `id`; the `pad` field brings it to about `valueBytes` bytes. */
export function eventValue(id: number, user: string, ts: number, valueBytes: number): Buffer {
  const bare = JSON.stringify({ id, user, ts, pad: '' });
  const pad = 'x'.repeat(Math.max(0, valueBytes - bare.length));
  return Buffer.from(JSON.stringify({ id, user, ts, pad }));
}
