import type { TaskState } from './status.ts';

/**
 * Task lifecycle:
 *
 *   created ──▶ restoring ──▶ running ──▶ suspended ──▶ running
 *                  ▲             │            │
 *                  └─────────────┘ (corrupted: wipe, restore again)
 *   any ──▶ closed
 */
const ALLOWED: Readonly<Record<TaskState, readonly TaskState[]>> = {
  created: ['restoring', 'closed'],
  restoring: ['running', 'restoring', 'closed'],
  running: ['restoring', 'suspended', 'closed'],
  suspended: ['running', 'restoring', 'closed'],
  closed: [],
};

export class TaskLifecycle {
  private current: TaskState = 'created';

  constructor(private readonly taskId: string) {}

  get state(): TaskState {
    return this.current;
  }

  transitionTo(next: TaskState): void {
    if (!ALLOWED[this.current].includes(next)) {
      throw new Error(`task ${this.taskId}: illegal transition ${this.current} -> ${next}`);
    }
    this.current = next;
  }
}

export function isAllowedTransition(from: TaskState, to: TaskState): boolean {
  return ALLOWED[from].includes(to);
}
