/**
 * The in-memory transaction coordinator: one epoch per transactional id, at most one open transaction per id.
 *
 * - initProducerId (a producer's connect) bumps the epoch, which fences every older producer with the same id,
 *   and aborts that id's open transaction first, as Kafka's InitProducerId does.
 * - A transaction opens with its first record or offsets (AddPartitionsToTxn / AddOffsetsToTxn), not at begin.
 * - end(commit): every partition written gets a commit marker and the transaction's offsets become the groups'
 *   committed offsets; end(abort): abort markers, offsets dropped.
 * - A transaction open longer than its timeout is aborted by the coordinator, which bumps the epoch as Kafka
 *   does, so the late producer is fenced.
 */
import type { TopicPartitionOffset } from '../types.ts';
import { MemoryBrokerError } from './broker-error.ts';
import type { PartitionLog, TransactionMark } from './partition-log.ts';

export interface CoordinatorHost {
  /** Makes the group's committed offsets these (a transaction's offsets, on commit). */
  commitGroupOffsets(groupId: string, offsets: readonly TopicPartitionOffset[]): void;
  /** Something readers may wait for changed (markers, LSO). */
  changed(): void;
}

export class OpenTransaction {
  readonly mark: TransactionMark = { status: 'open' };
  readonly partitions = new Set<PartitionLog>();
  /** groupId → "topic\u0000partition" → offset; a later sendOffsets for the same partition wins. */
  readonly offsets = new Map<string, Map<string, TopicPartitionOffset>>();
  timer: NodeJS.Timeout | undefined;

  addOffsets(groupId: string, offsets: readonly TopicPartitionOffset[]): void {
    let byPartition = this.offsets.get(groupId);
    if (byPartition === undefined) {
      byPartition = new Map();
      this.offsets.set(groupId, byPartition);
    }
    for (const offset of offsets) byPartition.set(`${offset.topic}\u0000${offset.partition}`, { ...offset });
  }
}

interface TransactionalIdState {
  epoch: number;
  open: OpenTransaction | undefined;
}

export class TransactionCoordinator {
  private readonly ids = new Map<string, TransactionalIdState>();

  constructor(private readonly host: CoordinatorHost) {}

  private stateOf(transactionalId: string): TransactionalIdState {
    let state = this.ids.get(transactionalId);
    if (state === undefined) {
      state = { epoch: -1, open: undefined };
      this.ids.set(transactionalId, state);
    }
    return state;
  }

  /** InitProducerId: aborts the id's open transaction, bumps and returns the epoch. */
  initProducerId(transactionalId: string): number {
    const state = this.stateOf(transactionalId);
    if (state.open !== undefined) this.finish(state, false);
    state.epoch += 1;
    return state.epoch;
  }

  /** The current epoch; -1 when the id was never initialised. */
  epochOf(transactionalId: string): number {
    return this.ids.get(transactionalId)?.epoch ?? -1;
  }

  hasOpenTransaction(transactionalId: string): boolean {
    return this.ids.get(transactionalId)?.open !== undefined;
  }

  /** Throws PRODUCER_FENCED when a newer producer initialised the id since `epoch`. */
  checkEpoch(transactionalId: string, epoch: number): void {
    const current = this.epochOf(transactionalId);
    if (current !== epoch) {
      throw new MemoryBrokerError(
        'PRODUCER_FENCED',
        `there is a newer producer with transactional id ${transactionalId} (epoch ${current}; this one has ${epoch})`,
      );
    }
  }

  /** The id's open transaction, opened now if there is none (the timeout runs from here). */
  openFor(transactionalId: string, epoch: number, timeoutMs: number): OpenTransaction {
    this.checkEpoch(transactionalId, epoch);
    const state = this.stateOf(transactionalId);
    if (state.open !== undefined) return state.open;
    const open = new OpenTransaction();
    state.open = open;
    open.timer = setTimeout(() => {
      if (state.open !== open) return;
      this.finish(state, false);
      state.epoch += 1;
    }, timeoutMs);
    open.timer.unref();
    return open;
  }

  /** EndTxn from the producer at `epoch`; nothing to do when no transaction is open. */
  end(transactionalId: string, epoch: number, commit: boolean): void {
    this.checkEpoch(transactionalId, epoch);
    const state = this.stateOf(transactionalId);
    if (state.open !== undefined) this.finish(state, commit);
  }

  /** Stops every transaction timer (the cluster is closed). */
  close(): void {
    for (const state of this.ids.values()) {
      if (state.open?.timer !== undefined) clearTimeout(state.open.timer);
    }
  }

  private finish(state: TransactionalIdState, commit: boolean): void {
    const open = state.open as OpenTransaction;
    state.open = undefined;
    if (open.timer !== undefined) clearTimeout(open.timer);
    open.mark.status = commit ? 'committed' : 'aborted';
    for (const log of open.partitions) log.appendMarker(open.mark, commit);
    if (commit) {
      for (const [groupId, offsets] of open.offsets) this.host.commitGroupOffsets(groupId, [...offsets.values()]);
    }
    this.host.changed();
  }
}
