import { NO_WATERMARK, type LateRecord, type Processor, type ProcessorContext } from '../../../src/processor/processor.ts';
import type { StateStore } from '../../../src/state/state-store.ts';

export interface Forwarded {
  readonly key: unknown;
  readonly value: unknown;
  readonly timestampMs: number;
}

/** A ProcessorContext that records what a processor does; the test sets the watermark. */
export class FakeContext implements ProcessorContext {
  readonly taskId = '0_0';
  readonly partition = 0;
  readonly record = undefined;
  watermark = NO_WATERMARK;
  readonly forwarded: Forwarded[] = [];
  readonly late: LateRecord[] = [];
  private readonly stores = new Map<string, StateStore>();

  constructor(...stores: StateStore[]) {
    for (const store of stores) this.stores.set(store.name, store);
  }

  watermarkMs(): number {
    return this.watermark;
  }

  forward(key: unknown, value: unknown, timestampMs: number): void {
    this.forwarded.push({ key, value, timestampMs });
  }

  getStore<S extends StateStore>(name: string): S {
    const store = this.stores.get(name);
    if (store === undefined) throw new Error(`no store ${name}`);
    return store as S;
  }

  reportLate(record: LateRecord): void {
    this.late.push(record);
  }

  /** Forwarded records since the last call. */
  take(): Forwarded[] {
    return this.forwarded.splice(0);
  }
}

/** A step of a scripted run: a record [key, value, timestampMs] or a watermark advance. */
export type Step = readonly [key: unknown, value: unknown, timestampMs: number] | { readonly watermark: number };

/**
 * Runs steps like the runtime would: records through process(), watermark steps set the context watermark and
 * call onWatermark. With `streamTime`, the watermark follows the highest timestamp after each record
 * (maxOutOfOrderness 0: Kafka Streams' stream time).
 */
export function run(processor: Processor, context: FakeContext, steps: readonly Step[], options: { streamTime?: boolean } = {}): void {
  for (const step of steps) {
    if ('watermark' in step) {
      advance(processor, context, step.watermark);
      continue;
    }
    const [key, value, timestampMs] = step;
    processor.process(key, value, timestampMs);
    if (options.streamTime === true && timestampMs > context.watermark) advance(processor, context, timestampMs);
  }
}

function advance(processor: Processor, context: FakeContext, watermarkMs: number): void {
  if (watermarkMs > context.watermark) context.watermark = watermarkMs;
  processor.onWatermark?.(context.watermark);
}
