import { describe, expect, it } from 'vitest';
import { defineTopology, joinWindow, serdes, type JoinWindows } from '../../../src/index.ts';
import type { OutputRecord } from '../../../src/kafka/types.ts';
import { TopologyTestDriver } from '../../../src/testing/index.ts';

type Kind = 'join' | 'leftJoin' | 'outerJoin';
const str = { key: serdes.string(), value: serdes.string() };

function topology(kind: Kind, windows: JoinWindows) {
  return defineTopology({ applicationId: 'j' }, (t) => {
    const left = t.stream('left', str);
    const right = t.stream('right', str);
    const joined =
      kind === 'join'
        ? left.join(right, (l, r, k) => `${k}:${l}+${r}`, windows, { name: 'j', lateTopic: 'late' })
        : kind === 'leftJoin'
          ? left.leftJoin(right, (l, r, k) => `${k}:${l}+${r ?? '-'}`, windows, { name: 'j', lateTopic: 'late' })
          : left.outerJoin(right, (l, r, k) => `${k}:${l ?? '-'}+${r ?? '-'}`, windows, { name: 'j', lateTopic: 'late' });
    joined.to('out', str);
  });
}

/** A driver and helpers: `l('k', 'a', 100)` pipes a left record; `out()` reads "value@time" since the last read. */
function setup(kind: Kind, windows: JoinWindows, changelog?: readonly OutputRecord[]) {
  const driver = new TopologyTestDriver(topology(kind, windows), changelog === undefined ? {} : { changelog });
  const left = driver.input<string, string>('left');
  const right = driver.input<string, string>('right');
  return {
    driver,
    l: (key: string, value: string, timestampMs: number) => left.pipe(key, value, { timestampMs }),
    r: (key: string, value: string, timestampMs: number) => right.pipe(key, value, { timestampMs }),
    out: () => driver.readOutput<string, string>('out').map((o) => `${o.value}@${o.timestampMs}`),
  };
}

const w10 = joinWindow(10);

describe('stream-stream inner join', () => {
  it('joins in both arrival orders, at the later of the two times', () => {
    const a = setup('join', w10);
    a.l('k', 'a', 100);
    a.r('k', 'b', 105);
    expect(a.out()).toEqual(['k:a+b@105']);
    const b = setup('join', w10);
    b.r('k', 'b', 105);
    b.l('k', 'a', 100);
    expect(b.out()).toEqual(['k:a+b@105']);
  });

  it('joins only equal keys', () => {
    const a = setup('join', w10);
    a.l('k', 'a', 100);
    a.r('other', 'b', 100);
    expect(a.out()).toEqual([]);
  });

  it('includes records exactly at the window edges and excludes one millisecond beyond', () => {
    const a = setup('join', w10);
    a.l('k', 'a', 100);
    for (const t of [89, 90, 110, 111]) a.r('k', `r${t}`, t);
    expect(a.out()).toEqual(['k:a+r90@100', 'k:a+r110@110']);
    // The other arrival order: right records first, then the left one probes them.
    const b = setup('join', w10);
    for (const t of [89, 90, 110, 111]) b.r('k', `r${t}`, t);
    b.l('k', 'a', 100);
    expect(b.out()).toEqual(['k:a+r90@100', 'k:a+r110@110']);
  });

  it('asymmetric windows: a left record at t joins right records in [t - before, t + after]', () => {
    const windows = joinWindow(0).before(5).after(10);
    const a = setup('join', windows);
    a.l('k', 'a', 100);
    for (const t of [94, 95, 110, 111]) a.r('k', `r${t}`, t);
    expect(a.out()).toEqual(['k:a+r95@100', 'k:a+r110@110']);
    // Seen from the right: a right record at t joins left records in [t - after, t + before].
    const b = setup('join', windows);
    b.r('k', 'b', 100);
    for (const t of [89, 90, 105, 106]) b.l('k', `l${t}`, t);
    expect(b.out()).toEqual(['k:l90+b@100', 'k:l105+b@105']);
  });

  it('joins duplicates many-to-many', () => {
    const a = setup('join', w10);
    a.l('k', 'a1', 100);
    a.l('k', 'a2', 100);
    a.r('k', 'b1', 100);
    a.r('k', 'b2', 105);
    a.l('k', 'a3', 101);
    expect(a.out().sort()).toEqual(
      ['k:a1+b1@100', 'k:a2+b1@100', 'k:a1+b2@105', 'k:a2+b2@105', 'k:a3+b1@101', 'k:a3+b2@105'].sort(),
    );
  });

  it('drops buffered records once their window closed, with tombstones', () => {
    const a = setup('join', w10);
    a.l('k', 'a', 100);
    a.r('k', 'b', 100);
    expect(a.driver.windowStore('j-left-store').size()).toBe(1);
    a.l('z', 'x', 200);
    a.r('z', 'y', 200); // watermark 200 > 100 + 10: both k records expire
    expect(a.driver.windowStore('j-left-store').size()).toBe(1);
    expect(a.driver.windowStore('j-right-store').size()).toBe(1);
    const tombstones = a.driver.rawOutput('j-j-left-store-changelog').filter((r) => r.value === null);
    expect(tombstones).toHaveLength(1);
  });
});

describe('stream-stream left and outer joins', () => {
  /** Moves the watermark (min over both inputs) to `t` with records of a key that joins nothing. */
  const advance = (s: ReturnType<typeof setup>, t: number) => {
    s.l(`tick-l${t}`, 'x', t);
    s.r(`tick-r${t}`, 'y', t);
  };
  const real = (out: string[]) => out.filter((o) => !o.startsWith('tick'));

  it('emits an unmatched left record once, when the watermark passes its time + after + grace', () => {
    const s = setup('leftJoin', joinWindow(10).grace(5));
    s.l('k', 'a', 100);
    advance(s, 115); // 115 = 100 + 10 + 5: not past yet
    expect(real(s.out())).toEqual([]);
    advance(s, 116);
    expect(real(s.out())).toEqual(['k:a+-@100']);
    advance(s, 200);
    advance(s, 300);
    expect(real(s.out())).toEqual([]);
    expect(s.driver.windowStore('j-outer-store').entries().filter((e) => !JSON.stringify(e.key).includes('tick'))).toEqual([]);
  });

  it('never emits a left record as unmatched when it matched, in either arrival order', () => {
    const s = setup('leftJoin', w10);
    s.l('k', 'a', 100);
    s.r('k', 'b', 108); // matches after a was kept as not yet matched
    s.r('m', 'c', 100);
    s.l('m', 'd', 100); // matches on arrival
    advance(s, 300);
    expect(real(s.out())).toEqual(['k:a+b@108', 'm:d+c@100']);
  });

  it('a right record never comes out alone from a left join', () => {
    const s = setup('leftJoin', w10);
    s.r('k', 'b', 100);
    advance(s, 300);
    expect(real(s.out())).toEqual([]);
  });

  it('outer join emits unmatched records of both sides, and pairs', () => {
    const s = setup('outerJoin', joinWindow(0).before(5).after(10));
    s.l('a', 'l1', 100); // unmatched: closes at wm > 110
    s.r('b', 'r1', 100); // unmatched: a right record's window ends at t + before, closes at wm > 105
    s.l('c', 'l2', 100);
    s.r('c', 'r2', 104);
    advance(s, 106);
    expect(real(s.out())).toEqual(['c:l2+r2@104', 'b:-+r1@100']);
    advance(s, 111);
    expect(real(s.out())).toEqual(['a:l1+-@100']);
    advance(s, 300);
    expect(real(s.out())).toEqual([]);
  });

  it('duplicates: every pair once, and unmatched duplicates each once', () => {
    const s = setup('leftJoin', w10);
    s.l('k', 'a1', 100);
    s.l('k', 'a2', 100);
    s.l('u', 'x1', 100);
    s.l('u', 'x2', 100);
    s.r('k', 'b1', 105);
    s.r('k', 'b2', 110);
    advance(s, 300);
    expect(real(s.out())).toEqual(['k:a1+b1@105', 'k:a2+b1@105', 'k:a1+b2@110', 'k:a2+b2@110', 'u:x1+-@100', 'u:x2+-@100']);
  });
});

describe('stream-stream join: late records', () => {
  it('reports records beyond grace as late (counted, late topic) and they join nothing', () => {
    const s = setup('leftJoin', joinWindow(100).grace(20));
    s.l('k', 'a', 300);
    s.r('z', 'y', 300); // watermark 300
    s.r('k', 'ok', 280); // 300 <= 280 + 20: within grace, joins
    s.r('k', 'late', 279); // 300 > 279 + 20: late
    s.l('k', 'late', 200);
    expect(s.out()).toEqual(['k:a+ok@300']);
    expect(s.driver.lateRecords()).toBe(2);
    const late = s.driver.readOutput('late', { key: serdes.json<string>(), value: serdes.json<string>() });
    expect(late.map((r) => [r.key, r.value, r.headers['sluice.late.operator'], r.headers['sluice.late.watermark']])).toEqual([
      ['k', 'late', 'j-right', '300'],
      ['k', 'late', 'j-left', '300'],
    ]);
    // A late left record is not emitted as unmatched either.
    s.l('z2', 'x', 1000);
    s.r('z2', 'y', 1000);
    expect(s.out()).toEqual(['z2:x+y@1000']);
  });
});

describe('stream-stream join: rebuilt from the changelog', () => {
  it('a left record buffered before the rebuild matches after it, and is not emitted as unmatched', () => {
    const first = setup('leftJoin', w10);
    first.l('k', 'a', 100);
    first.l('u', 'lonely', 100);
    first.r('z', 'y', 100);
    expect(first.out()).toEqual([]);
    const second = setup('leftJoin', w10, first.driver.changelogRecords());
    expect(second.driver.watermark('0_0')).toBe(100);
    second.r('k', 'b', 105);
    second.l('end', 'x', 500);
    second.r('end', 'y', 500);
    expect(second.out()).toEqual(['k:a+b@105', 'end:x+y@500', 'u:lonely+-@100']);
  });

  it('a side that has no records left after the rebuild still lets the watermark move (per-input time is checkpointed)', () => {
    const first = setup('leftJoin', w10);
    first.l('k', 'a', 100);
    first.l('u', 'lonely', 100);
    first.l('end', 'x', 500); // the left side is done; nothing came from the right yet
    expect(first.driver.watermark('0_0')).toBe(Number.MIN_SAFE_INTEGER);
    const second = setup('leftJoin', w10, first.driver.changelogRecords());
    second.r('k', 'b', 105);
    second.r('end2', 'y', 500);
    expect(second.driver.watermark('0_0')).toBe(500);
    expect(second.out()).toEqual(['k:a+b@105', 'u:lonely+-@100']);
  });

  it('an unmatched record emitted before the rebuild is not emitted again; one pending is emitted once', () => {
    const first = setup('outerJoin', w10);
    first.l('a', 'early', 100);
    first.l('b', 'later', 150);
    first.r('t', 'tick', 150); // watermark 150: a closes (150 > 110), b does not
    expect(first.out()).toEqual(['a:early+-@100']);
    const second = setup('outerJoin', w10, first.driver.changelogRecords());
    second.l('t2', 'x', 400);
    second.r('t2', 'y', 400);
    expect(second.out()).toEqual(['t2:x+y@400', 'b:later+-@150', 't:-+tick@150']);
  });
});

describe('stream-stream join: a joiner that throws', () => {
  it('sends the record to the error policy and leaves the stores as they were', () => {
    const topology = defineTopology({ applicationId: 'j', onError: 'skip' }, (t) => {
      t.stream('left', str)
        .join(t.stream('right', str), (l, r) => {
          if (r === 'bad') throw new Error('cannot join');
          return `${l}+${r}`;
        }, w10, { name: 'j' })
        .to('out', str);
    });
    const driver = new TopologyTestDriver(topology);
    driver.input<string, string>('left').pipe('k', 'a', { timestampMs: 100 });
    driver.input<string, string>('right').pipe('k', 'bad', { timestampMs: 100 });
    expect(driver.windowStore('j-right-store').size()).toBe(0);
    driver.input<string, string>('right').pipe('k', 'good', { timestampMs: 101 });
    expect(driver.readOutput<string, string>('out').map((o) => o.value)).toEqual(['a+good']);
  });
});

describe('stream-stream join of a stream with itself', () => {
  it('joins every pair of records within the window, each record with itself too', () => {
    const topology = defineTopology({ applicationId: 'self' }, (t) => {
      const s = t.stream('events', str);
      s.join(s, (l, r) => `${l}+${r}`, w10, { name: 'self' }).to('out', str);
    });
    const driver = new TopologyTestDriver(topology);
    driver.input<string, string>('events').pipe('k', 'x', { timestampMs: 100 });
    driver.input<string, string>('events').pipe('k', 'y', { timestampMs: 105 });
    expect(driver.readOutput<string, string>('out').map((o) => o.value)).toEqual(['x+x', 'y+x', 'x+y', 'y+y']);
  });
});
