import { ConfigError } from '../errors/index.ts';
import { NO_WATERMARK } from '../processor/processor.ts';

export interface WatermarkTrackerOptions {
  /** How far behind the highest event time records may still arrive in order: watermark = max − this. */
  readonly maxOutOfOrdernessMs: number;
  /** An input without records for this long (wall clock) is idle. Undefined: inputs are never idle. */
  readonly idleTimeoutMs?: number;
  /**
   * What the watermark does once EVERY input is idle. 'wall-clock' (default): it advances at wall-clock rate
   * from where event time stopped, so windows close when traffic stops. 'hold': it stays where it is.
   */
  readonly whenAllIdle?: 'wall-clock' | 'hold';
}

interface InputState {
  /** Highest event time observed, or undefined before the first record. */
  maxEventTimeMs: number | undefined;
  /** Wall-clock time of the last tick at which this input had records (or of its registration). */
  lastActiveWallMs: number;
  /** A record arrived since the last `advanceIdle` tick. */
  activeSinceTick: boolean;
  idle: boolean;
}

/**
 * The event-time watermark of one task (Flink's bounded out-of-orderness + idleness, adapted so windows close
 * when traffic stops). Inputs are the task's input partitions, keyed by any string id.
 *
 * Rules:
 * 1. An input's watermark is its highest event time − maxOutOfOrderness.
 * 2. The task watermark is the minimum over the inputs that are not idle. An input registered but without a
 *    record yet holds it at NO_WATERMARK until that input becomes idle (a join waits for both sides).
 * 3. An input is idle once `nowMs − lastActive >= idleTimeoutMs` at an `advanceIdle(nowMs)` tick; activity
 *    is sampled at ticks (call `advanceIdle` after every batch), so the granularity is one batch. A record
 *    makes the input active again immediately.
 * 4. When ALL inputs are idle: base = the highest input watermark (no input holds it back any more, and a
 *    restored watermark counts as one); with 'wall-clock' it becomes
 *      base + (nowMs − lastActive − idleTimeoutMs)
 *    where lastActive is the latest wall-clock activity of any input. So after traffic stops at event time E,
 *    a window [s, e) with grace g closes idleTimeout + (e + g − (E − maxOutOfOrderness)) of wall time later.
 *    It uses only wall-clock deltas, so it works for replays whose event time is far from now.
 * 5. The watermark never decreases: records that arrive after a wall-clock advance may be late.
 * Wall-clock time is always passed in; nothing here reads the clock.
 */
export class WatermarkTracker {
  private readonly inputs = new Map<string, InputState>();
  private readonly maxOutOfOrdernessMs: number;
  private readonly idleTimeoutMs: number | undefined;
  private readonly advanceWhenAllIdle: boolean;
  private watermarkMs = NO_WATERMARK;
  private restoredMs = NO_WATERMARK;
  private lastTickMs: number | undefined;
  private dirty = false;

  constructor(options: WatermarkTrackerOptions) {
    if (!(options.maxOutOfOrdernessMs >= 0)) throw new ConfigError(`maxOutOfOrdernessMs must be >= 0, got ${options.maxOutOfOrdernessMs}`);
    if (options.idleTimeoutMs !== undefined && !(options.idleTimeoutMs > 0)) {
      throw new ConfigError(`idleTimeoutMs must be > 0, got ${options.idleTimeoutMs}`);
    }
    this.maxOutOfOrdernessMs = options.maxOutOfOrdernessMs;
    this.idleTimeoutMs = options.idleTimeoutMs;
    this.advanceWhenAllIdle = (options.whenAllIdle ?? 'wall-clock') === 'wall-clock';
  }

  /** Declares an input before its first record (it then holds the watermark back until it is idle). */
  register(input: string, nowMs: number): void {
    if (this.inputs.has(input)) return;
    this.inputs.set(input, { maxEventTimeMs: undefined, lastActiveWallMs: nowMs, activeSinceTick: false, idle: false });
    this.dirty = true;
  }

  /** Forgets an input (partition revoked). */
  unregister(input: string): void {
    if (this.inputs.delete(input)) this.dirty = true;
  }

  /** Per record: O(1), no allocation after an input's first record. */
  observe(input: string, eventTimeMs: number): void {
    let state = this.inputs.get(input);
    if (state === undefined) {
      state = { maxEventTimeMs: undefined, lastActiveWallMs: this.lastTickMs ?? 0, activeSinceTick: true, idle: false };
      this.inputs.set(input, state);
    }
    state.activeSinceTick = true;
    if (state.idle) {
      state.idle = false;
      this.dirty = true;
    }
    if (state.maxEventTimeMs === undefined || eventTimeMs > state.maxEventTimeMs) {
      state.maxEventTimeMs = eventTimeMs;
      this.dirty = true;
    }
  }

  /** The wall-clock tick: call after every batch and periodically when no data arrives. Returns current(). */
  advanceIdle(nowMs: number): number {
    this.lastTickMs = nowMs;
    let allIdle = this.inputs.size > 0;
    let lastActiveWallMs = Number.NEGATIVE_INFINITY;
    for (const state of this.inputs.values()) {
      if (state.activeSinceTick) {
        state.activeSinceTick = false;
        state.lastActiveWallMs = nowMs;
      }
      const idle = this.idleTimeoutMs !== undefined && nowMs - state.lastActiveWallMs >= this.idleTimeoutMs;
      if (idle !== state.idle) {
        state.idle = idle;
        this.dirty = true;
      }
      if (!idle) allIdle = false;
      if (state.lastActiveWallMs > lastActiveWallMs) lastActiveWallMs = state.lastActiveWallMs;
    }
    if (allIdle && this.idleTimeoutMs !== undefined) {
      this.advanceAllIdle(nowMs - lastActiveWallMs - this.idleTimeoutMs);
    } else {
      this.recompute();
    }
    return this.watermarkMs;
  }

  /** The task watermark: never decreasing; NO_WATERMARK before any record (unless restored). */
  current(): number {
    if (this.dirty) this.recompute();
    return this.watermarkMs;
  }

  /** A restarted task resumes from its persisted watermark (it acts as a floor and as an idle base). */
  restoreTo(watermarkMs: number): void {
    if (watermarkMs > this.restoredMs) this.restoredMs = watermarkMs;
    if (watermarkMs > this.watermarkMs) this.watermarkMs = watermarkMs;
  }

  /** Highest event time observed per input that has seen a record (checkpointed with the watermark). */
  inputMaxima(): Record<string, number> {
    const maxima: Record<string, number> = {};
    for (const [input, state] of this.inputs) if (state.maxEventTimeMs !== undefined) maxima[input] = state.maxEventTimeMs;
    return maxima;
  }

  /**
   * A restarted task resumes each input's highest event time from the checkpoint: an input without records
   * left then no longer holds the watermark at NO_WATERMARK (rule 2) after a rebuild. Unknown inputs are ignored.
   */
  restoreInputs(maxima: Readonly<Record<string, number>>): void {
    for (const [input, maxMs] of Object.entries(maxima)) {
      const state = this.inputs.get(input);
      if (state === undefined) continue;
      if (state.maxEventTimeMs === undefined || maxMs > state.maxEventTimeMs) {
        state.maxEventTimeMs = maxMs;
        this.dirty = true;
      }
    }
  }

  /** Whether an input is currently idle (as of the last tick or record). */
  isIdle(input: string): boolean {
    return this.inputs.get(input)?.idle ?? false;
  }

  private recompute(): void {
    this.dirty = false;
    let min = Number.POSITIVE_INFINITY;
    let anyActive = false;
    for (const state of this.inputs.values()) {
      if (state.idle) continue;
      anyActive = true;
      if (state.maxEventTimeMs === undefined) return; // an active input without records holds the watermark back
      const inputWatermarkMs = state.maxEventTimeMs - this.maxOutOfOrdernessMs;
      if (inputWatermarkMs < min) min = inputWatermarkMs;
    }
    if (!anyActive) {
      this.advanceAllIdle(Number.NaN);
      return;
    }
    if (min > this.watermarkMs) this.watermarkMs = min;
  }

  /** Rule 4; `elapsedIdleMs` NaN means "do not add wall-clock time". */
  private advanceAllIdle(elapsedIdleMs: number): void {
    this.dirty = false;
    let baseMs = this.restoredMs;
    for (const state of this.inputs.values()) {
      if (state.maxEventTimeMs === undefined) continue;
      const inputWatermarkMs = state.maxEventTimeMs - this.maxOutOfOrdernessMs;
      if (inputWatermarkMs > baseMs) baseMs = inputWatermarkMs;
    }
    if (baseMs === NO_WATERMARK) return;
    const candidateMs = this.advanceWhenAllIdle && elapsedIdleMs > 0 ? baseMs + elapsedIdleMs : baseMs;
    if (candidateMs > this.watermarkMs) this.watermarkMs = candidateMs;
  }
}
