export { SluiceError, describeContext, type ErrorContext } from './sluice-error.ts';
export { ConfigError } from './config-error.ts';
export { TopologyError } from './topology-error.ts';
export { DeserializationError } from './deserialization-error.ts';
export { ProcessingError } from './processing-error.ts';
export { ProductionError } from './production-error.ts';
export { TaskMigratedError } from './task-migrated-error.ts';
export { TaskCorruptedError } from './task-corrupted-error.ts';
export { KafkaError } from './kafka-error.ts';
