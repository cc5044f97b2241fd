/** Where the Java client (and sluice's producers) put a keyed record; re-exported for tests. */
export { murmur2Partition as partitionForKey } from '../kafka/murmur2.ts';
