/** A level-free wake-up: `wait()` resolves at the next `notify()`. No timers; waking is always explicit. */
export class Signal {
  private waiters: (() => void)[] = [];

  wait(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  notify(): void {
    const waiters = this.waiters;
    if (waiters.length === 0) return;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  get waiting(): number {
    return this.waiters.length;
  }
}

/** Lets other callbacks run first, the way a network round trip would: one macrotask turn. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
