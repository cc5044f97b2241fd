/**
 * Just enough of the Kafka wire format for a fault-injecting proxy: every request and response is an int32
 * size followed by that many bytes. A request header (v1/v2) starts with int16 api key, int16 api version,
 * int32 correlation id; a response header (v0/v1) starts with the int32 correlation id.
 */

/** Api keys the chaos tests inject faults on (Kafka protocol numbering). */
export const ApiKey = {
  Produce: 0,
  Fetch: 1,
  ListOffsets: 2,
  Metadata: 3,
  OffsetCommit: 8,
  OffsetFetch: 9,
  FindCoordinator: 10,
  JoinGroup: 11,
  Heartbeat: 12,
  LeaveGroup: 13,
  SyncGroup: 14,
  ApiVersions: 18,
  InitProducerId: 22,
  AddPartitionsToTxn: 24,
  AddOffsetsToTxn: 25,
  EndTxn: 26,
  TxnOffsetCommit: 28,
} as const;

const NAMES = new Map<number, string>(Object.entries(ApiKey).map(([name, key]) => [key, name]));

/** "EndTxn(26)", or "api 57" for a key this table does not name. */
export function apiKeyName(apiKey: number): string {
  const name = NAMES.get(apiKey);
  return name === undefined ? `api ${apiKey}` : `${name}(${apiKey})`;
}

export interface RequestHeader {
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly correlationId: number;
}

/** Reads the header of a whole request frame (size prefix included). */
export function readRequestHeader(frame: Buffer): RequestHeader {
  if (frame.length < 12) throw new Error(`a Kafka request frame has at least 12 bytes, got ${frame.length}`);
  return { apiKey: frame.readInt16BE(4), apiVersion: frame.readInt16BE(6), correlationId: frame.readInt32BE(8) };
}

/** Reads the correlation id of a whole response frame (size prefix included). */
export function readResponseCorrelationId(frame: Buffer): number {
  if (frame.length < 8) throw new Error(`a Kafka response frame has at least 8 bytes, got ${frame.length}`);
  return frame.readInt32BE(4);
}

/** The largest frame the proxy accepts; anything larger means the stream is not Kafka or is out of step. */
const MAX_FRAME_BYTES = 256 * 1024 * 1024;

/**
 * Cuts a byte stream into whole frames. Feed it chunks as they arrive; it returns the frames completed by
 * each chunk, each a Buffer holding the size prefix and the payload, so forwarding them keeps the bytes.
 */
export class FrameSplitter {
  private chunks: Buffer[] = [];
  private buffered = 0;

  push(chunk: Buffer): Buffer[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const frames: Buffer[] = [];
    while (this.buffered >= 4) {
      const head = this.peek(4);
      const size = head.readInt32BE(0);
      if (size < 0 || size > MAX_FRAME_BYTES) throw new Error(`not a Kafka frame: size ${size}`);
      if (this.buffered < 4 + size) break;
      frames.push(this.take(4 + size));
    }
    return frames;
  }

  private peek(n: number): Buffer {
    const first = this.chunks[0] as Buffer;
    if (first.length >= n) return first.subarray(0, n);
    this.chunks = [Buffer.concat(this.chunks)];
    return (this.chunks[0] as Buffer).subarray(0, n);
  }

  private take(n: number): Buffer {
    const first = this.chunks[0] as Buffer;
    let out: Buffer;
    if (first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
    } else {
      const all = Buffer.concat(this.chunks);
      out = all.subarray(0, n);
      this.chunks = all.length > n ? [all.subarray(n)] : [];
    }
    this.buffered -= n;
    return out;
  }
}
