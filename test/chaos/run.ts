/**
 * npm run chaos: the long form of the chaos suite against a broker of its own with the fault proxy in front.
 * Writes test/chaos/results.md (one row per scenario, the seed, the command that reproduces the run) and
 * exits 1 when any scenario broke its guarantee.
 *
 *   npm run chaos                                   full run: 100 kills over 2 instances, 10 broker restarts,
 *                                                   50 proxy faults, 2 minutes of rebalances, at-least-once
 *   npm run chaos -- --events 50000 --kills 10 --broker-restarts 3 --proxy-faults 10 --rebalance-seconds 40
 *   npm run chaos -- --scenarios kills,proxy --seed 12345 --rate 4000   (input records/s fed during faults)
 *
 * Every flag also reads from the environment: --kills ↔ CHAOS_KILLS, --events ↔ CHAOS_EVENTS, and so on.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { freePort } from '../integration/setup/local-broker.ts';
import { ChaosBroker } from './support/chaos-broker.ts';
import { AT_LEAST_ONCE_FAULTS, PROXY_FAULTS, runScenario, type FaultKind, type ScenarioResult, type ScenarioSpec } from './support/scenario.ts';
import { resultsMarkdown } from './support/results-table.ts';

const OPTIONS = {
  seed: { type: 'string' },
  events: { type: 'string' },
  keys: { type: 'string' },
  partitions: { type: 'string' },
  kills: { type: 'string' },
  'broker-restarts': { type: 'string' },
  'proxy-faults': { type: 'string' },
  'rebalance-seconds': { type: 'string' },
  'alos-faults': { type: 'string' },
  rate: { type: 'string' },
  'backlog-events': { type: 'string' },
  scenarios: { type: 'string' },
  port: { type: 'string' },
  out: { type: 'string' },
} as const;

const ALL_SCENARIOS = ['kills', 'kills-rekey', 'broker-restarts', 'broker-restarts-fed', 'broker-restarts-rekey', 'broker-outage', 'proxy', 'proxy-rekey', 'rebalance', 'alos', 'alos-rekey'] as const;

const { values } = parseArgs({ options: OPTIONS, allowPositionals: false });
const setting = (name: keyof typeof OPTIONS, fallback: string): string => values[name] ?? process.env[`CHAOS_${name.toUpperCase().replace(/-/g, '_')}`] ?? fallback;
const int = (name: keyof typeof OPTIONS, fallback: number): number => {
  const raw = setting(name, String(fallback));
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a whole number >= 0, got "${raw}"`);
  return n;
};

const seed = int('seed', Math.floor(Math.random() * 1e9));
const events = int('events', 200_000);
const keys = int('keys', 1000);
const partitions = int('partitions', 4);
const kills = int('kills', 100);
const brokerRestarts = int('broker-restarts', 10);
const proxyFaults = int('proxy-faults', 50);
const rebalanceSeconds = int('rebalance-seconds', 120);
const alosFaults = int('alos-faults', 12);
const rate = int('rate', 2000);
// sluice works through tens of thousands of records a second: a backlog worth restarting the broker into is big.
const backlogEvents = int('backlog-events', 500_000);
const chosen = setting('scenarios', ALL_SCENARIOS.join(',')).split(',').map((s) => s.trim()).filter((s) => s !== '');
for (const s of chosen) if (!(ALL_SCENARIOS as readonly string[]).includes(s)) throw new Error(`unknown scenario "${s}" (expected some of ${ALL_SCENARIOS.join(', ')})`);
const out = setting('out', join(import.meta.dirname, 'results.md'));

const cycle = (kinds: readonly FaultKind[], n: number): FaultKind[] => Array.from({ length: n }, (_, i) => kinds[i % kinds.length] as FaultKind);
const base = { seed, events, keys, partitions, instances: 1, guarantee: 'exactly_once' as const, faults: [] as FaultKind[], ratePerSec: rate };
const mixed = cycle(AT_LEAST_ONCE_FAULTS, alosFaults);
const specs: Record<(typeof ALL_SCENARIOS)[number], ScenarioSpec> = {
  kills: { ...base, name: 'kills', topology: 'windowed', instances: 2, faults: cycle(['kill'], kills) },
  'kills-rekey': { ...base, name: 'kills-rekey', topology: 'rekey', instances: 2, faults: cycle(['kill'], Math.ceil(kills / 4)) },
  // Broker restarts under a backlog (the whole input produced up front), and under a steady feed.
  'broker-restarts': { ...base, name: 'broker-restarts', topology: 'windowed', ratePerSec: 'backlog', events: backlogEvents, faults: cycle(['broker-restart'], brokerRestarts) },
  'broker-restarts-fed': { ...base, name: 'broker-restarts-fed', topology: 'windowed', faults: cycle(['broker-restart'], Math.ceil(brokerRestarts / 2)) },
  'broker-restarts-rekey': { ...base, name: 'broker-restarts-rekey', topology: 'rekey', ratePerSec: 'backlog', events: backlogEvents, faults: cycle(['broker-restart'], Math.ceil(brokerRestarts / 2)) },
  'broker-outage': { ...base, name: 'broker-outage', topology: 'windowed', instances: 2, faults: ['broker-outage'] },
  proxy: { ...base, name: 'proxy', topology: 'windowed', faults: cycle(PROXY_FAULTS, proxyFaults) },
  'proxy-rekey': { ...base, name: 'proxy-rekey', topology: 'rekey', faults: cycle(PROXY_FAULTS, Math.ceil(proxyFaults / 2)) },
  rebalance: { ...base, name: 'rebalance', topology: 'windowed', instances: 2, rebalance: { durationMs: rebalanceSeconds * 1000, everyMs: 10_000, maxInstances: 3 } },
  alos: { ...base, name: 'alos', topology: 'windowed', guarantee: 'at_least_once', instances: 2, faults: mixed },
  'alos-rekey': { ...base, name: 'alos-rekey', topology: 'rekey', guarantee: 'at_least_once', instances: 2, faults: mixed },
};

const startedAt = new Date();
const broker = await ChaosBroker.start({ port: int('port', await freePort(29_392)) });
const kafkaVersion = /Kafka version: (\S+)/.exec(await readFile(broker.logFile, 'utf8').catch(() => ''))?.[1] ?? 'unknown';
const results: ScenarioResult[] = [];
const command =
  `npm run chaos -- --seed ${seed} --events ${events} --keys ${keys} --partitions ${partitions} --kills ${kills} --broker-restarts ${brokerRestarts} ` +
  `--proxy-faults ${proxyFaults} --rebalance-seconds ${rebalanceSeconds} --alos-faults ${alosFaults} --rate ${rate} --backlog-events ${backlogEvents} --scenarios ${chosen.join(',')}`;
const git = (...args: string[]): string => {
  try {
    return execFileSync('git', args, { encoding: 'utf8', cwd: join(import.meta.dirname, '..', '..') }).trim();
  } catch {
    return 'unknown';
  }
};
// The engine is what src/ holds: name the last commit that changed it, and the checkout the suite ran from.
const commit = `${git('log', '-1', '--format=%h', '--', 'src')} (checkout ${git('rev-parse', '--short', 'HEAD')}${git('status', '--porcelain', '--', 'src') === '' ? '' : ', src/ modified'})`;
// The bad-input figures come from the fuzz test (test/integration/engine/fuzzed-input.test.ts) and are kept in
// their own file, so every chaos run keeps them in results.md.
const badInput = join(import.meta.dirname, 'bad-input.md');
const write = () => {
  const appendix = existsSync(badInput) ? `\n${readFileSync(badInput, 'utf8')}` : '';
  writeFileSync(out, resultsMarkdown(results, { command, seed, commit, startedAt, durationMs: Date.now() - startedAt.getTime(), kafkaVersion, ...(process.env.CHAOS_PRODUCE_PATH === undefined ? {} : { producePath: process.env.CHAOS_PRODUCE_PATH }) }) + appendix);
};
try {
  for (const name of chosen) {
    const spec = specs[name as (typeof ALL_SCENARIOS)[number]];
    try {
      results.push(await runScenario(broker, spec));
    } catch (error) {
      console.error(`[chaos ${name}] the scenario itself failed: ${String(error)}`);
      throw error;
    }
    write();
  }
} finally {
  await broker.stop().catch(() => undefined);
}
write();
console.log(`[chaos] ${results.filter((r) => r.failures.length === 0).length}/${results.length} scenarios hold; ${out}`);
console.log(`[chaos] reproduce: ${command}`);
process.exit(results.every((r) => r.failures.length === 0) ? 0 : 1);
