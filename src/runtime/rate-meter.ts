/** Events per second over a sliding window of one-second buckets; O(1) per add. */
export class RateMeter {
  private readonly buckets: number[];
  private readonly times: number[];
  constructor(private readonly windowSeconds = 5) {
    this.buckets = new Array<number>(windowSeconds).fill(0);
    this.times = new Array<number>(windowSeconds).fill(-1);
  }

  add(count: number, nowMs: number): void {
    const second = Math.floor(nowMs / 1000);
    const slot = second % this.windowSeconds;
    if (this.times[slot] !== second) {
      this.times[slot] = second;
      this.buckets[slot] = 0;
    }
    this.buckets[slot] = (this.buckets[slot] as number) + count;
  }

  perSecond(nowMs: number): number {
    const second = Math.floor(nowMs / 1000);
    let sum = 0;
    for (let i = 0; i < this.windowSeconds; i++) {
      const t = this.times[i] as number;
      // Complete seconds only: the current one is still filling.
      if (t >= second - this.windowSeconds && t < second) sum += this.buckets[i] as number;
    }
    return sum / this.windowSeconds;
  }
}
