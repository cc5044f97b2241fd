import type { StreamProcessor } from '../processor/stream-processor.ts';
import type { StoreDefinition } from '../state/store-definitions.ts';

/** What `stream.process(...)` puts in StatefulOperatorSpec.options (type 'processor'). */
export interface ProcessorSpecOptions {
  /** Called once per task for a fresh processor instance. */
  readonly factory: () => StreamProcessor<unknown, unknown, unknown, unknown>;
  /** The stores the processor declared. */
  readonly definitions: readonly StoreDefinition[];
  /** The processor's own key-value store of one-shot timers: `<name>-timers`. */
  readonly timerStore: string;
}

/** Name of a processor's timer store. */
export function timerStoreName(processorName: string): string {
  return `${processorName}-timers`;
}
