import { TopologyError } from '../errors/index.ts';
import { formatDuration, parseDuration, type Duration } from '../time/duration.ts';
import type { Window } from './windowed.ts';

/**
 * Window definitions are pure, immutable, validated values (like Kafka Streams' TimeWindows): they say which
 * windows exist; the aggregate processors in this folder execute them. Grace defaults to 0 (Kafka Streams'
 * `ofSizeWithNoGrace`); `.grace(d)` returns a new value. A window closes when watermark >= endMs + grace
 * (sessions: endMs + gap + grace, see session-aggregate.ts).
 */

/** First window start (aligned to the epoch, never negative) of the windows that contain `timestampMs`. */
export function firstWindowStartMs(timestampMs: number, sizeMs: number, advanceMs: number): number {
  return Math.floor(Math.max(0, timestampMs - sizeMs + advanceMs) / advanceMs) * advanceMs;
}

/** Tumbling (advance = size) or hopping (advance < size) windows of fixed size, aligned to the epoch. */
export class TimeWindows {
  readonly kind: 'tumbling' | 'hopping';

  private constructor(
    readonly sizeMs: number,
    readonly advanceMs: number,
    readonly graceMs: number,
  ) {
    this.kind = advanceMs === sizeMs ? 'tumbling' : 'hopping';
    Object.freeze(this);
  }

  /** @internal use `tumbling()` / `hopping()`. */
  static create(size: Duration, advance: Duration | undefined, kind: string): TimeWindows {
    const sizeMs = positive(size, `${kind} window size`);
    const advanceMs = advance === undefined ? sizeMs : positive(advance, `${kind} window advance`);
    if (advanceMs > sizeMs) {
      throw new TopologyError(`${kind} window advance "${String(advance)}" must not exceed the window size "${String(size)}"`);
    }
    return new TimeWindows(sizeMs, advanceMs, 0);
  }

  grace(grace: Duration): TimeWindows {
    return new TimeWindows(this.sizeMs, this.advanceMs, parseDuration(grace, `${this.kind} window grace`));
  }

  /**
   * Every window containing `timestampMs`, by ascending start. Like Kafka Streams: starts are multiples of the
   * advance, and no window starts before 0 (so a negative timestamp has no window).
   */
  windowsFor(timestampMs: number): Window[] {
    const windows: Window[] = [];
    for (let startMs = firstWindowStartMs(timestampMs, this.sizeMs, this.advanceMs); startMs <= timestampMs; startMs += this.advanceMs) {
      windows.push({ startMs, endMs: startMs + this.sizeMs });
    }
    return windows;
  }

  toString(): string {
    const advance = this.kind === 'hopping' ? `, advance ${formatDuration(this.advanceMs)}` : '';
    return `${this.kind}(${formatDuration(this.sizeMs)}${advance}, grace ${formatDuration(this.graceMs)})`;
  }
}

/**
 * Kafka Streams SlidingWindows (`timeDifference` = size): windows are defined by record timestamps; each record
 * at t has the window holding [t - size, t] (both inclusive, i.e. `{ startMs: t - size, endMs: t + 1 }`), and a
 * "right" window starting at t + 1 when a later record falls within size + 1 of it. Records before `size`
 * share the window [0, size]. See sliding-aggregate.ts.
 */
export class SlidingWindows {
  readonly kind = 'sliding';

  private constructor(
    readonly sizeMs: number,
    readonly graceMs: number,
  ) {
    Object.freeze(this);
  }

  /** @internal use `sliding()`. */
  static create(size: Duration): SlidingWindows {
    return new SlidingWindows(positive(size, 'sliding window size'), 0);
  }

  grace(grace: Duration): SlidingWindows {
    return new SlidingWindows(this.sizeMs, parseDuration(grace, 'sliding window grace'));
  }

  toString(): string {
    return `sliding(${formatDuration(this.sizeMs)}, grace ${formatDuration(this.graceMs)})`;
  }
}

/**
 * Kafka Streams SessionWindows: records of a key at most `gap` apart (inclusive) belong to one session; a record
 * that bridges two sessions merges them.
 */
export class SessionWindows {
  readonly kind = 'session';

  private constructor(
    readonly gapMs: number,
    readonly graceMs: number,
  ) {
    Object.freeze(this);
  }

  /** @internal use `session()`. */
  static create(gap: Duration): SessionWindows {
    return new SessionWindows(positive(gap, 'session window gap'), 0);
  }

  grace(grace: Duration): SessionWindows {
    return new SessionWindows(this.gapMs, parseDuration(grace, 'session window grace'));
  }

  toString(): string {
    return `session(gap ${formatDuration(this.gapMs)}, grace ${formatDuration(this.graceMs)})`;
  }
}

export type WindowDefinition = TimeWindows | SlidingWindows | SessionWindows;

/** Fixed, non-overlapping windows: `tumbling('1m')`. */
export function tumbling(size: Duration): TimeWindows {
  return TimeWindows.create(size, undefined, 'tumbling');
}

/** Fixed, overlapping windows: `hopping('5m', { advance: '1m' })`; a record belongs to size/advance windows. */
export function hopping(size: Duration, options: { readonly advance: Duration }): TimeWindows {
  // Checked at run time too: from plain JS, `hopping('5m', '1m')` would otherwise build tumbling windows silently.
  const advance = typeof options === 'object' && options !== null ? (options as { advance?: unknown }).advance : undefined;
  if (advance === undefined) {
    throw new TopologyError(`hopping(${JSON.stringify(size)}, ...) needs its advance as an option, e.g. hopping('5m', { advance: '1m' }); got ${JSON.stringify(options) ?? String(options)}`);
  }
  return TimeWindows.create(size, advance as Duration, 'hopping');
}

/** Kafka Streams sliding windows with time difference `size`: `sliding('10s')`. */
export function sliding(size: Duration): SlidingWindows {
  return SlidingWindows.create(size);
}

/** Session windows closed by `gap` of inactivity: `session({ gap: '30m' })`. */
export function session(options: { readonly gap: Duration }): SessionWindows {
  return SessionWindows.create(options.gap);
}

/**
 * How far apart in event time two records of a stream–stream join may be (Kafka Streams' JoinWindows): a left
 * record at tL joins a right record at tR when tL − before <= tR <= tL + after (both inclusive). `joinWindow(d)`
 * sets before = after = d, i.e. |tL − tR| <= d; `.before()` / `.after()` make it asymmetric. Grace (default 0)
 * is how far behind the watermark a record may arrive and still join. A pure, immutable value: every method
 * returns a new one.
 */
export class JoinWindows {
  readonly kind = 'join';

  private constructor(
    readonly beforeMs: number,
    readonly afterMs: number,
    readonly graceMs: number,
  ) {
    Object.freeze(this);
  }

  /** @internal use `joinWindow()`. */
  static create(timeDifference: Duration): JoinWindows {
    const ms = parseDuration(timeDifference, 'join window size');
    return new JoinWindows(ms, ms, 0);
  }

  /** How much earlier than a left record a right record may be. */
  before(timeDifference: Duration): JoinWindows {
    return new JoinWindows(parseDuration(timeDifference, 'join window before'), this.afterMs, this.graceMs);
  }

  /** How much later than a left record a right record may be. */
  after(timeDifference: Duration): JoinWindows {
    return new JoinWindows(this.beforeMs, parseDuration(timeDifference, 'join window after'), this.graceMs);
  }

  grace(grace: Duration): JoinWindows {
    return new JoinWindows(this.beforeMs, this.afterMs, parseDuration(grace, 'join window grace'));
  }

  toString(): string {
    return `join(before ${formatDuration(this.beforeMs)}, after ${formatDuration(this.afterMs)}, grace ${formatDuration(this.graceMs)})`;
  }
}

/** The window of a stream–stream join: records at most `timeDifference` apart join, `joinWindow('10m').grace('1m')`. */
export function joinWindow(timeDifference: Duration): JoinWindows {
  return JoinWindows.create(timeDifference);
}

function positive(input: Duration, what: string): number {
  const ms = parseDuration(input, what);
  if (ms <= 0) throw new TopologyError(`${what} "${String(input)}" must be greater than 0`);
  return ms;
}
