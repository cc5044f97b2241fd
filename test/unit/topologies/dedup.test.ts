import { describe, expect, it } from 'vitest';
import dedup, { DEDUP_WINDOW_MS, seenIds, type Event } from '../../../topologies/dedup.ts';
import { TopologyTestDriver } from '../../../src/testing/index.ts';
import { describePlan, formatDescription } from '../../../src/planner/describe.ts';
import { plan } from '../../../src/planner/plan.ts';

const MIN = 60_000;
const HOUR = DEDUP_WINDOW_MS;

function ev(id: string, ts: number, n = 0): Event {
  return { id, ts, n };
}

describe('topologies/dedup.ts', () => {
  it('keeps the first copy of an id and drops copies within the hour, across partitions', () => {
    const driver = new TopologyTestDriver(dedup, { partitions: 3 });
    const input = driver.input<string | null, Event>('events');
    input.pipe('a', ev('x', 0, 1));
    input.pipe('b', ev('y', 1 * MIN, 2));
    input.pipe('c', ev('x', 10 * MIN, 3)); // duplicate, other source key
    input.pipe(null, ev('y', 59 * MIN, 4)); // duplicate, 58 minutes later
    input.pipe('a', ev('z', 30 * MIN, 5));
    const out = driver.readOutput<string, Event>('unique-events');
    expect(out.map((r) => [r.key, r.value.n])).toEqual([['x', 1], ['y', 2], ['z', 5]]);
    expect(driver.store(seenIds).get('x')).toBe(0);
    expect(driver.store(seenIds).size()).toBe(3);
  });

  it('forgets an id once the watermark is an hour past it: the timer empties the store, the id is kept again', () => {
    const driver = new TopologyTestDriver(dedup);
    const input = driver.input<string | null, Event>('events');
    input.pipe('k', ev('x', 0, 1));
    input.pipe('k', ev('other', HOUR - 1, 2));
    // Watermark = HOUR - 1 - 10 s: x's timer (at HOUR) has not fired; x is still known.
    expect(driver.store(seenIds).get('x')).toBe(0);
    input.pipe('k', ev('x', HOUR - 2, 3));
    input.pipe('k', ev('late-mover', HOUR + 10_000, 4));
    // Watermark = HOUR: the timer fired and removed x.
    expect(driver.store(seenIds).get('x')).toBeUndefined();
    expect([...driver.store(seenIds).entries()].map(([id]) => id).sort()).toEqual(['late-mover', 'other']);
    input.pipe('k', ev('x', HOUR + 20_000, 5));
    expect(driver.readOutput<string, Event>('unique-events').map((r) => r.value.n)).toEqual([1, 2, 4, 5]);
    // The store's changelog holds the tombstone of the forgotten id, so a restored store forgets it too.
    const changelog = driver.rawOutput('dedup-events-dedup-seen-ids-changelog');
    expect(changelog.some((r) => r.key?.toString() === 'x' && r.value === null)).toBe(true);
  });

  it('keeps a copy that arrives after the hour, and the older timer does not forget it early', () => {
    const driver = new TopologyTestDriver(dedup);
    const input = driver.input<string | null, Event>('events');
    input.pipe('k', ev('x', 0, 1));
    input.pipe('k', ev('x', HOUR + 5 * MIN, 2)); // after the hour: kept; its batch also fires x's first timer
    expect(driver.store(seenIds).get('x')).toBe(HOUR + 5 * MIN);
    input.pipe('k', ev('x', HOUR + 6 * MIN, 3)); // a copy of the second: dropped
    expect(driver.readOutput<string, Event>('unique-events').map((r) => r.value.n)).toEqual([1, 2]);
  });

  it('lists its stores and their changelogs in describe', () => {
    const text = formatDescription(describePlan(plan(dedup)));
    expect(text).toContain('stores dedup-seen-ids (key-value, dedup) -> dedup-events-dedup-seen-ids-changelog');
    expect(text).toContain('dedup-timers (key-value, dedup) -> dedup-events-dedup-timers-changelog');
    expect(describePlan(plan(dedup)).subtopologies[1]?.storeChangelogs).toEqual([
      { name: 'dedup-seen-ids', kind: 'key-value', operator: 'dedup', changelogTopic: 'dedup-events-dedup-seen-ids-changelog', changelogIsSource: false },
      { name: 'dedup-timers', kind: 'key-value', operator: 'dedup', changelogTopic: 'dedup-events-dedup-timers-changelog', changelogIsSource: false },
    ]);
  });
});
