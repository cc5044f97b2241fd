import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { TaskRestoreStatus } from '../../../src/runtime/status.ts';
import { PUBLIC_DIR } from '../../../src/server/app.ts';

// The dashboard's pure modules (no DOM at import time), loaded as the browser loads them: plain ES modules.
type Sample = { timeMs: number; [key: string]: number | null };
interface ChartsModule {
  niceStep(raw: number, kind: 'count' | 'integer' | 'duration'): number;
  yTicks(max: number, kind: 'count' | 'integer' | 'duration', count?: number): number[];
  timeTicks(fromMs: number, toMs: number, maxTicks?: number): { step: number; ticks: number[] };
  runsOf(samples: Sample[], key: string, gapMs: number): Sample[][];
}
interface FormatModule {
  fmtDuration(ms: number | null): string;
  fmtDurationShort(ms: number | null): string;
  fmtClock(ms: number, millis?: boolean): string;
  fmtWindow(startMs: number, endMs: number, nowMs: number): string;
  fmtCompact(n: number): string;
}
interface HistoryModule {
  RingBuffer: new (capacity: number) => { push(x: unknown): void; toArray(): unknown[]; size: number; dropWhile(p: (x: unknown) => boolean): void };
  History: new (options: { spanMs: number; capacity: number }) => { add(s: Sample): void; samples(): Sample[] };
}

interface RestoreTextModule {
  fractionOf(progress: { totalOffsets: number; readOffsets: number } | null): number;
  progressText(progress: { totalOffsets: number; readOffsets: number; offsetsPerSec: number | null; etaMs: number | null }): string;
  taskRestoreText(restore: TaskRestoreStatus): string;
}

const load = async <T,>(file: string): Promise<T> => (await import(pathToFileURL(path.join(PUBLIC_DIR, 'js', file)).href)) as T;
const charts = await load<ChartsModule>('charts.js');
const format = await load<FormatModule>('format.js');
const history = await load<HistoryModule>('history.js');
const restoreText = await load<RestoreTextModule>('restore-text.js');

describe('dashboard charts', () => {
  it.each<[number, 'count' | 'integer' | 'duration', number]>([
    [0.3, 'count', 0.5],
    [3, 'count', 5],
    [2.2, 'count', 2.5],
    [2.2, 'integer', 2],
    [0.4, 'integer', 1],
    [380, 'count', 500],
    [12_345, 'count', 20_000],
    [350, 'duration', 500],
    [1_400, 'duration', 2_000],
    [40_000, 'duration', 60_000],
    [700_000, 'duration', 900_000],
    [0, 'count', 1],
  ])('niceStep(%s, %s) = %s', (raw, kind, step) => {
    expect(charts.niceStep(raw, kind)).toBe(step);
  });

  it('ticks the y axis from zero to a round value at or above the maximum', () => {
    expect(charts.yTicks(1_159.9, 'count')).toEqual([0, 500, 1_000, 1_500]);
    expect(charts.yTicks(6_900, 'duration')).toEqual([0, 2_000, 4_000, 6_000, 8_000]);
    expect(charts.yTicks(2, 'integer')).toEqual([0, 1, 2]);
    expect(charts.yTicks(0, 'count')).toEqual([0, 0.25, 0.5, 0.75, 1]);
  });

  it('ticks the time axis at round steps within the span', () => {
    const from = Date.UTC(2026, 0, 1, 12, 0, 3);
    expect(charts.timeTicks(from, from + 60_000)).toEqual({ step: 10_000, ticks: [10, 20, 30, 40, 50, 60].map((s) => Date.UTC(2026, 0, 1, 12, 0, s)) });
    expect(charts.timeTicks(from, from + 600_000).step).toBe(120_000);
  });

  it('breaks lines at missing values and at gaps longer than gapMs', () => {
    const s = (timeMs: number, v: number | null): Sample => ({ timeMs, v });
    const runs = charts.runsOf([s(0, 1), s(1_000, 2), s(2_000, null), s(3_000, 4), s(10_000, 5), s(11_000, 6)], 'v', 3_500);
    expect(runs.map((run) => run.map((x) => x['v']))).toEqual([[1, 2], [4], [5, 6]]);
  });
});

describe('dashboard formatting', () => {
  it.each<[number | null, string, string]>([
    [998, '998 ms', '998ms'],
    [1_234, '1.2 s', '1.2s'],
    [65_000, '1m 05s', '1.1m'],
    [7_800_000, '2h 10m', '2.2h'],
    [-1_500, '−1.5 s', '-1.5s'],
    [null, '—', '—'],
  ])('%s ms reads %s (axis %s)', (ms, long, short) => {
    expect(format.fmtDuration(ms)).toBe(long);
    expect(format.fmtDurationShort(ms)).toBe(short);
  });

  it('shows windows as UTC times of day, with the date when not today', () => {
    const start = Date.UTC(2026, 0, 1, 12, 1);
    expect(format.fmtWindow(start, start + 60_000, Date.UTC(2026, 0, 1, 18))).toBe('[12:01:00 → 12:02:00)');
    expect(format.fmtWindow(start, start + 60_000, Date.UTC(2026, 0, 2, 0, 5))).toBe('[2026-01-01 12:01:00 → 2026-01-01 12:02:00)');
    expect(format.fmtClock(start + 250, true)).toBe('12:01:00.250');
    expect(format.fmtCompact(1_500)).toBe('1.5K');
  });
});

describe('dashboard history', () => {
  it('keeps the newest items of a full ring buffer, oldest first', () => {
    const ring = new history.RingBuffer(3);
    for (const n of [1, 2, 3, 4, 5]) ring.push(n);
    expect(ring.toArray()).toEqual([3, 4, 5]);
    ring.dropWhile((x) => (x as number) < 5);
    expect([ring.size, ring.toArray()]).toEqual([1, [5]]);
    expect(() => new history.RingBuffer(0)).toThrow(/positive integer/);
  });

  it('keeps the samples of the last span and starts over when the clock steps back', () => {
    const h = new history.History({ spanMs: 10_000, capacity: 100 });
    for (let t = 0; t <= 30_000; t += 1_000) h.add({ timeMs: t });
    expect(h.samples().map((s) => s.timeMs)).toEqual(Array.from({ length: 11 }, (_, i) => 20_000 + i * 1_000));
    h.add({ timeMs: 5_000 });
    expect(h.samples().map((s) => s.timeMs)).toEqual([5_000]);
  });
});

describe('dashboard restore text', () => {
  const store = (name: string, source: 'changelog' | 'source-topic', read: number, total: number) => ({ store: name, topic: source === 'changelog' ? `app-${name}-changelog` : 'prices', partition: 1, source, totalOffsets: total, readOffsets: read, records: read });

  it('says what a task reads, how far, how fast and how long still', () => {
    expect(restoreText.taskRestoreText({
      phase: 'source-topics', totalOffsets: 10_000, readOffsets: 1_200, records: 1_200, offsetsPerSec: 3_400, etaMs: 2_600,
      stores: [store('prices-store', 'source-topic', 1_200, 10_000)],
    })).toBe('table prices-store ← prices · 1.2K / 10K offsets · 3.4K/s · 2.6 s left');
    // Changelogs go without their derived topic names; stores already read are left out.
    expect(restoreText.taskRestoreText({
      phase: 'changelogs', totalOffsets: 200, readOffsets: 150, records: 150, offsetsPerSec: null, etaMs: null,
      stores: [store('a', 'changelog', 100, 100), store('b', 'changelog', 50, 100)],
    })).toBe('changelog b · 150 / 200 offsets');
  });

  it.each<[{ totalOffsets: number; readOffsets: number } | null, number]>([
    [null, 1],
    [{ totalOffsets: 0, readOffsets: 0 }, 1],
    [{ totalOffsets: 400, readOffsets: 100 }, 0.25],
    [{ totalOffsets: 400, readOffsets: 900 }, 1],
  ])('fraction of %j is %d', (progress, fraction) => {
    expect(restoreText.fractionOf(progress)).toBe(fraction);
  });

  it('leaves the time out once nothing is left', () => {
    expect(restoreText.progressText({ totalOffsets: 5, readOffsets: 5, offsetsPerSec: 2, etaMs: 0 })).toBe('5 / 5 offsets · 2/s');
  });
});
