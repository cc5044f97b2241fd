import { TopologyError } from '../../errors/index.ts';
import { NO_WATERMARK } from '../../processor/processor.ts';
import type { Cancellable, TimeDomain } from '../../processor/stream-processor.ts';
import type { KeyValueStore } from '../../state/key-value-store.ts';

/** One `schedule(...)` timer. `nextMs` null: not started yet (no watermark / wall clock known). */
class PeriodicTimer implements Cancellable {
  nextMs: number | null = null;
  cancelled = false;
  constructor(
    readonly domain: TimeDomain,
    readonly intervalMs: number,
    readonly callback: (timestampMs: number) => void,
  ) {}
  cancel(): void {
    this.cancelled = true;
  }
}

/**
 * The periodic timers of one processor in one task (Kafka Streams punctuators).
 *
 * Event time: a timer fires when the watermark reaches a multiple of its interval, aligned to the epoch, with
 * that multiple as its time; an advance across several multiples fires once, with the last (as Kafka Streams
 * skips missed punctuations). A timer not started yet fires at the first advance. Nothing is stored: after a
 * rebuild the task resumes from its checkpointed watermark, and the multiples up to it were fired in the
 * transactions that moved the watermark there, so `resume` starts at the next one.
 *
 * Wall clock: fires from the task's tick once the interval has passed since the last firing, with the wall
 * clock as its time; a tick late by several intervals fires once. Not persisted (wall-clock time is not
 * replayable): a rebuilt task starts counting again.
 */
export class PeriodicTimers {
  private readonly timers: PeriodicTimer[] = [];
  private resumed = false;
  private watermarkMs = NO_WATERMARK;
  private wallClockMs = 0;

  schedule(domain: TimeDomain, intervalMs: number, callback: (timestampMs: number) => void, owner: string): Cancellable {
    if (domain !== 'event-time' && domain !== 'wall-clock') throw new TopologyError(`processor "${owner}": schedule() time domain "${String(domain)}" is invalid (expected 'event-time' or 'wall-clock')`);
    if (!Number.isSafeInteger(intervalMs) || intervalMs < 1) throw new TopologyError(`processor "${owner}": schedule() interval ${String(intervalMs)} is invalid (expected whole milliseconds >= 1)`);
    const timer = new PeriodicTimer(domain, intervalMs, callback);
    if (this.resumed) this.start(timer);
    this.timers.push(timer);
    return timer;
  }

  /** The task is about to run: its watermark (restored or NO_WATERMARK) and the wall clock. */
  resume(watermarkMs: number, nowMs: number): void {
    this.resumed = true;
    this.watermarkMs = watermarkMs;
    this.wallClockMs = nowMs;
    for (const timer of this.timers) this.start(timer);
  }

  private start(timer: PeriodicTimer): void {
    if (timer.nextMs !== null) return;
    if (timer.domain === 'wall-clock') timer.nextMs = this.wallClockMs + timer.intervalMs;
    else if (this.watermarkMs !== NO_WATERMARK) timer.nextMs = boundary(this.watermarkMs, timer.intervalMs) + timer.intervalMs;
  }

  advanceWatermark(watermarkMs: number): void {
    this.watermarkMs = watermarkMs;
    this.fire('event-time', watermarkMs);
  }

  advanceWallClock(nowMs: number): void {
    this.wallClockMs = nowMs;
    this.fire('wall-clock', nowMs);
  }

  private fire(domain: TimeDomain, nowMs: number): void {
    const timers = this.timers;
    // Timers scheduled by a callback start with the next round; cancelled ones are dropped after it.
    const n = timers.length;
    let cancelled = false;
    for (let i = 0; i < n; i++) {
      const timer = timers[i] as PeriodicTimer;
      if (timer.cancelled) {
        cancelled = true;
        continue;
      }
      if (timer.domain !== domain) continue;
      if (domain === 'wall-clock') {
        const next = timer.nextMs as number;
        if (nowMs < next) continue;
        timer.nextMs = nowMs >= next + timer.intervalMs ? nowMs + timer.intervalMs : next + timer.intervalMs;
        timer.callback(nowMs);
      } else {
        if (timer.nextMs !== null && nowMs < timer.nextMs) continue;
        const at = boundary(nowMs, timer.intervalMs);
        timer.nextMs = at + timer.intervalMs;
        timer.callback(at);
      }
      if (timer.cancelled) cancelled = true;
    }
    if (cancelled) {
      let j = 0;
      for (let i = 0; i < timers.length; i++) if (!(timers[i] as PeriodicTimer).cancelled) timers[j++] = timers[i] as PeriodicTimer;
      timers.length = j;
    }
  }
}

/** The largest multiple of `intervalMs` at or below `timeMs`. */
function boundary(timeMs: number, intervalMs: number): number {
  return Math.floor(timeMs / intervalMs) * intervalMs;
}

interface QueuedTimer {
  readonly timeMs: number;
  /** The store key's identity (JSON of [timeMs, key]): ties at one time fire in this order, after any rebuild. */
  readonly id: string;
  readonly key: unknown;
}

/**
 * One-shot event-time timers per key (Flink's timer service). The store (`<processor>-timers`, changelogged,
 * key [timeMs, key]) is the truth; a min-heap by (time, id) over it finds what is due without scanning. A
 * fired or cancelled timer is deleted from the store (a tombstone in the same transaction as the timer's
 * output), so a rebuilt task, which reloads the heap from the restored store, fires every timer exactly once.
 * Heap entries of cancelled timers stay until they surface and are skipped then.
 */
export class KeyedTimerQueue {
  private readonly heap: QueuedTimer[] = [];

  constructor(
    private readonly store: KeyValueStore<readonly [number, unknown], 1>,
    private readonly owner: string,
  ) {}

  /** After restore: every stored timer goes into the heap. */
  load(): void {
    this.heap.length = 0;
    for (const [key] of this.store.entries()) this.push({ timeMs: key[0], id: JSON.stringify(key), key: key[1] });
  }

  at(timeMs: number, key: unknown): void {
    if (!Number.isSafeInteger(timeMs)) throw new TopologyError(`processor "${this.owner}": timers.at(${String(timeMs)}) needs whole epoch milliseconds`);
    const storeKey = [timeMs, key] as const;
    if (this.store.get(storeKey) !== undefined) return;
    this.store.put(storeKey, 1);
    this.push({ timeMs, id: JSON.stringify(storeKey), key });
  }

  cancel(timeMs: number, key: unknown): void {
    const storeKey = [timeMs, key] as const;
    if (this.store.get(storeKey) !== undefined) this.store.delete(storeKey);
  }

  get size(): number {
    return this.store.size();
  }

  /** Fires, in (time, id) order, every timer at or below the watermark, including ones `fire` registers meanwhile. */
  fireUpTo(watermarkMs: number, fire: (timeMs: number, key: unknown) => void): void {
    const heap = this.heap;
    while (heap.length > 0 && (heap[0] as QueuedTimer).timeMs <= watermarkMs) {
      const due = this.pop();
      const storeKey = [due.timeMs, due.key] as const;
      if (this.store.get(storeKey) === undefined) continue;
      this.store.delete(storeKey);
      fire(due.timeMs, due.key);
    }
  }

  private push(timer: QueuedTimer): void {
    const heap = this.heap;
    let i = heap.push(timer) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(timer, heap[parent] as QueuedTimer)) break;
      heap[i] = heap[parent] as QueuedTimer;
      i = parent;
    }
    heap[i] = timer;
  }

  private pop(): QueuedTimer {
    const heap = this.heap;
    const top = heap[0] as QueuedTimer;
    const last = heap.pop() as QueuedTimer;
    if (heap.length === 0) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && before(heap[right] as QueuedTimer, heap[left] as QueuedTimer) ? right : left;
      if (!before(heap[child] as QueuedTimer, last)) break;
      heap[i] = heap[child] as QueuedTimer;
      i = child;
    }
    heap[i] = last;
    return top;
  }
}

function before(a: QueuedTimer, b: QueuedTimer): boolean {
  return a.timeMs < b.timeMs || (a.timeMs === b.timeMs && a.id < b.id);
}
