import type { CompiledTopologyOptions } from '../dsl/define-topology.ts';
import { WatermarkTracker } from '../time/watermark-tracker.ts';

/** A task's watermark over its input topics, with the topology's out-of-orderness and idleness. */
export function createWatermark(options: CompiledTopologyOptions, inputs: readonly string[], nowMs: number): WatermarkTracker {
  const tracker = new WatermarkTracker({
    maxOutOfOrdernessMs: options.maxOutOfOrdernessMs,
    ...(options.idleTimeoutMs !== null ? { idleTimeoutMs: options.idleTimeoutMs } : {}),
  });
  for (const input of inputs) tracker.register(input, nowMs);
  return tracker;
}
