import { describe, expect, it } from 'vitest';
import { defineTopology, ProcessingError, serdes, type StreamProcessor, type StreamProcessorContext } from '../../../src/index.ts';
import { TopologyTestDriver } from '../../../src/testing/index.ts';

const str = serdes.string();
const num = serdes.json<number>();

/** Forwards ('tick', t) for every firing of a periodic timer of `domain` scheduled in init. */
function periodic(domain: 'event-time' | 'wall-clock', intervalMs: number) {
  return defineTopology({ applicationId: `periodic-${domain}` }, (t) => {
    t.stream('in', { key: str, value: num, timestamp: (v) => v })
      .process((): StreamProcessor<string, number, string, number> => {
        return {
          init(context) {
            context.schedule(domain, intervalMs, (timestampMs) => context.forward({ key: 'tick', value: timestampMs }));
          },
          process() {},
        };
      }, { name: 'ticker' })
      .to('ticks', { key: str, value: num });
  });
}

function ticks(driver: TopologyTestDriver): number[] {
  return driver.readOutput<string, number>('ticks').map((r) => r.value);
}

describe('periodic event-time timers', () => {
  it('fire once per interval boundary as the watermark passes it; a jump across several fires once, with the last', () => {
    const driver = new TopologyTestDriver(periodic('event-time', 1000));
    const input = driver.input<string, number>('in');
    const steps: [eventTimeMs: number, fired: number[]][] = [
      [500, [0]], // the first advance fires (as a punctuator fires on the first record)
      [900, []],
      [1000, [1000]], // reaching the boundary fires it
      [1500, []],
      [1400, []], // out of order: the watermark does not move
      [4700, [4000]], // 2000, 3000 and 4000 passed at once: one firing, at 4000
      [4999, []],
      [5000, [5000]],
    ];
    for (const [ts, fired] of steps) {
      input.pipe('k', ts);
      expect(ticks(driver), `after a record at ${ts}`).toEqual(fired);
    }
  });

  it('forwards carry the boundary as their timestamp and go out in the same commit', () => {
    const driver = new TopologyTestDriver(periodic('event-time', 1000));
    driver.input<string, number>('in').pipe('k', 2500);
    expect(driver.readOutput<string, number>('ticks').map((r) => r.timestampMs)).toEqual([2000]);
  });

  it('do not fire again for the boundaries a rebuilt task already passed', () => {
    const first = new TopologyTestDriver(periodic('event-time', 1000));
    first.input<string, number>('in').pipe('k', 1200);
    first.input<string, number>('in').pipe('k', 2300);
    expect(ticks(first)).toEqual([1000, 2000]);
    const rebuilt = new TopologyTestDriver(periodic('event-time', 1000), { changelog: first.changelogRecords() });
    expect(rebuilt.watermark('0_0')).toBe(2300);
    const input = rebuilt.input<string, number>('in');
    input.pipe('k', 2400);
    expect(ticks(rebuilt)).toEqual([]);
    input.pipe('k', 3000);
    expect(ticks(rebuilt)).toEqual([3000]);
  });
});

describe('wall-clock timers', () => {
  it('fire through advanceWallClock once the interval passed, once per advance however late', () => {
    const driver = new TopologyTestDriver(periodic('wall-clock', 1000), { wallClockMs: 10_000 });
    driver.advanceWallClock(999);
    expect(ticks(driver)).toEqual([]);
    driver.advanceWallClock(1);
    expect(ticks(driver)).toEqual([11_000]);
    driver.advanceWallClock(3500); // 14_500: three intervals late, one firing; the next is due at 15_500
    expect(ticks(driver)).toEqual([14_500]);
    driver.advanceWallClock(900);
    expect(ticks(driver)).toEqual([]);
    driver.advanceWallClock(100);
    expect(ticks(driver)).toEqual([15_500]);
  });

  it('do not fire from records, only from the clock', () => {
    const driver = new TopologyTestDriver(periodic('wall-clock', 1000));
    const input = driver.input<string, number>('in');
    for (let ts = 0; ts <= 10_000; ts += 1000) input.pipe('k', ts);
    expect(ticks(driver)).toEqual([]);
  });

  it('stop when cancelled, from their own callback', () => {
    const topology = defineTopology({ applicationId: 'cancel' }, (t) => {
      t.stream('in', { key: str, value: num })
        .process((): StreamProcessor<string, number, string, number> => ({
          init(context) {
            let n = 0;
            const timer = context.schedule('wall-clock', 10, (at) => {
              context.forward({ key: 'tick', value: at });
              if (++n === 2) timer.cancel();
            });
          },
          process() {},
        }))
        .to('ticks', { key: str, value: num });
    });
    const driver = new TopologyTestDriver(topology);
    for (let i = 0; i < 5; i++) driver.advanceWallClock(10);
    expect(ticks(driver)).toEqual([10, 20]);
  });
});

/** Registers a one-shot timer at ts + delay for every record's key; forwards (key, fire time) from onTimer. */
function oneShot(delayMs: number) {
  return defineTopology({ applicationId: 'one-shot' }, (t) => {
    t.stream('in', { key: str, value: num, timestamp: (v) => v })
      .process((): StreamProcessor<string, number, string, number> => {
        let context: StreamProcessorContext<string, string, number>;
        return {
          init(c) {
            context = c;
          },
          process(record) {
            const cancel = /^cancel:(.+)@(\d+)$/.exec(record.key);
            if (cancel !== null) context.timers.cancel(Number(cancel[2]), cancel[1] as string);
            else context.timers.at(record.timestampMs + delayMs, record.key);
          },
          onTimer(timer) {
            context.forward({ key: timer.key, value: timer.timestampMs });
          },
        };
      }, { name: 'delay' })
      .to('fired', { key: str, value: num });
  });
}

function fired(driver: TopologyTestDriver): [string, number][] {
  return driver.readOutput<string, number>('fired').map((r) => [r.key, r.value]);
}

describe('one-shot event-time timers', () => {
  it('fire once each, in time order, when the watermark reaches them; duplicates collapse; cancel removes', () => {
    const driver = new TopologyTestDriver(oneShot(1000));
    const input = driver.input<string, number>('in');
    input.pipe('a', 0); // a@1000
    input.pipe('b', 100); // b@1100
    input.pipe('a', 0); // a@1000 again: one timer
    input.pipe('c', 50); // c@1050
    input.pipe('cancel:c@1050', 60);
    expect(driver.store<readonly [number, string], 1>('delay-timers').size()).toBe(2);
    input.pipe('x', 1100); // watermark 1100: a@1000 and b@1100 fire; c was cancelled
    expect(fired(driver)).toEqual([['a', 1000], ['b', 1100]]);
    input.pipe('y', 5000);
    expect(fired(driver)).toEqual([['x', 2100]]);
    // Forwards from onTimer carry the timer's time.
    input.pipe('z', 10_000);
    expect(driver.readOutput<string, number>('fired').map((r) => r.timestampMs)).toEqual([6000]);
  });

  it('survive a rebuild from the changelog: each fires exactly once, not twice and not never', () => {
    const first = new TopologyTestDriver(oneShot(1000));
    const input = first.input<string, number>('in');
    input.pipe('a', 0); // a@1000
    input.pipe('b', 500); // b@1500
    input.pipe('c', 1200); // c@2200; the watermark 1200 fires a
    expect(fired(first)).toEqual([['a', 1000]]);

    // A task built from what the first one committed, as the runtime rebuilds a failed or moved task.
    const rebuilt = new TopologyTestDriver(oneShot(1000), { changelog: first.changelogRecords() });
    expect(rebuilt.store<readonly [number, string], 1>('delay-timers').entries().map(([k]) => k)).toEqual([[1500, 'b'], [2200, 'c']]);
    const again = rebuilt.input<string, number>('in');
    again.pipe('d', 1600); // watermark 1600: b fires, a does not fire again
    expect(fired(rebuilt)).toEqual([['b', 1500]]);
    again.pipe('e', 3000); // watermark 3000: c and d
    expect(fired(rebuilt)).toEqual([['c', 2200], ['d', 2600]]);

    // And a second rebuild, from the rebuilt task's changelog on top of the first's, fires none of them again.
    const twice = new TopologyTestDriver(oneShot(1000), { changelog: [...first.changelogRecords(), ...rebuilt.changelogRecords()] });
    expect(twice.store<readonly [number, string], 1>('delay-timers').entries().map(([k]) => k)).toEqual([[4000, 'e']]);
    expect(twice.watermark('0_0')).toBe(3000);
    twice.input<string, number>('in').pipe('f', 10_000);
    expect(fired(twice)).toEqual([['e', 4000]]);
  });

  it('a timer registered from onTimer at or below the watermark fires in the same advance', () => {
    const topology = defineTopology({ applicationId: 'chain' }, (t) => {
      t.stream('in', { key: str, value: num, timestamp: (v) => v })
        .process((): StreamProcessor<string, number, string, number> => {
          let context: StreamProcessorContext<string, string, number>;
          return {
            init(c) {
              context = c;
            },
            process(record) {
              context.timers.at(record.timestampMs, record.key);
            },
            onTimer(timer) {
              context.forward({ key: timer.key, value: timer.timestampMs });
              if (timer.timestampMs < 300) context.timers.at(timer.timestampMs + 100, timer.key);
            },
          };
        })
        .to('fired', { key: str, value: num });
    });
    const driver = new TopologyTestDriver(topology);
    driver.input<string, number>('in').pipe('k', 100);
    expect(fired(driver)).toEqual([['k', 100]]);
    driver.input<string, number>('in').pipe('j', 1000);
    expect(fired(driver)).toEqual([['k', 200], ['k', 300], ['j', 1000]]);
  });
});

describe('a timer callback that throws', () => {
  it('stops processing with a ProcessingError naming the processor, not the error policy', () => {
    const topology = defineTopology({ applicationId: 'throws', onError: 'skip' }, (t) => {
      t.stream('in', { key: str, value: num, timestamp: (v) => v })
        .process((): StreamProcessor<string, number, string, number> => {
          let context: StreamProcessorContext<string, string, number>;
          return {
            init: (c) => void (context = c),
            process: (r) => context.timers.at(r.timestampMs + 10, r.key),
            onTimer: () => {
              throw new Error('boom');
            },
          };
        }, { name: 'fragile' })
        .to('out', { key: str, value: num });
    });
    const driver = new TopologyTestDriver(topology);
    driver.input<string, number>('in').pipe('a', 0);
    const error = (() => {
      try {
        driver.input<string, number>('in').pipe('b', 100);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ProcessingError);
    expect((error as Error).message).toBe('processor "fragile": an event-time timer threw: boom');
  });
});
