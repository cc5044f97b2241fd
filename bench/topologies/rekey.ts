/**
 * Bench topology: re-key by user through a repartition topic, then map. Topics from the environment:
 * BENCH_INPUT, BENCH_OUTPUT.
 */
import { defineTopology, serdes } from '../../src/index.ts';
import type { BenchEvent } from '../lib/event.ts';

const input = process.env.BENCH_INPUT ?? 'bench-in';
const output = process.env.BENCH_OUTPUT ?? 'bench-out';

export default defineTopology({ applicationId: 'bench-rekey', onError: 'fail' }, (t) => {
  t.stream(input, { key: serdes.string(), value: serdes.json<BenchEvent>() })
    .selectKey((_, e) => e.user)
    .repartition({ name: 'by-user', key: serdes.string(), value: serdes.json<BenchEvent>() })
    .mapValues((e) => ({ ...e, seen: true }))
    .to(output, { key: serdes.string(), value: serdes.json<BenchEvent & { seen: boolean }>() });
});
