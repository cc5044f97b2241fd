/** Bench settings from the environment, with defaults sized for a ~10-minute run on a 2-core machine. */

export interface BenchConfig {
  /** Input records of the throughput scenarios (ceiling, pass-through, re-key, windowed count). */
  readonly records: number;
  readonly partitions: number;
  /** Approximate size of each input value in bytes. */
  readonly valueBytes: number;
  /** Distinct keys of the throughput input (the windowed count counts per key). */
  readonly keys: number;
  /** Distinct keys (= records) of the table-count state used by the restore and recovery scenarios. */
  readonly restoreKeys: number;
  /** Records/s produced while the recovery scenario kills and restarts the instance. */
  readonly recoveryRate: number;
  /** Only these scenarios (by id), or all. */
  readonly only: ReadonlySet<string> | undefined;
  /** Profile the sluice child processes with --cpu-prof (written to bench/results/profiles). */
  readonly cpuProf: boolean;
  /** Rounds of each throughput scenario; the median round is reported. */
  readonly repeat: number;
  /** Give up on one scenario after this long. */
  readonly timeoutMs: number;
  /** kafkajs partitionsConsumedConcurrently of the ceiling loop (sluice uses 1). */
  readonly ceilingConcurrency: number;
  /** Use this broker instead of starting one. */
  readonly brokers: string | undefined;
  /** sluice --session-timeout-ms of the recovery scenario's instances. */
  readonly sessionTimeoutMs: number | undefined;
}

export function int(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw.replace(/_/g, ''));
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} is "${raw}" (expected an integer >= ${min})`);
  return n;
}

export const SCENARIO_IDS = ['ceiling', 'pass-eos', 'pass-alo', 'rekey-eos', 'rekey-alo', 'window-eos', 'restore', 'recovery'] as const;

export function loadBenchConfig(): BenchConfig {
  const onlyRaw = process.env.BENCH_SCENARIOS;
  let only: Set<string> | undefined;
  if (onlyRaw !== undefined && onlyRaw.trim() !== '') {
    only = new Set(onlyRaw.split(',').map((s) => s.trim()).filter((s) => s !== ''));
    for (const id of only) {
      if (!(SCENARIO_IDS as readonly string[]).includes(id)) throw new Error(`BENCH_SCENARIOS: unknown scenario "${id}" (expected some of ${SCENARIO_IDS.join(', ')})`);
    }
    // Recovery runs on the state the restore scenario builds.
    if (only.has('recovery')) only.add('restore');
  }
  const sessionTimeoutMs = process.env.BENCH_SESSION_TIMEOUT_MS;
  return {
    records: int('BENCH_RECORDS', 200_000, 1_000),
    partitions: int('BENCH_PARTITIONS', 4, 1),
    valueBytes: int('BENCH_VALUE_BYTES', 100, 60),
    keys: int('BENCH_KEYS', 1_000, 1),
    restoreKeys: int('BENCH_RESTORE_KEYS', 1_000_000, 1_000),
    recoveryRate: int('BENCH_RECOVERY_RATE', 2_000, 10),
    only,
    cpuProf: ['1', 'true', 'yes'].includes((process.env.BENCH_CPU_PROF ?? '').toLowerCase()),
    timeoutMs: int('BENCH_TIMEOUT_MS', 300_000, 10_000),
    repeat: int('BENCH_REPEAT', 3, 1),
    ceilingConcurrency: int('BENCH_CEILING_CONCURRENCY', 1, 1),
    brokers: process.env.KAFKA_BROKERS !== undefined && process.env.KAFKA_BROKERS !== '' ? process.env.KAFKA_BROKERS : undefined,
    sessionTimeoutMs: sessionTimeoutMs === undefined || sessionTimeoutMs === '' ? undefined : int('BENCH_SESSION_TIMEOUT_MS', 10_000, 6_000),
  };
}
