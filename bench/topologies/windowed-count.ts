/**
 * Bench topology: 1-minute tumbling count and sum (of the event's `id`) per key on event time (the record's
 * `ts`), 30 s grace, final results only. Topics from the environment: BENCH_INPUT, BENCH_OUTPUT, BENCH_LATE.
 */
import { defineTopology, serdes, tumbling, type WindowResult } from '../../src/index.ts';
import type { BenchEvent } from '../lib/event.ts';

const input = process.env.BENCH_INPUT ?? 'bench-in';
const output = process.env.BENCH_OUTPUT ?? 'bench-out';
const late = process.env.BENCH_LATE ?? 'bench-late';

interface CountSum {
  readonly count: number;
  readonly sum: number;
}

export default defineTopology({ applicationId: 'bench-windowed-count', onError: 'fail' }, (t) => {
  t.stream(input, { key: serdes.string(), value: serdes.json<BenchEvent>(), timestamp: (e) => e.ts })
    .groupByKey()
    .windowedBy(tumbling('1m').grace('30s'))
    .aggregate<CountSum>(() => ({ count: 0, sum: 0 }), (_, e, a) => ({ count: a.count + 1, sum: a.sum + e.id }), { name: 'counts', lateTopic: late })
    .to(output, { key: serdes.windowed<string>(), value: serdes.json<WindowResult<CountSum>>() });
});
