import { describe, expect, it } from 'vitest';
import { isAllowedTransition, TaskLifecycle } from '../../../src/runtime/task-state.ts';
import type { TaskState } from '../../../src/runtime/status.ts';

describe('task lifecycle', () => {
  it.each<[TaskState, TaskState, boolean]>([
    ['created', 'restoring', true],
    ['created', 'running', false],
    ['restoring', 'running', true],
    ['running', 'restoring', true],
    ['running', 'suspended', true],
    ['suspended', 'running', true],
    ['closed', 'running', false],
    ['running', 'created', false],
  ])('%s -> %s allowed: %s', (from, to, allowed) => {
    expect(isAllowedTransition(from, to)).toBe(allowed);
  });

  it('rejects illegal moves with the task id', () => {
    const t = new TaskLifecycle('1_3');
    expect(() => t.transitionTo('running')).toThrow('task 1_3: illegal transition created -> running');
    t.transitionTo('restoring');
    t.transitionTo('running');
    t.transitionTo('closed');
    expect(t.state).toBe('closed');
  });
});
