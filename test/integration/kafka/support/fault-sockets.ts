/**
 * A socket factory that can make the next request of a given Kafka API fail as if the connection broke just
 * before it was sent: the request never reaches the broker, and the client sees a connection error. Used to make
 * a transaction's EndTxn fail on demand.
 */
import net from 'node:net';
import tls from 'node:tls';
import type { ISocketFactory } from 'kafkajs';

/** Kafka API keys used by the tests (https://kafka.apache.org/protocol#protocol_api_keys). */
export const ApiKey = { Produce: 0, AddPartitionsToTxn: 24, AddOffsetsToTxn: 25, EndTxn: 26, TxnOffsetCommit: 28 } as const;

export class FaultSockets {
  private readonly armed = new Map<number, number>();
  /** How many requests were dropped so far, per API key. */
  readonly dropped = new Map<number, number>();

  /** The next `count` requests of this API fail with a broken connection. */
  failNext(apiKey: number, count = 1): void {
    this.armed.set(apiKey, (this.armed.get(apiKey) ?? 0) + count);
  }

  readonly factory: ISocketFactory = ({ host, port, ssl, onConnect }) => {
    const socket = ssl ? tls.connect({ host, port, servername: host, ...ssl }, onConnect) : net.connect({ host, port }, onConnect);
    socket.setKeepAlive(true, 60_000);
    const write = socket.write.bind(socket) as (chunk: unknown, ...rest: unknown[]) => boolean;
    socket.write = ((chunk: unknown, ...rest: unknown[]): boolean => {
      // A request is size (int32), api key (int16), ...; kafkajs writes each request with one write call.
      if (Buffer.isBuffer(chunk) && chunk.length >= 6) {
        const apiKey = chunk.readInt16BE(4);
        const left = this.armed.get(apiKey) ?? 0;
        if (left > 0) {
          this.armed.set(apiKey, left - 1);
          this.dropped.set(apiKey, (this.dropped.get(apiKey) ?? 0) + 1);
          socket.destroy(new Error(`injected fault: connection broken before api ${apiKey}`));
          return false;
        }
      }
      return write(chunk, ...rest);
    }) as typeof socket.write;
    return socket;
  };
}
