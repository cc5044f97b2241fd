import type { KeyValueStore } from '../state/key-value-store.ts';
import type { ProcessorContext } from '../processor/processor.ts';
import { orNull } from './change.ts';

export type JoinMode = 'inner' | 'left' | 'outer';

/**
 * How to read a table's current value for a key, as data: from its nearest materialized ancestor (a store)
 * through the stateless table operators in between. A join looks up the other side with it, so a table
 * derived by `mapValues`, `filter` or a join needs no store of its own.
 */
export type ValueGetterSpec =
  | { readonly kind: 'store'; readonly storeName: string }
  | { readonly kind: 'map-values'; readonly parent: ValueGetterSpec; readonly fn: (value: unknown, key: unknown) => unknown }
  | { readonly kind: 'filter'; readonly parent: ValueGetterSpec; readonly predicate: (key: unknown, value: unknown) => boolean }
  | {
      readonly kind: 'join';
      readonly mode: JoinMode;
      readonly left: ValueGetterSpec;
      readonly right: ValueGetterSpec;
      readonly joiner: (left: unknown, right: unknown, key: unknown) => unknown;
    };

/** The current value of a key, null when absent. */
export type ValueGetter = (key: unknown) => unknown;

/** The stores a getter reads (for the plan's description of a join). */
export function storesOf(spec: ValueGetterSpec): string[] {
  switch (spec.kind) {
    case 'store':
      return [spec.storeName];
    case 'map-values':
    case 'filter':
      return storesOf(spec.parent);
    case 'join':
      return [...new Set([...storesOf(spec.left), ...storesOf(spec.right)])];
  }
}

/** The joined value of a table–table join for one key's two sides (null: no result). */
export function joinValues(mode: JoinMode, joiner: (l: unknown, r: unknown, k: unknown) => unknown, key: unknown, left: unknown, right: unknown): unknown {
  if (mode === 'inner') return left !== null && right !== null ? joiner(left, right, key) : null;
  if (mode === 'left') return left !== null ? joiner(left, right, key) : null;
  return left !== null || right !== null ? joiner(left, right, key) : null;
}

/** Builds a getter reading the task's stores (call in `init`, when the context's stores exist). */
export function createValueGetter(spec: ValueGetterSpec, context: Pick<ProcessorContext, 'getStore'>): ValueGetter {
  switch (spec.kind) {
    case 'store': {
      const store = context.getStore<KeyValueStore<unknown, unknown>>(spec.storeName);
      return (key) => orNull(store.get(key));
    }
    case 'map-values': {
      const parent = createValueGetter(spec.parent, context);
      const fn = spec.fn;
      return (key) => {
        const value = parent(key);
        return value === null ? null : fn(value, key);
      };
    }
    case 'filter': {
      const parent = createValueGetter(spec.parent, context);
      const predicate = spec.predicate;
      return (key) => {
        const value = parent(key);
        return value !== null && predicate(key, value) ? value : null;
      };
    }
    case 'join': {
      const left = createValueGetter(spec.left, context);
      const right = createValueGetter(spec.right, context);
      const { mode, joiner } = spec;
      return (key) => joinValues(mode, joiner, key, left(key), right(key));
    }
  }
}
