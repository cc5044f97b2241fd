/**
 * What a table operator forwards downstream: the key's value before and after one update (null: absent).
 * Downstream aggregates subtract the old value and add the new one; `toStream()` emits the new value.
 */
export interface Change<V> {
  readonly oldValue: V | null;
  readonly newValue: V | null;
}

export function change<V>(oldValue: V | null, newValue: V | null): Change<V> {
  return { oldValue, newValue };
}

/** A stored or computed table value: undefined (absent from a store) becomes null. */
export function orNull<V>(value: V | undefined | null): V | null {
  return value === undefined ? null : value;
}
