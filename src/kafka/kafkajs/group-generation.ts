/**
 * The group generation a kafkajs consumer joined, which kafkajs keeps to itself (its GROUP_JOIN event carries the
 * member id, not the generation). A transaction shared by all tasks of a member must send the generation with
 * its offsets (TxnOffsetCommit v3, KIP-447) so the coordinator refuses the commit of a member the group has
 * moved on from. The broker's JoinGroup answer is read here, on kafkajs's Broker class, once per process:
 * `joinGroup` is wrapped to note the generation of each member id it hands out.
 *
 * Member ids are unique per join session (the coordinator makes them), so one table serves every consumer of
 * the process; entries are dropped when a consumer asks for its own (the latest one wins) or after MAX_ENTRIES.
 */
import { createRequire } from 'node:module';
import { KafkaError } from '../../errors/index.ts';

const require = createRequire(import.meta.url);
const MAX_ENTRIES = 1_000;
const WRAPPED = Symbol.for('sluice.joinGroupGeneration');

const generations = new Map<string, number>();
/** Per group id: work to finish before this process's member of the group sends JoinGroup (see beforeJoin). */
const joinHooks = new Map<string, Set<() => Promise<void>>>();

interface JoinGroupAnswer {
  readonly generationId?: unknown;
  readonly memberId?: unknown;
}

type JoinGroup = (this: unknown, ...args: unknown[]) => Promise<JoinGroupAnswer>;

/** Wraps kafkajs's Broker.prototype.joinGroup, once. Throws KafkaError when kafkajs's internals moved. */
export function installGenerationCapture(): void {
  let broker: unknown;
  try {
    broker = require('kafkajs/src/broker/index.js');
  } catch (error) {
    throw new KafkaError('kafkajs internals changed: cannot load kafkajs/src/broker/index.js (the group generation is read there)', { cause: error });
  }
  const prototype = (broker as { prototype?: Record<string | symbol, unknown> }).prototype;
  const original = prototype?.joinGroup;
  if (prototype === undefined || typeof original !== 'function') throw new KafkaError('kafkajs internals changed: Broker has no joinGroup');
  if (prototype[WRAPPED] === true) return;
  const join = original as JoinGroup;
  prototype.joinGroup = async function joinGroupNotingGeneration(this: unknown, ...args: unknown[]): Promise<JoinGroupAnswer> {
    const groupId = (args[0] as { groupId?: unknown } | undefined)?.groupId;
    const hooks = typeof groupId === 'string' ? joinHooks.get(groupId) : undefined;
    if (hooks !== undefined) await Promise.all([...hooks].map((hook) => hook()));
    const answer = await join.apply(this, args);
    if (typeof answer.memberId === 'string' && typeof answer.generationId === 'number') {
      if (generations.size >= MAX_ENTRIES) generations.delete(generations.keys().next().value as string);
      generations.set(answer.memberId, answer.generationId);
    }
    return answer;
  };
  prototype[WRAPPED] = true;
}

/**
 * Runs `hook` before every JoinGroup this process sends for `groupId` (kafkajs has no callback before it rejoins;
 * the eager protocol's "partitions revoked"): a transaction shared by the member's tasks ends there, in the
 * generation it began in, instead of failing on the new one. The hook must not throw and should be bounded.
 * Returns the function that removes it.
 */
export function beforeJoin(groupId: string, hook: () => Promise<void>): () => void {
  let hooks = joinHooks.get(groupId);
  if (hooks === undefined) joinHooks.set(groupId, (hooks = new Set()));
  hooks.add(hook);
  return () => {
    hooks.delete(hook);
    if (hooks.size === 0 && joinHooks.get(groupId) === hooks) joinHooks.delete(groupId);
  };
}

/** The generation the coordinator gave `memberId` in its latest join, if this process saw it. */
export function generationOf(memberId: string): number | undefined {
  return generations.get(memberId);
}
