/** The fault proxy's framing: whole frames out of any chunking, headers read where the protocol puts them. */
import { describe, expect, it } from 'vitest';
import { ApiKey, apiKeyName, FrameSplitter, readRequestHeader, readResponseCorrelationId } from '../../support/fault-proxy/kafka-frames.ts';

function request(apiKey: number, apiVersion: number, correlationId: number, body: Buffer): Buffer {
  const payload = Buffer.alloc(8 + body.length);
  payload.writeInt16BE(apiKey, 0);
  payload.writeInt16BE(apiVersion, 2);
  payload.writeInt32BE(correlationId, 4);
  body.copy(payload, 8);
  const size = Buffer.alloc(4);
  size.writeInt32BE(payload.length, 0);
  return Buffer.concat([size, payload]);
}

describe('kafka frames', () => {
  const frames = [request(ApiKey.EndTxn, 3, 7, Buffer.from('abc')), request(ApiKey.Produce, 9, 8, Buffer.alloc(5000, 1)), request(ApiKey.Metadata, 12, 9, Buffer.alloc(0))];
  const stream = Buffer.concat(frames);

  it.each([1, 3, 4, 5, 13, 4096, stream.length])('splits a stream fed in chunks of %i bytes into the same frames', (chunk) => {
    const splitter = new FrameSplitter();
    const out: Buffer[] = [];
    for (let i = 0; i < stream.length; i += chunk) out.push(...splitter.push(stream.subarray(i, i + chunk)));
    expect(out.map((f) => f.toString('hex'))).toEqual(frames.map((f) => f.toString('hex')));
    expect(out.map((f) => readRequestHeader(f))).toEqual([
      { apiKey: 26, apiVersion: 3, correlationId: 7 },
      { apiKey: 0, apiVersion: 9, correlationId: 8 },
      { apiKey: 3, apiVersion: 12, correlationId: 9 },
    ]);
  });

  it('reads a response correlation id and rejects what is not a frame', () => {
    const response = Buffer.from([0, 0, 0, 6, 0, 0, 0, 42, 0, 0]);
    expect(readResponseCorrelationId(response)).toBe(42);
    expect(() => new FrameSplitter().push(Buffer.from([0xff, 0xff, 0xff, 0xff]))).toThrow(/not a Kafka frame/);
    expect(apiKeyName(ApiKey.TxnOffsetCommit)).toBe('TxnOffsetCommit(28)');
    expect(apiKeyName(99)).toBe('api 99');
  });
});
