/**
 * The short form of the chaos suite (the long form is `npm run chaos`): a windowed exactly-once topology
 * (1-minute tumbling count + sum, 30 s grace, late records to a topic) on a broker of its own with the fault
 * proxy in front, under SIGKILLs, broker restarts with data kept, and lost replies / cut connections; then the
 * same faults under at-least-once. Expected results come from the seeded input (test/chaos/support/
 * seeded-input.ts); every window and every late record is compared. CHAOS_SEED replays a run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChaosBroker } from '../../chaos/support/chaos-broker.ts';
import { AT_LEAST_ONCE_FAULTS, PROXY_FAULTS, runScenario, summary, type FaultKind, type ScenarioResult, type ScenarioSpec } from '../../chaos/support/scenario.ts';
import { freePort } from '../setup/local-broker.ts';

const seed = Number(process.env.CHAOS_SEED ?? Math.floor(Math.random() * 1e9));
const EVENTS = 25_000;
const SCENARIO_TIMEOUT_MS = 900_000;

let broker: ChaosBroker;

beforeAll(async () => {
  broker = await ChaosBroker.start({ port: await freePort(Number(process.env.CHAOS_PORT ?? 29_292)) });
  console.log(`[chaos short] seed ${seed} (replay with CHAOS_SEED=${seed})`);
});

afterAll(async () => {
  await broker?.stop();
});

function spec(name: string, faults: FaultKind[], overrides: Partial<ScenarioSpec> = {}): ScenarioSpec {
  return { name, topology: 'windowed', guarantee: 'exactly_once', seed, events: EVENTS, keys: 500, partitions: 4, instances: 1, faults, ...overrides };
}

/** Exactly-once: nothing missing, nothing twice, nothing wrong, every late record (and only those) once. */
function expectExactlyOnce(result: ScenarioResult): void {
  const f = result.figures;
  const figures = { missing: f.missing, duplicated: f.duplicated, wrong: f.wrong, unexpected: f.unexpected, lateSeen: f.lateSeen, lateMissing: f.lateMissing, lateDuplicated: f.lateDuplicated };
  expect(figures, summary(result)).toEqual({ missing: 0, duplicated: 0, wrong: 0, unexpected: 0, lateSeen: f.lateExpected, lateMissing: 0, lateDuplicated: 0 });
  expect(f.seen, summary(result)).toBe(f.expected);
  expect(result.failures, summary(result)).toEqual([]);
}

describe('chaos, short form', () => {
  it('exactly-once across 3 SIGKILLs and a zombie (an instance frozen past its session timeout, then let go) of 2 instances', { timeout: SCENARIO_TIMEOUT_MS }, async () => {
    const result = await runScenario(broker, spec('short-kills', ['kill', 'pause', 'kill', 'kill'], { instances: 2, ratePerSec: 1000 }));
    expect(result.faults).toHaveLength(4);
    expectExactlyOnce(result);
  });

  it('exactly-once across 2 broker restarts (data kept) under a running instance', { timeout: SCENARIO_TIMEOUT_MS }, async () => {
    // A fast feed: the restarts hit an instance with full fetches in flight (the long form adds a 500,000-record backlog).
    const result = await runScenario(broker, spec('short-broker-restarts', ['broker-restart', 'broker-restart'], { events: 50_000, ratePerSec: 10_000 }));
    expect(result.faults).toHaveLength(2);
    expectExactlyOnce(result);
  });

  it('exactly-once across 5 proxy faults: lost EndTxn / TxnOffsetCommit / AddOffsetsToTxn replies, cuts mid-transaction', { timeout: SCENARIO_TIMEOUT_MS }, async () => {
    const result = await runScenario(broker, spec('short-proxy', PROXY_FAULTS.slice(0, 5)));
    expect(result.faults).toHaveLength(5);
    expectExactlyOnce(result);
  });

  it('one transaction per instance (--eos-producer per-instance): exactly-once across a SIGKILL, a zombie and 3 proxy faults of 2 instances', { timeout: SCENARIO_TIMEOUT_MS }, async () => {
    // The proxy faults first, while input still flows (the kill and the freeze take the longest), fed slowly enough
    // that each fault finds the request it waits for.
    const faults: FaultKind[] = ['drop-endtxn-reply', 'drop-txnoffsetcommit-reply', 'cut-at-produce', 'kill', 'pause'];
    const result = await runScenario(broker, spec('short-per-instance', faults, { instances: 2, eosProducer: 'per-instance', ratePerSec: 1000 }));
    expect(result.faults).toHaveLength(faults.length);
    expect(result.notes.filter((n) => n.includes('did not fire')), summary(result)).toEqual([]);
    expectExactlyOnce(result);
  });

  it('at-least-once under the same faults: nothing missing (duplicates allowed and counted)', { timeout: SCENARIO_TIMEOUT_MS }, async () => {
    const faults = [...AT_LEAST_ONCE_FAULTS];
    // Fed slowly (50 s): a broker restart holds processing back for ~15 s, and the faults after it must still
    // find commits and produce requests to hit, not an idle instance.
    const result = await runScenario(broker, spec('short-alos', faults, { guarantee: 'at_least_once', instances: 2, ratePerSec: 500 }));
    const f = result.figures;
    console.log(`[chaos short-alos] ${f.duplicated} windows emitted more than once, ${f.outputRecords - f.seen} extra results (allowed)`);
    expect(result.faults).toHaveLength(faults.length);
    // A late record replayed against an earlier watermark may be counted in its window instead (see judge in scenario.ts).
    const lateLost = (f.lateMissing ?? 0) - (f.lateCountedInWindow ?? 0);
    expect({ missing: f.missing, undercounted: f.undercounted, lateLost }, summary(result)).toEqual({ missing: 0, undercounted: 0, lateLost: 0 });
    expect(result.failures, summary(result)).toEqual([]);
  });
});
