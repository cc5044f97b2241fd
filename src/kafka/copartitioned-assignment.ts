/**
 * The group's partition assignor. A task owns (sub-topology, partition), and a sub-topology that joins two
 * topics needs partition p of both on the same member. kafkajs's round-robin assignor deals topic-partitions
 * out in one long list, so with odd partition counts A-1 and B-1 land on different members. This one hands out
 * partition *numbers*: every topic-partition numbered p goes to the same member.
 *
 * It is also sticky, as stateful tasks want: each member tells (in its subscription's user data) which partition
 * numbers it owns, and keeps them as far as a balanced assignment allows (every member gets floor(n/m) or
 * ceil(n/m) numbers), so a member joining or leaving moves only the tasks it must and the rest keep their
 * in-memory state. Members whose subscriptions differ (mid-deploy of a changed topology) fall back to a plain
 * p-modulo-members assignment per topic among its subscribers.
 *
 * Client-neutral: the kafkajs adapter wraps it as a kafkajs PartitionAssigner (kafkajs/copartitioned-assigner.ts),
 * the memory adapter's group calls it directly.
 */
/** The group protocol's name and version: every client adapter must announce the same, with the same user data. */
export const COPARTITIONED_ASSIGNER_NAME = 'SluiceCopartitioned';
export const COPARTITIONED_ASSIGNER_VERSION = 1;

export interface MemberSubscription {
  readonly memberId: string;
  readonly topics: readonly string[];
  /** Partition numbers the member owned before this rebalance. */
  readonly owned?: readonly number[];
}

const byId = (a: { memberId: string }, b: { memberId: string }) => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0);

/** Pure assignment: member id → topic → partitions, for the given partition counts. */
export function assignCopartitioned(
  members: readonly MemberSubscription[],
  partitionsByTopic: ReadonlyMap<string, readonly number[]>,
): Map<string, Record<string, number[]>> {
  const sorted = [...members].sort(byId);
  const result = new Map<string, Record<string, number[]>>();
  for (const member of sorted) result.set(member.memberId, {});
  const topics = [...partitionsByTopic.keys()].sort();
  const sameTopics = sorted.every((m) => topics.every((t) => m.topics.includes(t)));
  if (sameTopics && sorted.length > 0) {
    const numbers = [...new Set(topics.flatMap((t) => partitionsByTopic.get(t) ?? []))].sort((a, b) => a - b);
    const owner = stickyOwners(sorted, numbers);
    for (const topic of topics) {
      for (const partition of [...(partitionsByTopic.get(topic) ?? [])].sort((a, b) => a - b)) {
        const assignment = result.get(owner.get(partition) as string) as Record<string, number[]>;
        (assignment[topic] ??= []).push(partition);
      }
    }
    return result;
  }
  for (const topic of topics) {
    const candidates = sorted.filter((member) => member.topics.includes(topic));
    if (candidates.length === 0) continue;
    const partitions = [...(partitionsByTopic.get(topic) ?? [])].sort((a, b) => a - b);
    for (const partition of partitions) {
      const member = candidates[partition % candidates.length];
      if (member === undefined) continue;
      const assignment = result.get(member.memberId) as Record<string, number[]>;
      (assignment[topic] ??= []).push(partition);
    }
  }
  return result;
}

/** Balanced owners for partition numbers, keeping previous owners where the balance allows. */
function stickyOwners(members: readonly MemberSubscription[], numbers: readonly number[]): Map<number, string> {
  const base = Math.floor(numbers.length / members.length);
  let extra = numbers.length % members.length;
  const owner = new Map<number, string>();
  const held = new Map<string, number[]>(members.map((m) => [m.memberId, []]));
  const exists = new Set(numbers);
  // Keep what each member owned, up to ceil(n/m); the first `extra` members to reach base+1 keep that many.
  for (const member of members) {
    const mine = held.get(member.memberId) as number[];
    for (const p of [...(member.owned ?? [])].sort((a, b) => a - b)) {
      if (!exists.has(p) || owner.has(p)) continue;
      const limit = base + (extra > 0 ? 1 : 0);
      if (mine.length >= limit) break;
      mine.push(p);
      owner.set(p, member.memberId);
      if (mine.length === base + 1) extra--;
    }
  }
  // Deal the rest to the members with the fewest, in id order.
  for (const p of numbers) {
    if (owner.has(p)) continue;
    let best: MemberSubscription | undefined;
    for (const member of members) {
      const count = (held.get(member.memberId) as number[]).length;
      if (count > base || (count === base && extra <= 0)) continue;
      if (best === undefined || count < (held.get(best.memberId) as number[]).length) best = member;
    }
    const chosen = best ?? (members[0] as MemberSubscription);
    const mine = held.get(chosen.memberId) as number[];
    mine.push(p);
    owner.set(p, chosen.memberId);
    if (mine.length === base + 1) extra--;
  }
  return owner;
}

/** The subscription's user data: the partition numbers the member owns. */
export function encodeOwned(owned: readonly number[]): Buffer {
  return Buffer.from(JSON.stringify({ owned }), 'utf8');
}

export function decodeOwned(userData: Buffer | undefined): number[] {
  if (userData === undefined || userData.length === 0) return [];
  try {
    const parsed = JSON.parse(userData.toString('utf8')) as { owned?: unknown };
    return Array.isArray(parsed.owned) ? parsed.owned.filter((p): p is number => Number.isInteger(p)) : [];
  } catch {
    return [];
  }
}

