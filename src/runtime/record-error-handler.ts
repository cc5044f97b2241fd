import type { ErrorPolicy } from '../dsl/define-topology.ts';
import { describeContext, SluiceError, TopologyError } from '../errors/index.ts';
import type { ConsumedRecord, OutputRecord, RecordHeaders } from '../kafka/types.ts';
import type { Metrics } from '../metrics/metrics.ts';

/** Logs at most once per key and interval; see src/logging/rate-limited.ts. */
export interface RecordLogger {
  warn(fields: Record<string, unknown>, message: string): void;
}

/** The topology stopped on a bad record under `onError: 'fail'`. Nothing past the record was committed. */
export class RecordFailedError extends SluiceError {
  constructor(error: SluiceError) {
    super('SLUICE_RECORD_FAILED', `${error.message} (${describeContext(error.context)}); stopping as onError is 'fail' — nothing past this record was committed`, {
      cause: error,
      context: error.context,
    });
  }
}

function reasonOf(error: SluiceError): string {
  switch (error.code) {
    case 'SLUICE_DESERIALIZATION':
      return 'deserialization';
    case 'SLUICE_PRODUCTION':
      return 'serialization';
    default:
      return 'processing';
  }
}

/**
 * Applies the topology's onError policy to one failed record: `fail` throws RecordFailedError, `skip` counts
 * and logs, `dead-letter` appends the raw record with error headers to the pending output (same transaction).
 */
export class RecordErrorHandler {
  constructor(
    private readonly policy: ErrorPolicy,
    private readonly dlqTopic: string | null,
    private readonly taskId: string,
    private readonly metrics: Metrics | undefined,
    private readonly log: RecordLogger,
  ) {
    // A dead-letter policy with nowhere to write would quietly act like 'skip'.
    if (policy === 'dead-letter' && dlqTopic === null) {
      throw new TopologyError(`task ${taskId}: onError is 'dead-letter' but no dead-letter topic was planned`, { context: { field: 'onError', taskId } });
    }
  }

  handle(error: SluiceError, topic: string, partition: number, record: ConsumedRecord, output: OutputRecord[]): void {
    if (this.policy === 'fail') throw new RecordFailedError(error);
    const reason = reasonOf(error);
    this.metrics?.droppedRecords.inc({ reason: this.policy === 'dead-letter' ? 'dead-letter' : reason });
    this.log.warn(
      { task: this.taskId, topic, partition, offset: record.offset, code: error.code, policy: this.policy },
      `record ${this.policy === 'skip' ? 'skipped' : 'sent to the dead-letter topic'}: ${error.message}`,
    );
    if (this.policy !== 'dead-letter' || this.dlqTopic === null) return;
    const headers: Record<string, Buffer | string | undefined> = { ...(record.headers as RecordHeaders) };
    headers['sluice.error.class'] = error.name;
    headers['sluice.error.code'] = error.code;
    headers['sluice.error.message'] = error.message.slice(0, 2000);
    headers['sluice.source.topic'] = topic;
    headers['sluice.source.partition'] = String(partition);
    headers['sluice.source.offset'] = record.offset;
    // The dead-letter topic stamps records with their append time (so retention counts from then); the
    // source record's own timestamp is kept here.
    headers['sluice.source.timestamp'] = String(record.timestampMs);
    headers['sluice.task'] = this.taskId;
    output.push({ topic: this.dlqTopic, key: record.key, value: record.value, timestampMs: record.timestampMs, headers });
  }

  /**
   * A result emitted when a window closed could not be serialized for `error.context.topic`. `fail` throws;
   * `skip` counts and logs; `dead-letter` writes the result as JSON with the error headers.
   */
  handleEmit(error: SluiceError, key: unknown, value: unknown, timestampMs: number, output: OutputRecord[]): void {
    if (this.policy === 'fail') throw new RecordFailedError(error);
    this.metrics?.droppedRecords.inc({ reason: this.policy === 'dead-letter' ? 'dead-letter' : 'serialization' });
    this.log.warn({ task: this.taskId, topic: error.context.topic, code: error.code, policy: this.policy }, `window result ${this.policy === 'skip' ? 'skipped' : 'sent to the dead-letter topic'}: ${error.message}`);
    if (this.policy !== 'dead-letter' || this.dlqTopic === null) return;
    const json = (v: unknown) => (v === undefined || v === null ? null : Buffer.from(JSON.stringify(v)));
    output.push({
      topic: this.dlqTopic,
      key: json(key),
      value: json(value),
      timestampMs,
      headers: {
        'sluice.error.class': error.name,
        'sluice.error.code': error.code,
        'sluice.error.message': error.message.slice(0, 2000),
        'sluice.emit.topic': error.context.topic,
        'sluice.task': this.taskId,
      },
    });
  }
}
