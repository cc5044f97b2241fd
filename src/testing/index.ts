export { TopologyTestDriver, TestInput, type TestRecord, type TestDriverOptions, type PipeOptions } from './test-driver.ts';
export { partitionForKey } from './murmur2.ts';
export type { KeyValueStoreView, WindowStoreView } from './store-views.ts';
