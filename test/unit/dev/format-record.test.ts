import { describe, expect, it } from 'vitest';
import { formatRecord, formatTime, formatValue, formatWindow, isWindowedKey } from '../../../src/dev/format-record.ts';

const T = Date.UTC(2026, 11, 1, 12, 1, 0); // 12:01:00 UTC

describe('dev console record format', () => {
  it.each([
    ['a windowed count', { key: { key: '/products', startMs: T, endMs: T + 60_000 }, value: { value: 7, final: true } }, '/products  [12:01:00 → 12:02:00)  7'],
    ['an intermediate result', { key: { key: '/cart', startMs: T, endMs: T + 10_000 }, value: { value: 3, final: false } }, '/cart  [12:01:00 → 12:01:10)  3 (update)'],
    ['a session window (ms bounds)', { key: { key: 'u1', startMs: T + 250, endMs: T + 4_001 }, value: { value: 2, final: true } }, 'u1  [12:01:00.250 → 12:01:04.001)  2'],
    ['an object aggregate', { key: { key: 'c', startMs: T, endMs: T + 60_000 }, value: { value: { orders: 2, cents: 900 }, final: true } }, 'c  [12:01:00 → 12:02:00)  {"orders":2,"cents":900}'],
    ['a plain record', { key: 'user-1', value: { path: '/', ts: 5 } }, 'user-1  {"path":"/","ts":5}'],
    ['a null key', { key: null, value: 'x' }, 'null  x'],
    ['a tombstone', { key: 'k', value: null }, 'k  null (tombstone)'],
    ['a number key in a window', { key: { key: 42, startMs: T, endMs: T + 1000 }, value: 1 }, '42  [12:01:00 → 12:01:01)  1'],
  ])('%s', (_, record, line) => {
    expect(formatRecord(record, { timeZone: 'utc' })).toBe(line);
  });

  it('pads the key column and prefixes the topic when asked', () => {
    const line = formatRecord({ key: { key: '/', startMs: T, endMs: T + 10_000 }, value: { value: 1, final: true } }, { timeZone: 'utc', keyWidth: 6, topic: 'views' });
    expect(line).toBe('views  /       [12:01:00 → 12:01:10)  1');
  });

  it('keeps one record on one line and long values short', () => {
    expect(formatValue('a\nb\tc')).toBe('a\\u000ab\\u0009c');
    const long = formatValue('x'.repeat(500));
    expect(long).toHaveLength(200);
    expect(long.endsWith('…')).toBe(true);
    expect(formatValue(Buffer.from([1, 2, 3]))).toBe('<3 bytes>');
    expect(formatValue(10n)).toBe('10');
  });

  it('recognises windowed keys by shape', () => {
    expect(isWindowedKey({ key: 'a', startMs: 0, endMs: 1 })).toBe(true);
    expect(isWindowedKey({ key: 'a', startMs: '0', endMs: 1 })).toBe(false);
    expect(isWindowedKey({ startMs: 0, endMs: 1 })).toBe(false);
    expect(isWindowedKey('a')).toBe(false);
    expect(isWindowedKey(null)).toBe(false);
  });

  it('formats times in the machine time zone by default', () => {
    const local = new Date(2026, 0, 2, 3, 4, 5);
    expect(formatTime(local.getTime())).toBe('03:04:05');
    expect(formatWindow(local.getTime(), local.getTime() + 1500)).toBe('[03:04:05 → 03:04:06.500)');
  });
});
