/** Turns a failed first contact with the brokers into one ConnectionError that says what to fix. */
import { ConnectionError } from '../../errors/index.ts';
import type { KafkaConnection } from '../types.ts';
import { errorChain } from '../client-errors.ts';

/** Node's codes for a certificate the client does not trust or that does not match the host. */
const TLS_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'CERT_UNTRUSTED', 'CERT_REJECTED', 'ERR_TLS_CERT_ALTNAME_INVALID',
]);
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET']);

function innermostMessage(error: unknown): string {
  const chain = errorChain(error);
  const last = chain[chain.length - 1];
  return typeof last?.message === 'string' ? last.message : String(error);
}

/** A ConnectionError when `error` is one of the failures users fix in their settings; otherwise undefined. */
export function classifyConnectionFailure(error: unknown, connection: KafkaConnection): ConnectionError | undefined {
  const chain = errorChain(error);
  const where = connection.brokers.join(',');
  const names = chain.map((e) => (typeof e.name === 'string' ? e.name : ''));
  const codes = chain.map((e) => (typeof e.code === 'string' ? e.code : ''));
  const messages = chain.map((e) => (typeof e.message === 'string' ? e.message : '')).join(' | ');
  if (names.includes('KafkaJSSASLAuthenticationError') || /authentication failed/i.test(messages)) {
    const sasl = connection.sasl;
    const who = sasl === undefined ? '' : ` as "${sasl.username}" with ${sasl.mechanism.toUpperCase()}`;
    return new ConnectionError(
      'authentication',
      `authentication to ${where} failed${who}: ${innermostMessage(error)} (expected the user and password the broker has; check --kafka-sasl-username, --kafka-sasl-password(-file) and --kafka-sasl-mechanism)`,
      { cause: error, context: { field: 'kafka-sasl-password' } },
    );
  }
  const tls = codes.find((c) => TLS_CODES.has(c));
  if (tls !== undefined || /certificate/i.test(messages)) {
    return new ConnectionError(
      'tls',
      `TLS to ${where} failed: the broker's certificate is not trusted (${tls ?? 'certificate'}: ${innermostMessage(error)}; expected a certificate signed by the CA in --kafka-ssl-ca-file, issued for the broker's host name)`,
      { cause: error, context: { field: 'kafka-ssl-ca-file' } },
    );
  }
  if (/current SASL state|Unsupported SASL mechanism/i.test(messages)) {
    return new ConnectionError(
      'protocol',
      `the broker at ${where} refused the SASL handshake: ${innermostMessage(error)} (expected a listener with SASL enabled for this mechanism, or no --kafka-sasl-mechanism)`,
      { cause: error, context: { field: 'kafka-sasl-mechanism' } },
    );
  }
  const unreachable = codes.find((c) => UNREACHABLE_CODES.has(c));
  if (unreachable !== undefined || /Connection timeout|Failed to connect|Connection error|Closed connection/i.test(messages)) {
    const hint = connection.ssl === undefined ? '; if the listener uses TLS, set --kafka-ssl' : '; if the listener is not TLS, drop --kafka-ssl';
    return new ConnectionError(
      'unreachable',
      `no broker answered at ${where}: ${innermostMessage(error)} (expected a running Kafka broker at --brokers${hint})`,
      { cause: error, context: { field: 'brokers' } },
    );
  }
  return undefined;
}
