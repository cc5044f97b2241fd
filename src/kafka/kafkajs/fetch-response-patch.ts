/**
 * Replaces kafkajs's read_committed filtering of aborted transactions with read-committed-filter.ts, for every
 * Fetch response kafkajs parses in this process (its consumers and the partition reader).
 *
 * kafkajs decodes a Fetch response with the `decode`/`parse` pair of the version's response module, looked up as
 * properties at every request (protocol/requests/fetch/index.js requires the module per call and
 * network/connection.js calls `response.parse(...)`). Wrapping `parse` of the read_committed-capable versions
 * (4 to 11) lets the adapter flag aborted records as control records and hand kafkajs an empty aborted-transaction
 * list: kafkajs's Batch then drops exactly the flagged records while keeping them for its offset bookkeeping.
 * Version 11's `decode` is also replaced, by a faster decoder of the same output (fetch-v11-decoder.ts).
 * kafkajs 2.2.4 is its last release, so these files no longer change; installation fails loudly if they did.
 */
import { createRequire } from 'node:module';
import { KafkaError } from '../../errors/index.ts';
import { fetchV11Decoder } from './fetch-v11-decoder.ts';
import { markAbortedRecords, type AbortedTransaction, type FetchedMessage } from './read-committed-filter.ts';

interface ParsedFetchResponse {
  readonly responses?: readonly {
    readonly partitions?: readonly { abortedTransactions?: readonly AbortedTransaction[]; messages?: FetchedMessage[] }[];
  }[];
}

interface ResponseModule {
  decode: (rawData: Buffer) => Promise<unknown>;
  parse: (data: ParsedFetchResponse) => Promise<ParsedFetchResponse>;
  [PATCHED]?: true;
}

const PATCHED = Symbol.for('sluice.kafkajs.fetchAbortedFilter');
const READ_COMMITTED_VERSIONS = [4, 5, 6, 7, 8, 9, 10, 11];
/** The version kafkajs negotiates with Kafka >= 2.3; its `decode` is replaced by fetch-v11-decoder.ts. */
const FAST_DECODED_VERSION = 11;

/** Flags aborted records in a parsed Fetch response and empties its aborted-transaction lists. */
export function filterAbortedInResponse(data: ParsedFetchResponse): ParsedFetchResponse {
  for (const topic of data.responses ?? []) {
    for (const partition of topic.partitions ?? []) {
      const aborted = partition.abortedTransactions;
      if (aborted === undefined || aborted.length === 0) continue;
      if (partition.messages !== undefined) markAbortedRecords(partition.messages, aborted);
      partition.abortedTransactions = [];
    }
  }
  return data;
}

let installed = false;

/** Idempotent; throws KafkaError when kafkajs's response modules are not where and what they were. */
export function installFetchAbortedFilter(): void {
  if (installed) return;
  const require = createRequire(import.meta.url);
  for (const version of READ_COMMITTED_VERSIONS) {
    const path = `kafkajs/src/protocol/requests/fetch/v${version}/response.js`;
    let module: ResponseModule;
    try {
      module = require(path) as ResponseModule;
    } catch (error) {
      throw new KafkaError(`kafkajs internals changed: cannot load ${path}`, { cause: error });
    }
    if (typeof module.parse !== 'function' || typeof module.decode !== 'function') {
      throw new KafkaError(`kafkajs internals changed: ${path} has no decode/parse functions`);
    }
    if (module[PATCHED] === true) continue;
    const parse = module.parse;
    module.parse = async (data) => filterAbortedInResponse(await parse(data));
    if (version === FAST_DECODED_VERSION) module.decode = fetchV11Decoder(module.decode);
    module[PATCHED] = true;
  }
  installed = true;
}
