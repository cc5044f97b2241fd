/**
 * Fault injection for the in-memory cluster. Each fault is armed for a number of matching calls (one by
 * default), scoped by transactional id (exact, or a RegExp) and client id, and records every hit in `events`.
 *
 *   failCommit              the commit's EndTxn never reaches the coordinator: nothing commits, the
 *                           transaction stays open until the producer re-initialises (retriable KafkaError)
 *   loseCommitReply         the commit takes effect (records visible, group offsets moved), then the reply is
 *                           lost: commit() rejects with a retriable KafkaError
 *   failAbort               the abort's EndTxn never arrives; the producer recovers as after any failure
 *   failEndTxn              the next EndTxn, commit or abort, never arrives (failCommit or failAbort)
 *   fenceMidTransaction     another producer with the same transactional id initialises after the
 *                           transaction sent records, just before its next sendOffsets or commit: that call
 *                           fails with TaskMigratedError and the open transaction is aborted
 *   failSend                a send fails for one partition (or any): retriable by default
 *   coordinatorUnavailable  sendOffsets / commit (and a consumer's commitOffsets, when no transactional id is
 *                           scoped) fail with a retriable COORDINATOR_NOT_AVAILABLE, before taking effect
 *   staleEndOffsets         an admin's end-offsets read reports a partition's end `behind` records early (as a
 *                           broker may while it recovers); the records are there, the answer is stale
 * Too-large records need no fault: MemoryKafka's `maxMessageBytes` (or a topic's max.message.bytes) rejects them.
 */
export type FaultKind = 'end-txn-fails' | 'commit-reply-lost' | 'fenced-mid-transaction' | 'send-fails' | 'coordinator-unavailable' | 'stale-end-offsets';

/** The calls faults are checked on. */
export type FaultApi = 'send' | 'sendOffsets' | 'commit' | 'abort' | 'commitOffsets' | 'topicOffsets';

export interface FaultScope {
  /** Only producers with this transactional id (or ids the RegExp matches). Default: any producer or consumer. */
  readonly transactionalId?: string | RegExp;
  /** Only calls from clients with this client id (MemoryKafka.client({ clientId })). */
  readonly clientId?: string;
  /** How many matching calls the fault hits before it is spent. Default 1. */
  readonly times?: number;
}

export interface SendFaultScope extends FaultScope {
  readonly topic?: string;
  readonly partition?: number;
  /** Whether the send error is retriable (NOT_LEADER_OR_FOLLOWER) or not (INVALID_TXN_STATE). Default true. */
  readonly retriable?: boolean;
  /** staleEndOffsets: how many records early the reported end is. Default 1. */
  readonly behind?: number;
}

export interface StaleOffsetsScope {
  readonly topic?: string | RegExp;
  readonly partition?: number;
  readonly clientId?: string;
  /** How many end-offsets reads (per matching partition) are stale. Default 1. */
  readonly times?: number;
  /** How many records early the reported end is. Default 1. */
  readonly behind?: number;
}

export interface CoordinatorFaultScope extends FaultScope {
  /** How many calls fail; same as `times`. */
  readonly calls?: number;
  /** Which calls count. Default: sendOffsets, commit and commitOffsets. */
  readonly apis?: readonly ('sendOffsets' | 'commit' | 'commitOffsets')[];
}

/** One armed fault, for assertions and for disarming. */
export interface InjectedFault {
  readonly kind: FaultKind;
  /** Matching calls hit so far. */
  readonly hits: number;
  /** Hits left before the fault is spent. */
  readonly remaining: number;
  cancel(): void;
}

/** A call that might be hit. */
export interface FaultCall {
  readonly api: FaultApi;
  readonly clientId: string;
  /** null for the plain producer and consumers. */
  readonly transactionalId: string | null;
  readonly topic?: string;
  readonly partition?: number;
}

export interface FaultEvent extends FaultCall {
  readonly kind: FaultKind;
}

interface ArmedFault extends InjectedFault {
  readonly apis: readonly FaultApi[];
  readonly scope: SendFaultScope;
  /** Topics a fault scoped by a RegExp applies to. */
  readonly topicPattern?: RegExp;
  hits: number;
  remaining: number;
}

const TRANSACTION_APIS: readonly FaultApi[] = ['sendOffsets', 'commit'];

export class FaultInjector {
  private armed: ArmedFault[] = [];
  /** Every hit, in order. */
  readonly events: FaultEvent[] = [];

  failCommit(scope: FaultScope = {}): InjectedFault {
    return this.arm('end-txn-fails', ['commit'], scope);
  }

  loseCommitReply(scope: FaultScope = {}): InjectedFault {
    return this.arm('commit-reply-lost', ['commit'], scope);
  }

  failAbort(scope: FaultScope = {}): InjectedFault {
    return this.arm('end-txn-fails', ['abort'], scope);
  }

  failEndTxn(scope: FaultScope = {}): InjectedFault {
    return this.arm('end-txn-fails', ['commit', 'abort'], scope);
  }

  fenceMidTransaction(scope: FaultScope = {}): InjectedFault {
    return this.arm('fenced-mid-transaction', TRANSACTION_APIS, scope);
  }

  failSend(scope: SendFaultScope = {}): InjectedFault {
    return this.arm('send-fails', ['send'], scope);
  }

  coordinatorUnavailable(scope: CoordinatorFaultScope = {}): InjectedFault {
    const apis = scope.apis ?? ['sendOffsets', 'commit', 'commitOffsets'];
    return this.arm('coordinator-unavailable', apis, { ...scope, times: scope.calls ?? scope.times ?? 1 });
  }

  staleEndOffsets(scope: StaleOffsetsScope = {}): InjectedFault {
    const { topic, ...rest } = scope;
    return topic instanceof RegExp ? this.arm('stale-end-offsets', ['topicOffsets'], rest, topic) : this.arm('stale-end-offsets', ['topicOffsets'], topic === undefined ? rest : { ...rest, topic });
  }

  /** Disarms every fault (events are kept). */
  clear(): void {
    for (const fault of this.armed) fault.remaining = 0;
    this.armed = [];
  }

  /** Hits of one kind so far. */
  count(kind: FaultKind): number {
    return this.events.filter((event) => event.kind === kind).length;
  }

  /**
   * For the adapter: whether a fault of `kind` hits this call (its scope when it does). A hit uses up one of the
   * fault's times and is recorded; the caller then does what the fault says.
   */
  take(kind: FaultKind, call: FaultCall): SendFaultScope | undefined {
    for (const fault of this.armed) {
      if (fault.kind !== kind || fault.remaining <= 0 || !fault.apis.includes(call.api) || !matches(fault.scope, call)) continue;
      if (fault.topicPattern !== undefined && (call.topic === undefined || !fault.topicPattern.test(call.topic))) continue;
      fault.remaining -= 1;
      fault.hits += 1;
      if (fault.remaining === 0) this.armed = this.armed.filter((f) => f !== fault);
      this.events.push({ ...call, kind });
      return fault.scope;
    }
    return undefined;
  }

  private arm(kind: FaultKind, apis: readonly FaultApi[], scope: SendFaultScope, topicPattern?: RegExp): InjectedFault {
    const times = scope.times ?? 1;
    if (!Number.isInteger(times) || times < 1) throw new RangeError(`a fault's times must be a positive integer (got ${times})`);
    const fault: ArmedFault = {
      kind,
      apis,
      scope,
      hits: 0,
      remaining: times,
      ...(topicPattern !== undefined ? { topicPattern } : {}),
      cancel: () => {
        fault.remaining = 0;
        this.armed = this.armed.filter((f) => f !== fault);
      },
    };
    this.armed.push(fault);
    return fault;
  }
}

function matches(scope: SendFaultScope, call: FaultCall): boolean {
  if (scope.clientId !== undefined && scope.clientId !== call.clientId) return false;
  if (scope.transactionalId !== undefined) {
    if (call.transactionalId === null) return false;
    const id = scope.transactionalId;
    if (typeof id === 'string' ? id !== call.transactionalId : !id.test(call.transactionalId)) return false;
  }
  if (scope.topic !== undefined && scope.topic !== call.topic) return false;
  if (scope.partition !== undefined && scope.partition !== call.partition) return false;
  return true;
}
