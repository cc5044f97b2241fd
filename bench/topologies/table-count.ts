/**
 * Bench topology: a running count per key (a table aggregate backed by a changelog), used with ~1,000,000
 * distinct keys for the restore and recovery scenarios. Topics from the environment: BENCH_INPUT, BENCH_OUTPUT.
 */
import { defineTopology, serdes } from '../../src/index.ts';
import type { BenchEvent } from '../lib/event.ts';

const input = process.env.BENCH_INPUT ?? 'bench-in';
const output = process.env.BENCH_OUTPUT ?? 'bench-out';

export default defineTopology({ applicationId: 'bench-table-count', onError: 'fail' }, (t) => {
  t.stream(input, { key: serdes.string(), value: serdes.json<BenchEvent>() })
    .groupByKey()
    .count({ name: 'counts' })
    .toStream()
    .to(output, { key: serdes.string(), value: serdes.json<number>() });
});
