import { SluiceError, type ErrorContext } from './sluice-error.ts';

/** An error from the Kafka client, wrapped at the kafka/ boundary; `retriable` says whether retrying may help. */
export class KafkaError extends SluiceError {
  constructor(message: string, options: { cause?: unknown; context?: ErrorContext; retriable?: boolean; code?: string } = {}) {
    super(options.code ?? 'SLUICE_KAFKA', message, options);
  }
}
