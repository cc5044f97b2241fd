import { ConfigError } from '../../errors/index.ts';
import type { SerdeContext } from '../serde.ts';

/**
 * How a schema's subject is named, as in Confluent's serializers:
 * - `topic` (TopicNameStrategy, the default): `<topic>-key` or `<topic>-value`;
 * - `record` (RecordNameStrategy): the record's full name, e.g. `shop.Order`;
 * - `topic-record` (TopicRecordNameStrategy): `<topic>-<full record name>`.
 */
export type SubjectNameStrategy = 'topic' | 'record' | 'topic-record';

export const SUBJECT_NAME_STRATEGIES: readonly SubjectNameStrategy[] = ['topic', 'record', 'topic-record'];

export function checkSubjectNameStrategy(value: unknown, serde: string): SubjectNameStrategy {
  if (value === undefined) return 'topic';
  if (typeof value === 'string' && (SUBJECT_NAME_STRATEGIES as readonly string[]).includes(value)) {
    return value as SubjectNameStrategy;
  }
  throw new ConfigError(
    `${serde}: subjectNameStrategy ${JSON.stringify(value)} is not one of ${SUBJECT_NAME_STRATEGIES.map((s) => `'${s}'`).join(', ')}`,
    { context: { field: 'subjectNameStrategy' } },
  );
}

/**
 * The subject for a record written to `context.topic`. `recordName` is the schema's full record name (Avro
 * namespace.name, Protobuf package.Message, JSON Schema title); the record strategies need it.
 */
export function subjectName(strategy: SubjectNameStrategy, context: SerdeContext, recordName: string | undefined): string {
  if (strategy === 'topic') return `${context.topic}-${context.isKey ? 'key' : 'value'}`;
  if (recordName === undefined || recordName === '') {
    throw new ConfigError(
      `subjectNameStrategy '${strategy}' needs the schema's record name, and the schema for the ${context.isKey ? 'key' : 'value'} of topic "${context.topic}" has none`,
      { context: { topic: context.topic, field: 'subjectNameStrategy' } },
    );
  }
  return strategy === 'record' ? recordName : `${context.topic}-${recordName}`;
}
