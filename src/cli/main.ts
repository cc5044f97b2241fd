import { parseArgs } from 'node:util';
import { CONFIG_FLAGS, loadConfig } from '../config/config.ts';
import { SluiceError } from '../errors/index.ts';
import { describePlan, formatDescription } from '../planner/describe.ts';
import { plan, type Plan } from '../planner/plan.ts';
import { resolvePartitions } from '../planner/partitions.ts';
import type { TopologyDescription } from '../planner/description.ts';
import type { SluiceConfig } from '../config/config.ts';
import { createKafkajsClient } from '../kafka/index.ts';
import { loadTopology } from './load-topology.ts';
import { runTopology } from './run.ts';
import { devTopology } from './dev.ts';
import { exportRegistrySettings } from './registry-env.ts';

const USAGE = `usage: sluice <command> [options]

  sluice run <topology.ts>        run a topology (config from flags or SLUICE_* / KAFKA_BROKERS env)
  sluice dev <topology.ts>        start a local broker if KAFKA_BROKERS is unset, create source topics, run
  sluice describe <topology.ts>   print sub-topologies, topics (with partition counts) and transactional ids

options: ${CONFIG_FLAGS.map((f) => `--${f}`).join(' ')} --json (describe)`;

/** With brokers configured, partition counts come from the cluster; without, they print as "?". */
async function describeWithPartitions(p: Plan, config: SluiceConfig): Promise<TopologyDescription> {
  if (config.brokers.length === 0) return describePlan(p);
  const admin = createKafkajsClient({ brokers: config.brokers, clientId: 'sluice-describe', connectionTimeoutMs: 5000 }).admin();
  await admin.connect();
  try {
    const topics = await admin.describeTopics([...p.sourceTopics, ...p.sinkTopics]);
    const counts = new Map([...topics].map(([name, info]) => [name, info.partitions]));
    const resolved = resolvePartitions(p, counts);
    return describePlan(p, { topics: new Map([...counts, ...resolved.topics]), subtopologies: resolved.subtopologies });
  } finally {
    await admin.disconnect();
  }
}

export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    console.log(USAGE);
    return command === undefined ? 2 : 0;
  }
  const options: Record<string, { type: 'string' } | { type: 'boolean' }> = { json: { type: 'boolean' } };
  for (const flag of CONFIG_FLAGS) options[flag] = { type: 'string' };
  let parsed;
  try {
    parsed = parseArgs({ args: [...rest], options, allowPositionals: true, strict: true });
  } catch (error) {
    console.error(`sluice ${command}: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const file = parsed.positionals[0];
  if (file === undefined) {
    console.error(`sluice ${command}: missing the topology file (e.g. sluice ${command} topologies/clicks.ts)`);
    return 2;
  }
  const flags: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(parsed.values)) if (typeof v === 'string') flags[k] = v;
  try {
    switch (command) {
      case 'describe': {
        const topology = await loadTopology(file);
        const description = await describeWithPartitions(plan(topology), loadConfig(flags, process.env, { requireBrokers: false }));
        console.log(parsed.values.json === true ? JSON.stringify(description, null, 2) : formatDescription(description));
        return 0;
      }
      case 'run': {
        const config = loadConfig(flags, process.env);
        exportRegistrySettings(config);
        const topology = await loadTopology(file);
        return await runTopology(topology, config);
      }
      case 'dev':
        return await devTopology(file, flags);
      default:
        console.error(`sluice: unknown command "${command}"\n\n${USAGE}`);
        return 2;
    }
  } catch (error) {
    if (error instanceof SluiceError) {
      console.error(`sluice ${command}: ${error.message}`);
      return 1;
    }
    throw error;
  }
}
