/**
 * A fault-injecting TCP proxy for tests, on loopback only: it sits between a Kafka client and one broker
 * listener and reads each request's api key and correlation id (see kafka-frames.ts), so a test can
 *   - cut every connection now, or once the N-th request of an api key has passed (forwarded or not);
 *   - forward a request and drop its response (the "the commit took effect but the reply was lost" case),
 *     then cut that connection (the client sees the request fail) or leave it hanging (it times out);
 *   - delay traffic in either direction.
 * Each fault is a one-shot rule with a promise that settles when it fired, so a test waits for the fault
 * instead of sleeping. Start the broker with `kafka.sh start --port N --proxy-port M`: its EXTERNAL listener
 * advertises 127.0.0.1:M, so clients that bootstrap at the proxy send every request through it.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { apiKeyName, FrameSplitter, readRequestHeader, readResponseCorrelationId } from './kafka-frames.ts';

const LOOPBACK = '127.0.0.1';

export interface FaultProxyOptions {
  /** Port to listen on (0: any free port). */
  readonly listenPort: number;
  /** The broker listener the proxy forwards to, on 127.0.0.1. */
  readonly upstreamPort: number;
}

export type FaultEventKind = 'cut' | 'response-dropped' | 'request-swallowed' | 'connect-failed';

export interface FaultEvent {
  readonly atMs: number;
  readonly kind: FaultEventKind;
  /** What happened, for logs and reports: "dropped the response to EndTxn(26) #1234, then cut 1 connection". */
  readonly detail: string;
  readonly apiKey?: number;
}

/** A fault armed on the proxy. `fired` settles once it took effect (all its drops, or its cut). */
export interface Fault {
  readonly description: string;
  readonly fired: Promise<FaultEvent>;
  /** Disarms the fault if it has not fired yet (its promise then never settles). */
  cancel(): void;
}

export interface CutAfterOptions {
  /** Cut when the `count`-th matching request from now arrives (default 1). */
  readonly count?: number;
  /** Forward that request to the broker before cutting (default true): its outcome is then unknown to the client. */
  readonly forward?: boolean;
}

export interface DropResponsesOptions {
  /** How many responses of this api key to drop (default 1). */
  readonly count?: number;
  /** After a drop: cut that connection (default; the client's request fails) or 'hang' (it times out). */
  readonly then?: 'cut' | 'hang';
}

interface Link {
  readonly id: number;
  readonly client: Socket;
  readonly upstream: Socket;
  /** Correlation id → api key of requests in flight. */
  readonly inFlight: Map<number, number>;
  /** Correlation ids whose response is to be dropped, with the rule that asked for it. */
  readonly drops: Map<number, DropRule>;
  closed: boolean;
}

interface CutRule {
  readonly kind: 'cut-after';
  readonly apiKey: number;
  readonly forward: boolean;
  remaining: number;
  readonly settle: (event: FaultEvent) => void;
}

interface DropRule {
  readonly kind: 'drop-response';
  readonly apiKey: number;
  readonly then: 'cut' | 'hang';
  /** Requests still to mark. */
  toMark: number;
  /** Marked responses not yet dropped. */
  pending: number;
  readonly settle: (event: FaultEvent) => void;
}

type Rule = CutRule | DropRule;

export class FaultProxy {
  private readonly links = new Set<Link>();
  private rules: Rule[] = [];
  private nextLinkId = 1;
  private requestDelayMs = 0;
  private responseDelayMs = 0;
  private readonly requestCounts = new Map<number, number>();
  /** Everything the proxy did to the traffic, in order. */
  readonly events: FaultEvent[] = [];
  connectionsOpened = 0;

  private constructor(
    private readonly server: Server,
    readonly port: number,
    readonly upstreamPort: number,
  ) {}

  static async start(options: FaultProxyOptions): Promise<FaultProxy> {
    const server = createServer();
    const port = await new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.listenPort, LOOPBACK, () => {
        const address = server.address();
        resolve(typeof address === 'object' && address !== null ? address.port : options.listenPort);
      });
    });
    const proxy = new FaultProxy(server, port, options.upstreamPort);
    server.on('connection', (client) => proxy.accept(client));
    return proxy;
  }

  /** The bootstrap address clients use. */
  get address(): string {
    return `${LOOPBACK}:${this.port}`;
  }

  /** Open client connections. */
  get connections(): number {
    return this.links.size;
  }

  /** Requests seen per api key since the proxy started. */
  requestsSeen(apiKey: number): number {
    return this.requestCounts.get(apiKey) ?? 0;
  }

  /** Cuts every open connection now; returns how many. */
  cutAll(reason = 'cut all connections'): number {
    const n = this.links.size;
    for (const link of [...this.links]) this.closeLink(link);
    this.record({ kind: 'cut', detail: `${reason}: ${n} connection(s)` });
    return n;
  }

  /** Cuts every connection once the `count`-th request of `apiKey` from now arrives. */
  cutAfter(apiKey: number, options: CutAfterOptions = {}): Fault {
    const count = options.count ?? 1;
    if (!(count >= 1)) throw new Error(`cutAfter: count must be >= 1, got ${count}`);
    const description = `cut all connections at request ${count} of ${apiKeyName(apiKey)}${options.forward === false ? ' (not forwarded)' : ' (forwarded first)'}`;
    return this.arm(description, (settle) => ({ kind: 'cut-after', apiKey, forward: options.forward ?? true, remaining: count, settle }));
  }

  /** Forwards the next `count` requests of `apiKey` and drops their responses. */
  dropResponses(apiKey: number, options: DropResponsesOptions = {}): Fault {
    const count = options.count ?? 1;
    if (!(count >= 1)) throw new Error(`dropResponses: count must be >= 1, got ${count}`);
    const then = options.then ?? 'cut';
    const description = `drop ${count} response(s) to ${apiKeyName(apiKey)}, then ${then === 'cut' ? 'cut the connection' : 'leave it hanging'}`;
    return this.arm(description, (settle) => ({ kind: 'drop-response', apiKey, then, toMark: count, pending: 0, settle }));
  }

  /** Delays every frame by `ms` in the given direction(s) (0 removes the delay). Order is kept. */
  delay(ms: number, direction: 'both' | 'requests' | 'responses' = 'both'): void {
    if (!(ms >= 0)) throw new Error(`delay must be >= 0 ms, got ${ms}`);
    if (direction !== 'responses') this.requestDelayMs = ms;
    if (direction !== 'requests') this.responseDelayMs = ms;
  }

  /** Disarms every fault that has not fired. */
  clearFaults(): void {
    this.rules = [];
  }

  /** Stops listening and cuts every connection. */
  async close(): Promise<void> {
    this.rules = [];
    for (const link of [...this.links]) this.closeLink(link);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /**
   * Closes both sides of a link. `lastRequest`, when given, is written to the broker first and the broker side
   * is closed only once it was flushed (the client side closes at once), so the request surely takes effect.
   */
  private closeLink(link: Link, lastRequest?: Buffer): void {
    if (link.closed) return;
    link.closed = true;
    this.links.delete(link);
    link.client.destroy();
    // A response that will never come back: its drop is re-armed for the next matching request.
    for (const rule of link.drops.values()) {
      rule.pending--;
      rule.toMark++;
    }
    link.drops.clear();
    if (lastRequest === undefined) {
      link.upstream.destroy();
      return;
    }
    link.upstream.write(lastRequest, () => setTimeout(() => link.upstream.destroy(), 200));
  }

  private arm(description: string, make: (settle: (event: FaultEvent) => void) => Rule): Fault {
    let rule: Rule | undefined;
    const fired = new Promise<FaultEvent>((resolve) => {
      rule = make(resolve);
    });
    this.rules.push(rule as Rule);
    return {
      description,
      fired,
      cancel: () => {
        this.rules = this.rules.filter((r) => r !== rule);
      },
    };
  }

  private record(event: Omit<FaultEvent, 'atMs'>): FaultEvent {
    const full: FaultEvent = { atMs: Date.now(), ...event };
    this.events.push(full);
    return full;
  }

  private accept(client: Socket): void {
    this.connectionsOpened++;
    client.setNoDelay(true);
    const upstream = createConnection({ host: LOOPBACK, port: this.upstreamPort });
    upstream.setNoDelay(true);
    const link: Link = { id: this.nextLinkId++, client, upstream, inFlight: new Map(), drops: new Map(), closed: false };
    this.links.add(link);
    const fromClient = new FrameSplitter();
    const fromBroker = new FrameSplitter();
    let requestReleaseAt = 0;
    let responseReleaseAt = 0;
    const send = (socket: Socket, frame: Buffer, delayMs: number, last: number): number => {
      if (delayMs <= 0 && last <= Date.now()) {
        if (!link.closed) socket.write(frame);
        return last;
      }
      const at = Math.max(Date.now() + delayMs, last);
      setTimeout(() => {
        if (!link.closed) socket.write(frame);
      }, at - Date.now());
      return at;
    };
    client.on('data', (chunk: Buffer) => {
      let frames: Buffer[];
      try {
        frames = fromClient.push(chunk);
      } catch {
        this.closeLink(link);
        return;
      }
      for (const frame of frames) {
        if (link.closed) return;
        const forward = this.onRequest(link, frame);
        if (forward) requestReleaseAt = send(upstream, frame, this.requestDelayMs, requestReleaseAt);
      }
    });
    upstream.on('data', (chunk: Buffer) => {
      let frames: Buffer[];
      try {
        frames = fromBroker.push(chunk);
      } catch {
        this.closeLink(link);
        return;
      }
      for (const frame of frames) {
        if (link.closed) return;
        if (this.onResponse(link, frame)) responseReleaseAt = send(client, frame, this.responseDelayMs, responseReleaseAt);
      }
    });
    upstream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNREFUSED') this.record({ kind: 'connect-failed', detail: `broker port ${this.upstreamPort} refused the connection` });
      this.closeLink(link);
    });
    client.on('error', () => this.closeLink(link));
    client.on('close', () => this.closeLink(link));
    upstream.on('close', () => this.closeLink(link));
  }

  /** Returns whether to forward the request; applies the first rule it matches. */
  private onRequest(link: Link, frame: Buffer): boolean {
    const header = readRequestHeader(frame);
    this.requestCounts.set(header.apiKey, (this.requestCounts.get(header.apiKey) ?? 0) + 1);
    link.inFlight.set(header.correlationId, header.apiKey);
    const rule = this.rules.find((r) => r.apiKey === header.apiKey && (r.kind === 'cut-after' || r.toMark > 0));
    if (rule === undefined) return true;
    if (rule.kind === 'drop-response') {
      rule.toMark--;
      rule.pending++;
      link.drops.set(header.correlationId, rule);
      return true;
    }
    rule.remaining--;
    if (rule.remaining > 0) return true;
    this.rules = this.rules.filter((r) => r !== rule);
    const n = this.links.size;
    for (const l of [...this.links]) this.closeLink(l, l === link && rule.forward ? frame : undefined);
    const event = this.record({
      kind: 'cut',
      apiKey: header.apiKey,
      detail: `${rule.forward ? 'forwarded' : 'swallowed'} ${apiKeyName(header.apiKey)} #${header.correlationId}, then cut ${n} connection(s)`,
    });
    rule.settle(event);
    return false;
  }

  /** Returns whether to forward the response. */
  private onResponse(link: Link, frame: Buffer): boolean {
    const correlationId = readResponseCorrelationId(frame);
    const apiKey = link.inFlight.get(correlationId);
    link.inFlight.delete(correlationId);
    const rule = link.drops.get(correlationId);
    if (rule === undefined) return true;
    link.drops.delete(correlationId);
    rule.pending--;
    if (rule.then === 'cut') this.closeLink(link);
    const event = this.record({
      kind: 'response-dropped',
      apiKey: apiKey ?? rule.apiKey,
      detail: `dropped the response to ${apiKeyName(apiKey ?? rule.apiKey)} #${correlationId}${rule.then === 'cut' ? ', then cut its connection' : ''}`,
    });
    if (rule.toMark === 0 && rule.pending === 0) {
      this.rules = this.rules.filter((r) => r !== rule);
      rule.settle(event);
    }
    return false;
  }
}
