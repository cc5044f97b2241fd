/** A new key with a new value, returned from `table.groupBy(...)`'s selector to change the value too. */
export class KeyValuePair<K, V> {
  constructor(
    readonly key: K,
    readonly value: V,
  ) {}
}

/**
 * For `table.groupBy((key, value) => keyValue(newKey, newValue))`: regroup under `newKey` with `newValue`.
 * A selector returning anything else regroups under that key with the value unchanged.
 */
export function keyValue<K, V>(key: K, value: V): KeyValuePair<K, V> {
  return new KeyValuePair(key, value);
}
