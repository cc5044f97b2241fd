/**
 * One chaos scenario: seeded input on a broker of the run's own, sluice instances in front of the fault proxy,
 * faults injected at points of the group's committed progress (or on a clock, for rebalances), then every
 * committed result compared with what the input must give (verify.ts).
 */
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ApiKey } from '../../support/fault-proxy/kafka-frames.ts';
import type { Fault } from '../../support/fault-proxy/fault-proxy.ts';
import type { ChaosBroker } from './chaos-broker.ts';
import { committedTotal, createTopics, Feeder, OutputWatcher, readAll, uniqueName } from './direct-kafka.ts';
import { Fleet, readiness } from './fleet.ts';
import { rekeyInput, rng, windowedInput, type InputRecord } from './seeded-input.ts';
import { describePartitions, verifyRekey, verifyWindows, type Figures } from './verify.ts';

const fixtures = join(import.meta.dirname, '..', '..', 'integration', 'fixtures');

export type FaultKind =
  | 'kill'
  | 'pause'
  | 'broker-restart'
  | 'broker-outage'
  | 'drop-endtxn-reply'
  | 'drop-txnoffsetcommit-reply'
  | 'drop-addoffsets-reply'
  | 'drop-offsetcommit-reply'
  | 'cut-at-produce'
  | 'cut-at-addpartitions'
  | 'cut-all';

/**
 * The proxy faults of exactly-once, in the order a scenario cycles through them. At-least-once sends no
 * transactional requests: its faults are AT_LEAST_ONCE_FAULTS (a lost OffsetCommit reply instead).
 */
export const PROXY_FAULTS: readonly FaultKind[] = ['drop-endtxn-reply', 'drop-txnoffsetcommit-reply', 'cut-at-produce', 'drop-addoffsets-reply', 'cut-at-addpartitions', 'cut-all'];

/** The same kinds of fault for at-least-once: kills, a broker restart, a lost commit reply, cuts. */
export const AT_LEAST_ONCE_FAULTS: readonly FaultKind[] = ['kill', 'broker-restart', 'drop-offsetcommit-reply', 'cut-at-produce', 'cut-all'];

export interface ScenarioSpec {
  readonly name: string;
  readonly topology: 'windowed' | 'rekey';
  readonly guarantee: 'exactly_once' | 'at_least_once';
  readonly seed: number;
  readonly events: number;
  readonly keys: number;
  readonly partitions: number;
  readonly instances: number;
  /** Applied one by one at evenly spaced points of the committed input. */
  readonly faults: readonly FaultKind[];
  /** Rebalances instead: instances join and leave every `everyMs` for `durationMs` while input is fed at a rate. */
  readonly rebalance?: { readonly durationMs: number; readonly everyMs: number; readonly maxInstances: number };
  readonly sessionTimeoutMs?: number;
  /** `--eos-producer` for every instance (default: CHAOS_EOS_PRODUCER, else sluice's default). */
  readonly eosProducer?: 'per-task' | 'per-instance';
  /**
   * Input is fed at this rate while the faults happen (default 2,000 records/s), so faults hit work in flight;
   * 'backlog': all of it as fast as the broker takes it, so sluice always has a backlog of large fetches
   * (faults land in the middle of full batches, as in a replay of a big topic).
   */
  readonly ratePerSec?: number | 'backlog';
  /** How long the broker stays down in a 'broker-outage' (default: twice the session timeout + 5 s). */
  readonly outageMs?: number;
}

export interface AppliedFault {
  readonly kind: FaultKind | 'join' | 'leave';
  /** Committed input records when it was applied (undefined: the broker did not answer). */
  readonly atCommitted: number | undefined;
  readonly detail: string;
}

export interface ScenarioResult {
  readonly spec: ScenarioSpec;
  readonly figures: Figures;
  readonly faults: AppliedFault[];
  readonly longestPauseMs: number;
  /** Instances that exited on their own (restarted by the harness). */
  readonly crashes: number;
  readonly durationMs: number;
  readonly notes: string[];
  /** Empty when the scenario holds its guarantee. */
  readonly failures: string[];
  readonly logFiles: string[];
}

const log = (spec: ScenarioSpec, text: string) => console.log(`[chaos ${spec.name}] ${text}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitUntil(predicate: () => Promise<boolean>, timeoutMs: number, everyMs = 250): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await predicate()) return true;
    await sleep(everyMs);
  }
  return false;
}

/**
 * Waits until the group has committed `target` input records; gives up when the committed count has not
 * moved for `stallMs` (an engine that stopped making progress is a finding, not a reason to wait forever).
 */
/** CHAOS_PRODUCE_PATH=wire|kafkajs runs every instance on that produce path (default: sluice's own default). */
function producePathFlags(): string[] {
  const path = process.env.CHAOS_PRODUCE_PATH;
  if (path === undefined || path === '') return [];
  if (path !== 'wire' && path !== 'kafkajs') throw new Error(`CHAOS_PRODUCE_PATH must be wire or kafkajs, not ${path}`);
  return ['--produce-path', path];
}

/** CHAOS_EOS_PRODUCER=per-task|per-instance runs every instance with `--eos-producer` set so. */
function eosProducerFlags(): string[] {
  const mode = process.env.CHAOS_EOS_PRODUCER;
  if (mode === undefined || mode === '') return [];
  if (mode !== 'per-task' && mode !== 'per-instance') throw new Error(`CHAOS_EOS_PRODUCER must be per-task or per-instance, not ${mode}`);
  return ['--eos-producer', mode];
}

async function waitForCommitted(committed: () => Promise<number | undefined>, target: number, stallMs: number): Promise<boolean> {
  let last = -1;
  let lastMovedAt = Date.now();
  for (;;) {
    const now = (await committed()) ?? last;
    if (now >= target) return true;
    if (now !== last) {
      last = now;
      lastMovedAt = Date.now();
    } else if (Date.now() - lastMovedAt >= stallMs) {
      return false;
    }
    await sleep(250);
  }
}

export async function runScenario(broker: ChaosBroker, spec: ScenarioSpec): Promise<ScenarioResult> {
  const started = Date.now();
  const sessionTimeoutMs = spec.sessionTimeoutMs ?? 6000;
  const random = rng(spec.seed ^ 0x5eed);
  const input = uniqueName(`chaos-${spec.topology}-in`);
  const output = uniqueName(`chaos-${spec.topology}-out`);
  const late = uniqueName(`chaos-${spec.topology}-late`);
  const applicationId = uniqueName(`chaos-${spec.name}`);
  const windowed = spec.topology === 'windowed' ? windowedInput({ seed: spec.seed, events: spec.events, keys: spec.keys, partitions: spec.partitions }) : undefined;
  const rekey = spec.topology === 'rekey' ? rekeyInput({ seed: spec.seed, events: spec.events, users: spec.keys, partitions: spec.partitions }) : undefined;
  const records: InputRecord[] = windowed?.records ?? rekey?.records ?? [];
  const direct = broker.directBrokers;
  await createTopics(direct, [
    { name: input, partitions: spec.partitions },
    { name: output, partitions: spec.partitions },
    ...(windowed !== undefined ? [{ name: late, partitions: 1 }] : []),
  ]);
  const fleet = new Fleet({
    topologyFile: join(fixtures, spec.topology === 'windowed' ? 'chaos-windowed.ts' : 'chaos-rekey.ts'),
    applicationId,
    env: { CHAOS_INPUT: input, CHAOS_OUTPUT: output, CHAOS_LATE: late, KAFKA_BROKERS: broker.clientBrokers },
    flags: ['--processing-guarantee', spec.guarantee, '--session-timeout-ms', String(sessionTimeoutMs), ...producePathFlags(), ...(spec.eosProducer === undefined ? eosProducerFlags() : ['--eos-producer', spec.eosProducer])],
    http: spec.faults.includes('broker-outage'),
  });
  const watcher = await OutputWatcher.start(direct, output);
  const lateWatcher = windowed !== undefined ? await OutputWatcher.start(direct, late) : undefined;
  const notes: string[] = [];
  const failures: string[] = [];
  const applied: AppliedFault[] = [];
  const committed = () => committedTotal(direct, applicationId, input);

  for (let i = 0; i < spec.instances; i++) await fleet.add();
  const backlog = spec.rebalance === undefined && spec.ratePerSec === 'backlog';
  const ratePerSec = spec.rebalance !== undefined ? records.length / (spec.rebalance.durationMs / 1000) : spec.ratePerSec === 'backlog' ? undefined : (spec.ratePerSec ?? 2000);
  const feeder = new Feeder(direct, input, records, ratePerSec === undefined ? { batchSize: 5000 } : { batchSize: Math.max(100, Math.min(2000, Math.round(ratePerSec / 10))), ratePerSec });
  let feedError: unknown;
  const feeding = feeder.done.catch((error: unknown) => {
    feedError = error;
  });
  log(spec, `seed ${spec.seed}: ${records.length} records fed to ${input} ${ratePerSec === undefined ? 'all at once (backlog)' : `at ${Math.round(ratePerSec)}/s`}; ${spec.instances} instance(s), ${spec.guarantee}; application ${applicationId}`);

  let stuck = false;
  if (spec.rebalance !== undefined) {
    const until = Date.now() + spec.rebalance.durationMs;
    while (Date.now() < until) {
      await sleep(spec.rebalance.everyMs);
      const running = fleet.running();
      const join = running.length < 2 || (running.length < spec.rebalance.maxInstances && random() < 0.5);
      if (join) {
        const slot = await fleet.add();
        fleet.joins++;
        applied.push({ kind: 'join', atCommitted: await committed(), detail: `instance ${slot} joined (${fleet.size} running)` });
      } else {
        const slot = running[Math.floor(random() * running.length)] as number;
        const signal = random() < 0.25 ? 'SIGKILL' : 'SIGTERM';
        await fleet.remove(slot, signal);
        fleet.leaves++;
        applied.push({ kind: 'leave', atCommitted: await committed(), detail: `instance ${slot} left by ${signal} (${fleet.size} running)` });
      }
    }
  } else {
    for (let i = 0; i < spec.faults.length && !stuck; i++) {
      const kind = spec.faults[i] as FaultKind;
      // Evenly spread over the input (a backlog is worked off quickly: its faults go into the first 70 %).
      const span = backlog ? 0.7 : 0.9;
      const target = Math.floor(records.length * ((i + 0.5 + (random() - 0.5) * 0.6) / spec.faults.length) * span);
      const reached = await waitForCommitted(committed, target, 90_000);
      if (!reached) {
        stuck = true;
        notes.push(`committed input stopped moving for 90 s at ${String(await committed())}, below ${target}, before fault ${i + 1} (${kind})`);
        break;
      }
      const at = await committed();
      const detail = await applyFault(kind, broker, fleet, feeder, random, sessionTimeoutMs, spec.outageMs, notes);
      applied.push({ kind, atCommitted: at, detail });
      if (kind === 'broker-restart' || kind === 'broker-outage') {
        await watcher.reconnect();
        await lateWatcher?.reconnect();
      }
      log(spec, `fault ${i + 1}/${spec.faults.length} ${kind} at ${String(at)} committed: ${detail}`);
    }
  }

  await feeding;
  if (feedError !== undefined) notes.push(`feeding the input failed after ${feeder.sent} records: ${String(feedError)}`);
  // Everything processed (the group committed every input offset), then the output quiet.
  const processedAll = stuck ? false : await waitForCommitted(committed, records.length, 60_000);
  if (!processedAll) notes.push(`the group had committed ${String(await committed())} of ${records.length} input records when the run gave up waiting`);
  const expectedOutput = windowed?.windows.size ?? records.length;
  await waitUntil(async () => {
    const quietMs = Date.now() - (watcher.lastAt ?? started);
    return (watcher.records.length >= expectedOutput && quietMs >= 3000) || quietMs >= 15_000;
  }, 120_000, 250);
  if (lateWatcher !== undefined) await lateWatcher.settle(windowed?.late.size ?? 0, { timeoutMs: 15_000, quietMs: 2000 });
  await fleet.stopAll();
  for (const c of fleet.crashes) notes.push(`instance ${c.slot} exited on its own (${String(c.exit)}), restarted; ${c.logFile}: ${c.lastError}`);
  await watcher.stop();
  await lateWatcher?.stop();

  // Judge a fresh read of each topic; the watcher only timed the batches.
  const outputRecords = await readAll(direct, output);
  const lateRecords = windowed !== undefined ? await readAll(direct, late) : [];
  if (outputRecords.length !== watcher.records.length) notes.push(`the watcher saw ${watcher.records.length} output records, a fresh read ${outputRecords.length}`);
  const figures = windowed !== undefined ? verifyWindows(windowed, outputRecords, lateRecords) : verifyRekey(rekey as NonNullable<typeof rekey>, outputRecords, spec.partitions);
  judge(spec, figures, failures);
  if (fleet.crashes.length > 0) failures.push(`${fleet.crashes.length} instance crash(es) (restarted by the harness)`);
  if (notes.some((n) => n.startsWith('not ready never'))) failures.push('no instance reported not-ready while the broker was down');
  if (notes.some((n) => n.startsWith('never ready again'))) failures.push('instances did not report ready again after the broker returned');
  if (failures.length > 0) notes.push(...logHighlights(fleet.logFiles));
  const result: ScenarioResult = {
    spec,
    figures,
    faults: applied,
    longestPauseMs: watcher.longestPauseMs(),
    crashes: fleet.crashes.length,
    durationMs: Date.now() - started,
    notes,
    failures,
    logFiles: fleet.logFiles,
  };
  log(spec, summary(result));
  return result;
}

/**
 * The last warnings and errors of each instance (late-record lines left out), so a failure in CI, where the
 * log files are gone afterwards, still says what the instances went through.
 */
function logHighlights(logFiles: readonly string[], perFile = 12): string[] {
  const out: string[] = [];
  for (const file of logFiles) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    const lines = text.split('\n').filter((l) => /"level":"(warn|error|fatal)"/.test(l) && !l.includes('late record written'));
    if (lines.length === 0) continue;
    const shown = lines.slice(-perFile).map((l) => {
      const time = /"time":"[^"]*T([^"Z]*)/.exec(l)?.[1] ?? '';
      const msg = /"msg":"([^"]*)"/.exec(l)?.[1] ?? '';
      const task = /"task":"([^"]*)"/.exec(l)?.[1];
      const err = /"message":"([^"]{0,200})/.exec(l)?.[1];
      return `${time}${task !== undefined ? ` [${task}]` : ''} ${msg}${err !== undefined ? `: ${err}` : ''}`;
    });
    out.push(`${basename(file)}: ${lines.length} warnings/errors, the last ${shown.length}:\n    ${shown.join('\n    ')}`);
  }
  return out;
}

function judge(spec: ScenarioSpec, f: Figures, failures: string[]): void {
  if (f.missing > 0) failures.push(`${f.missing} of ${f.expected} ${spec.topology === 'windowed' ? 'windows' : 'records'} missing`);
  if (spec.guarantee === 'exactly_once') {
    if (f.duplicated > 0) failures.push(`${f.duplicated} duplicated`);
    if (f.wrong > 0) failures.push(`${f.wrong} wrong`);
    if (f.unexpected > 0) failures.push(`${f.unexpected} unexpected`);
    if ((f.lateDuplicated ?? 0) > 0 || (f.lateUnexpected ?? 0) > 0) failures.push(`late records: ${String(f.lateDuplicated)} duplicated, ${String(f.lateUnexpected)} not expected`);
  } else if (f.undercounted > f.missing) {
    failures.push(`${f.undercounted - f.missing} windows count fewer records than the input has (records lost)`);
  }
  // Under at-least-once a record processed again after a failure may meet an earlier watermark (one not yet
  // made durable) and be counted in its window instead of written to the late topic: not lost.
  const lost = (f.lateMissing ?? 0) - (spec.guarantee === 'at_least_once' ? (f.lateCountedInWindow ?? 0) : 0);
  if (lost > 0) failures.push(`${String(lost)} of ${String(f.lateExpected)} late records missing from the late topic${spec.guarantee === 'at_least_once' ? ' and from their windows' : ''}`);
}

async function applyFault(kind: FaultKind, broker: ChaosBroker, fleet: Fleet, feeder: Feeder, random: () => number, sessionTimeoutMs: number, outageMs: number | undefined, notes: string[]): Promise<string> {
  const proxy = broker.proxy;
  const armed = async (fault: Fault): Promise<string> => {
    const fired = await Promise.race([fault.fired, sleep(60_000).then(() => undefined)]);
    if (fired === undefined) {
      fault.cancel();
      notes.push(`fault did not fire within 60 s: ${fault.description}`);
      return `${fault.description}: did not fire`;
    }
    return fired.detail;
  };
  switch (kind) {
    case 'kill': {
      const running = fleet.running();
      const slot = running[Math.floor(random() * running.length)] as number;
      await fleet.killAndRestart(slot);
      return `SIGKILL instance ${slot}, restarted`;
    }
    case 'pause': {
      // A zombie: the instance is frozen (SIGSTOP) past its session timeout, the group hands its tasks to the
      // others, and then it goes on (SIGCONT) with whatever it had in flight.
      const running = fleet.running();
      const slot = running[Math.floor(random() * running.length)] as number;
      const frozenMs = sessionTimeoutMs + 5_000;
      await fleet.freeze(slot, frozenMs);
      return `SIGSTOP instance ${slot} for ${frozenMs} ms (session timeout ${sessionTimeoutMs} ms), then SIGCONT`;
    }
    case 'broker-restart': {
      await feeder.pause();
      try {
        await broker.restart();
      } finally {
        feeder.resume();
      }
      return 'clean broker restart, data kept';
    }
    case 'broker-outage': {
      const downMs = outageMs ?? 2 * sessionTimeoutMs + 5000;
      const ports = fleet.httpPorts();
      await feeder.pause();
      await broker.stopKeepingData();
      const downAt = Date.now();
      const notReady = new Set<number>();
      const answers = { ready: 0, notReady: 0, none: 0 };
      while (Date.now() - downAt < downMs || (notReady.size < ports.length && Date.now() - downAt < downMs + 60_000)) {
        for (const port of ports) {
          const r = await readiness(port);
          if (r === false) notReady.add(port);
          answers[r === true ? 'ready' : r === false ? 'notReady' : 'none']++;
        }
        await sleep(500);
      }
      notes.push(`/readyz while the broker was down: ${answers.ready} ready, ${answers.notReady} not ready, ${answers.none} no answer`);
      const downFor = Date.now() - downAt;
      await broker.resume();
      feeder.resume();
      if (notReady.size < ports.length) notes.push(`not ready never reported by ${ports.length - notReady.size} of ${ports.length} instance(s) during a ${downFor} ms outage`);
      const ready = await waitUntil(async () => (await Promise.all(fleet.httpPorts().map(readiness))).every((r) => r === true), 180_000, 500);
      if (!ready) notes.push('never ready again within 180 s after the broker returned');
      return `broker down ${downFor} ms (session timeout ${sessionTimeoutMs} ms); not-ready seen on ${notReady.size}/${ports.length}; ready again: ${ready}`;
    }
    case 'drop-endtxn-reply':
      return armed(need(proxy).dropResponses(ApiKey.EndTxn));
    case 'drop-txnoffsetcommit-reply':
      return armed(need(proxy).dropResponses(ApiKey.TxnOffsetCommit));
    case 'drop-addoffsets-reply':
      return armed(need(proxy).dropResponses(ApiKey.AddOffsetsToTxn));
    case 'drop-offsetcommit-reply':
      return armed(need(proxy).dropResponses(ApiKey.OffsetCommit));
    case 'cut-at-produce':
      return armed(need(proxy).cutAfter(ApiKey.Produce, { count: 1 + Math.floor(random() * 5) }));
    case 'cut-at-addpartitions':
      return armed(need(proxy).cutAfter(ApiKey.AddPartitionsToTxn, { count: 1 + Math.floor(random() * 3) }));
    case 'cut-all':
      return `${need(proxy).cutAll()} connection(s) cut`;
  }
}

function need<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('this fault needs the broker to run with the fault proxy');
  return value;
}

export function summary(r: ScenarioResult): string {
  const f = r.figures;
  const late = f.lateExpected === undefined ? '' : `; late ${String(f.lateSeen)}/${f.lateExpected} (missing ${String(f.lateMissing)}, dup ${String(f.lateDuplicated)}, unexpected ${String(f.lateUnexpected)})`;
  return (
    `${r.failures.length === 0 ? 'PASS' : 'FAIL'}: ${f.recordsIn} records in; ${f.expected} expected, ${f.seen} seen (${f.outputRecords} output records); ` +
    `missing ${f.missing}, duplicated ${f.duplicated}, wrong ${f.wrong}, unexpected ${f.unexpected}${late}; longest output pause ${r.longestPauseMs} ms; ` +
    `${describePartitions(f)}${f.examples.length > 0 ? `; ${f.examples.join('; ')}` : ''}${r.notes.length > 0 ? `; notes: ${r.notes.join('; ')}` : ''}` +
    `${r.failures.length > 0 ? `; failures: ${r.failures.join('; ')}` : ''}`
  );
}
