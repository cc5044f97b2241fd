/**
 * Bench topology: stateless pass-through (map + filter), no repartition. Topics from the environment:
 * BENCH_INPUT, BENCH_OUTPUT.
 */
import { defineTopology, serdes } from '../../src/index.ts';
import type { BenchEvent } from '../lib/event.ts';

const input = process.env.BENCH_INPUT ?? 'bench-in';
const output = process.env.BENCH_OUTPUT ?? 'bench-out';

export default defineTopology({ applicationId: 'bench-passthrough', onError: 'fail' }, (t) => {
  t.stream(input, { key: serdes.string(), value: serdes.json<BenchEvent>() })
    .map((key, e) => ({ key, value: { ...e, seen: true } }))
    .filter((_, e) => e.id >= 0)
    .to(output, { key: serdes.string(), value: serdes.json<BenchEvent & { seen: boolean }>() });
});
