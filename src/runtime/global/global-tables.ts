import type { ErrorPolicy } from '../../dsl/define-topology.ts';
import type { KafkaClient } from '../../kafka/types.ts';
import type { Logger } from '../../logging/logger.ts';
import type { Metrics } from '../../metrics/metrics.ts';
import type { Plan } from '../../planner/plan.ts';
import type { GlobalTableStatus } from '../status.ts';
import { describeLoad } from '../describe-restore.ts';
import { GlobalTableReader } from './global-table-reader.ts';
import { GlobalTableStore } from './global-table-store.ts';

export interface GlobalTablesOptions {
  readonly plan: Plan;
  readonly client: KafkaClient;
  readonly logger: Logger;
  readonly metrics?: Metrics;
  readonly onError: ErrorPolicy;
  /** How long a global table fetch waits for new data. */
  readonly maxWaitMs: number;
  /** A global table failed after its restore: the application stops. */
  readonly onFatal: (error: Error) => void;
}


/**
 * This instance's global tables: one store per table, shared by every task that joins it, and one reader per
 * table keeping it current. The application awaits `restore()` before it joins its consumer group, so no task
 * processes a record before every global table holds its topic's contents as of startup.
 */
export class GlobalTables {
  readonly stores: ReadonlyMap<string, GlobalTableStore>;
  private readonly readers: GlobalTableReader[];

  constructor(options: GlobalTablesOptions) {
    const stores = new Map<string, GlobalTableStore>();
    this.readers = [];
    for (const spec of options.plan.globalTables) {
      const store = new GlobalTableStore(spec);
      stores.set(spec.name, store);
      this.readers.push(
        new GlobalTableReader({
          client: options.client,
          store,
          logger: options.logger.child({ globalTable: spec.name, topic: spec.topic }),
          ...(options.metrics !== undefined ? { metrics: options.metrics } : {}),
          onError: options.onError,
          maxWaitMs: options.maxWaitMs,
          onFatal: options.onFatal,
        }),
      );
    }
    this.stores = stores;
  }

  get size(): number {
    return this.readers.length;
  }

  /** Restores every table to its topic's end; resolves once all are restored and following (or stopped). */
  async restore(): Promise<void> {
    await Promise.all(this.readers.map((r) => r.start()));
  }

  /** Why processing must wait, while a table is not restored yet. */
  notReadyReason(nowMs = Date.now()): string | undefined {
    for (const reader of this.readers) {
      const state = reader.currentState;
      if (state === 'following') continue;
      if (state === 'created' || state === 'restoring') return `restoring global table ${reader.name} (${describeLoad(reader.progress(nowMs))})`;
      return `global table ${reader.name} is ${state}`;
    }
    return undefined;
  }

  statuses(nowMs = Date.now()): GlobalTableStatus[] {
    return this.readers.map((reader) => {
      const store = this.stores.get(reader.name) as GlobalTableStore;
      const { restored, partitions, restore, lag } = reader.progress(nowMs);
      return { name: reader.name, topic: store.topic, state: reader.currentState, entries: store.size, restoredPartitions: restored, partitions, restore, lag };
    });
  }

  async stop(): Promise<void> {
    await Promise.all(this.readers.map((r) => r.stop()));
  }
}
