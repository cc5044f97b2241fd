import { relative } from 'node:path';
import { parseArgs } from 'node:util';
import { CONFIG_FLAGS, loadConfig } from '../config/config.ts';
import { normalizeArgs, unknownOptionMessage } from './args.ts';
import { checkStartup } from './preflight.ts';
import { ConfigError, SluiceError } from '../errors/index.ts';
import { describePlan, formatDescription } from '../planner/describe.ts';
import { plan, type Plan } from '../planner/plan.ts';
import { resolvePartitions } from '../planner/partitions.ts';
import type { TopologyDescription } from '../planner/description.ts';
import type { SluiceConfig } from '../config/config.ts';
import { createKafkajsClient } from '../kafka/index.ts';
import { loadTopology } from './load-topology.ts';
import { runTopology } from './run.ts';
import { devTopology } from './dev.ts';
import { initProject } from './init.ts';
import { exportRegistrySettings } from './registry-env.ts';

const USAGE = `usage: sluice <command> [options]

  sluice init <dir>               create a project: package.json, tsconfig, a windowed topology and its test
  sluice dev <topology.ts>        start a local broker if KAFKA_BROKERS is unset, create topics, run, print results
  sluice run <topology.ts>        run a topology (config from flags or SLUICE_* / KAFKA_BROKERS env)
  sluice describe <topology.ts>   print sub-topologies, topics (with partition counts) and transactional ids

dev:      --demo (feed the module's \`demo\` export), --kafka-port N (local broker port, default 19092)
init:     --sluice <version | tarball | dir> (the sluice dependency; default this version)
describe: --json
options:  ${CONFIG_FLAGS.map((f) => `--${f}`).join(' ')}`;

/** With brokers configured, partition counts come from the cluster; without, they print as "?". */
async function describeWithPartitions(p: Plan, config: SluiceConfig): Promise<TopologyDescription> {
  if (config.brokers.length === 0) return describePlan(p);
  const admin = createKafkajsClient({ brokers: config.brokers, clientId: 'sluice-describe', connectionTimeoutMs: 5000 }).admin();
  await admin.connect();
  try {
    const topics = await admin.describeTopics([...p.sourceTopics, ...p.sinkTopics, ...p.globalTables.map((g) => g.topic)]);
    const counts = new Map([...topics].map(([name, info]) => [name, info.partitions]));
    const resolved = resolvePartitions(p, counts);
    return describePlan(p, { topics: new Map([...counts, ...resolved.topics]), subtopologies: resolved.subtopologies });
  } finally {
    await admin.disconnect();
  }
}

type Option = { type: 'string' } | { type: 'boolean' };

/** Options each command accepts besides the config flags (init takes none of those). */
const COMMAND_OPTIONS: Readonly<Record<string, Readonly<Record<string, Option>>>> = {
  describe: { json: { type: 'boolean' } },
  run: {},
  dev: { demo: { type: 'boolean' }, 'kafka-port': { type: 'string' } },
  init: { sluice: { type: 'string' } },
};

function port(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65_535) throw new ConfigError(`--kafka-port is "${value}" (expected an integer from 1 to 65535)`);
  return n;
}

export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    console.log(USAGE);
    return command === undefined ? 2 : 0;
  }
  const own = COMMAND_OPTIONS[command];
  if (own === undefined) {
    console.error(`sluice: unknown command "${command}"\n\n${USAGE}`);
    return 2;
  }
  const options: Record<string, Option> = { ...own };
  if (command !== 'init') for (const flag of CONFIG_FLAGS) options[flag] = { type: 'string' };
  let parsed;
  try {
    parsed = parseArgs({ args: normalizeArgs(rest, options), options, allowPositionals: true, strict: true });
  } catch (error) {
    console.error(`sluice ${command}: ${unknownOptionMessage(error as Error, Object.keys(options))}`);
    return 2;
  }
  const target = parsed.positionals[0];
  if (target === undefined) {
    console.error(command === 'init' ? 'sluice init: missing the directory (e.g. sluice init my-app)' : `sluice ${command}: missing the topology file (e.g. sluice ${command} topologies/clicks.ts)`);
    return 2;
  }
  const flags: Record<string, string | undefined> = {};
  const configFlags = new Set(CONFIG_FLAGS);
  for (const [k, v] of Object.entries(parsed.values)) if (typeof v === 'string' && configFlags.has(k)) flags[k] = v;
  const values = parsed.values as Record<string, string | boolean | undefined>;
  try {
    switch (command) {
      case 'describe': {
        const topology = await loadTopology(target);
        const description = await describeWithPartitions(plan(topology), loadConfig(flags, process.env, { requireBrokers: false }));
        console.log(values.json === true ? JSON.stringify(description, null, 2) : formatDescription(description));
        return 0;
      }
      case 'run': {
        const config = loadConfig(flags, process.env);
        exportRegistrySettings(config);
        const topology = await loadTopology(target);
        await checkStartup(target, topology, config, { onRetry: (message) => process.stderr.write(`sluice: ${message}\n`) });
        return await runTopology(topology, config);
      }
      case 'dev':
        return await devTopology({ file: target, flags, demo: values.demo === true, kafkaPort: port(values['kafka-port'] as string | undefined, 19_092) });
      default: {
        const sluice = values.sluice as string | undefined;
        const result = initProject({ dir: target, ...(sluice !== undefined ? { sluice } : {}) });
        const where = relative(process.cwd(), result.dir) || '.';
        console.log(`created ${where}: ${result.files.join(', ')}\n\nnext:\n  cd ${where}\n  npm install\n  npm run dev    # local broker + sample clicks; windows print as they close\n  npm test       # the topology's tests, in memory`);
        return 0;
      }
    }
  } catch (error) {
    if (error instanceof SluiceError) {
      console.error(`sluice ${command}: ${error.message}`);
      return 1;
    }
    throw error;
  }
}
