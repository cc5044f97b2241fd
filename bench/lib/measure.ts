/** Timing a processing run by the group's committed offsets (the same for every engine the bench runs). */
import type { Admin } from 'kafkajs';
import { committedOffsets, endOffsets, sum } from './kafka.ts';
import { sleep } from './processes.ts';

const log = (message: string) => process.stderr.write(`bench: ${message}\n`);
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

export interface Progress {
  readonly records: number;
  readonly seconds: number;
  /** performance.now() at the first committed progress and at the end. */
  readonly t0: number;
  readonly tEnd: number;
}

/**
 * Times one run: from the first consumed record (`consumed()` turns true; polled every 20 ms) until the group's
 * committed offsets reach the input's end offsets and then the end of every repartition topic (whose final entry
 * per partition is a transaction marker under exactly-once, hence `slack`). A stage whose committed offsets stop
 * short of that (e.g. it ends with aborted records) counts as done once they have not moved for 3 s, at the time
 * they last moved. Records already committed when consumption was first seen are not counted.
 */
export async function measureToEnd(
  admin: Admin,
  o: {
    group: string;
    input: string;
    inputEnd: readonly number[];
    stages: readonly string[];
    slack: number;
    timeoutMs: number;
    consumed: () => boolean | Promise<boolean>;
    onStart?: () => void;
  },
): Promise<Progress> {
  const total = sum(o.inputEnd);
  const deadline = performance.now() + o.timeoutMs;
  let t0: number | undefined;
  for (;;) {
    if (performance.now() > deadline) throw new Error(`group ${o.group} consumed nothing within ${o.timeoutMs} ms`);
    if (await o.consumed()) {
      t0 = performance.now();
      o.onStart?.();
      break;
    }
    await sleep(20);
  }
  const p0 = sum(await committedOffsets(admin, o.group, o.input));
  if (p0 > 0) log(`note: ${o.group} had committed ${fmt(p0)} records when its first consumption was seen; they are not counted`);
  let stageEnds: number[][] | undefined;
  let lastStageSum = -1;
  let lastStageMove = 0;
  for (;;) {
    if (performance.now() > deadline) throw new Error(`group ${o.group} did not finish within ${o.timeoutMs} ms`);
    const committed = await committedOffsets(admin, o.group, o.input);
    const now = performance.now();
    let progress = 0;
    for (let p = 0; p < o.inputEnd.length; p++) progress += Math.min(Math.max(0, committed[p] ?? -1), o.inputEnd[p] as number);
    if (progress >= total) {
      if (o.stages.length === 0) return { records: total - p0, seconds: (now - t0) / 1000, t0, tEnd: now };
      stageEnds ??= await Promise.all(o.stages.map((s) => endOffsets(admin, s)));
      let stageSum = 0;
      let done = true;
      for (let i = 0; i < o.stages.length; i++) {
        const c = await committedOffsets(admin, o.group, o.stages[i] as string);
        const ends = stageEnds[i] as number[];
        for (let p = 0; p < ends.length; p++) {
          const end = ends[p] as number;
          const at = c[p] ?? -1;
          stageSum += Math.max(0, at);
          if (end > 0 && at < end - o.slack) done = false;
        }
      }
      const at = performance.now();
      if (stageSum !== lastStageSum) {
        lastStageSum = stageSum;
        lastStageMove = at;
      }
      if (done) return { records: total - p0, seconds: (at - t0) / 1000, t0, tEnd: at };
      if (at - lastStageMove > 3_000) {
        log(`note: ${o.group}: repartition offsets settled short of the topic end (aborted records at the end?)`);
        return { records: total - p0, seconds: (lastStageMove - t0) / 1000, t0, tEnd: lastStageMove };
      }
    }
    await sleep(100);
  }
}

