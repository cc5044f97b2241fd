import { loadConfig, type ConfigInput } from '../config/config.ts';
import { startDemoFeed, type RunningDemoFeed } from '../dev/demo-feed.ts';
import { ensureLocalBroker, type LocalBroker } from '../dev/local-broker.ts';
import { OutputConsole } from '../dev/output-console.ts';
import { TopologyError } from '../errors/index.ts';
import { createKafkajsClient } from '../kafka/index.ts';
import { createLogger, type Logger } from '../logging/logger.ts';
import { plan } from '../planner/plan.ts';
import type { Application } from '../runtime/application.ts';
import { loadTopologyModule } from './load-topology.ts';
import { exportRegistrySettings } from './registry-env.ts';
import { runTopology } from './run.ts';

export interface DevOptions {
  readonly file: string;
  readonly flags: ConfigInput;
  /** Feed the module's `demo` export to its source topic while it runs. */
  readonly demo: boolean;
  /** Port of the local broker started (or reused) when no brokers are configured. */
  readonly kafkaPort: number;
  /** Partitions of the source and sink topics `dev` creates. */
  readonly partitions?: number;
}

const say = (line: string): void => {
  process.stderr.write(`sluice dev: ${line}\n`);
};

/** Prints the application's committed sink records; feeds the demo. Returns what stops both. */
function attachConsole(app: Application, options: { demo: DevOptions['demo']; module: Awaited<ReturnType<typeof loadTopologyModule>>; brokers: readonly string[]; logger: Logger }) {
  const output = new OutputConsole({ plan: app.plan, write: (line) => process.stdout.write(`${line}\n`) });
  say(`printing the records committed to ${output.topics().join(', ')} (windowed keys as: key  [start → end)  value)`);
  let chain = Promise.resolve();
  const unsubscribe = app.onCommittedOutput((records) => {
    const copy = [...records];
    chain = chain.then(() => output.accept(copy)).catch(() => undefined);
  });
  const stopFlushing = output.start();
  // One line once the group is joined and every task restored, so a quiet console is not mistaken for a hang.
  const readiness = setInterval(() => {
    const status = app.status();
    if (!status.ready) return;
    clearInterval(readiness);
    say(`${status.tasks.length} tasks running${options.demo ? '; the demo feed is writing' : ''}; results print as commits make them visible`);
  }, 250);
  readiness.unref();
  let feed: Promise<RunningDemoFeed | undefined> = Promise.resolve(undefined);
  const demo = options.module.demo;
  if (options.demo && demo !== undefined) {
    const producer = createKafkajsClient({ brokers: options.brokers, clientId: 'sluice-dev-demo' }).producer();
    feed = startDemoFeed({ feed: demo, plan: app.plan, producer, logger: options.logger.child({ component: 'demo' }) }).catch((error: unknown) => {
      options.logger.error({ err: error }, `demo feed could not start: ${(error as Error).message}`);
      return undefined;
    });
  }
  return async () => {
    clearInterval(readiness);
    const running = await feed;
    await running?.stop();
    unsubscribe();
    await chain;
    stopFlushing();
    say(`${output.summary()}${running !== undefined ? `; the demo feed wrote ${running.sent().toLocaleString('en-US')} records` : ''}`);
  };
}

/**
 * `sluice dev`: starts the local broker (docker/local-kafka/kafka.sh) on `kafkaPort` when no brokers are
 * configured, creates the topology's source and sink topics if missing, runs it with human-readable logs and
 * prints every committed sink record. With `demo`, the module's `demo` feed writes sample input meanwhile.
 * Ctrl-C stops the application, then the broker if this command started it.
 */
export async function devTopology(options: DevOptions): Promise<number> {
  const { file, flags } = options;
  const env: Record<string, string | undefined> = { ...process.env };
  const module = await loadTopologyModule(file);
  if (options.demo && module.demo === undefined) {
    throw new TopologyError(`${file}: --demo needs the module to export a demo feed (\`export const demo: DemoFeed<K, V> = { topic, record(i, nowMs) }\`)`, { context: { file } });
  }
  let broker: LocalBroker | undefined;
  const stopBrokerOnExit = () => broker?.stopSync();
  if ((flags.brokers ?? env.SLUICE_BROKERS ?? env.KAFKA_BROKERS ?? '') === '') {
    say(`no KAFKA_BROKERS set: using a local Apache Kafka broker on 127.0.0.1:${options.kafkaPort} (Java 17+ and Maven; the first start downloads the jars)`);
    let interrupted = false;
    const onSignal = () => {
      interrupted = true;
      say('interrupted: stopping once the broker start has finished');
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    try {
      broker = await ensureLocalBroker({ port: options.kafkaPort, onProgress: (line) => say(line) });
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    process.on('exit', stopBrokerOnExit);
    if (interrupted) {
      await broker.stop();
      return 130;
    }
    say(broker.startedHere ? `broker ready on ${broker.brokers}` : `a broker already runs on ${broker.brokers}: using it (it stays up afterwards)`);
    env.KAFKA_BROKERS = broker.brokers;
  }
  try {
    // The console shows what happens; the application's own logs start at warnings unless asked for.
    const quiet = flags['log-level'] === undefined && (env.SLUICE_LOG_LEVEL ?? '') === '';
    const config = loadConfig(quiet ? { ...flags, 'log-level': 'warn' } : flags, env, { logFormat: 'pretty' });
    exportRegistrySettings(config);
    const logger = createLogger({ level: config.logLevel, format: config.logFormat, name: 'sluice' });
    const p = plan(module.topology);
    const admin = createKafkajsClient({ brokers: config.brokers, clientId: 'sluice-dev' }).admin();
    await admin.connect();
    try {
      const topics = [...p.sourceTopics, ...p.sinkTopics];
      const existing = await admin.describeTopics(topics);
      const missing = topics.filter((t) => !existing.has(t));
      if (missing.length > 0) {
        const partitions = options.partitions ?? 4;
        await admin.createTopics(missing.map((name) => ({ name, partitions })));
        say(`created topics ${missing.join(', ')} (${partitions} partitions each)`);
      }
      // A new broker loads its group coordinator on first use; waiting for that here keeps the consumer's first
      // join from failing (and logging an error) while it loads.
      if (broker?.startedHere === true && p.sourceTopics[0] !== undefined) {
        await admin.committedOffsets(config.applicationId ?? module.topology.options.applicationId, p.sourceTopics[0]).catch(() => undefined);
      }
    } finally {
      await admin.disconnect();
    }
    say(`running ${file}${options.demo ? ' with its demo feed' : ''} on ${config.brokers.join(',')}; Ctrl-C stops it${broker?.startedHere === true ? ' and the broker' : ''}`);
    if (!options.demo) {
      say(
        module.demo !== undefined
          ? 'the module exports a demo feed: add --demo to have it write sample input'
          : `waiting for input on ${p.sourceTopics.join(', ')} (produce to it from another terminal, KAFKA_BROKERS=${config.brokers.join(',')})`,
      );
    }
    return await runTopology(module.topology, config, {
      logger,
      onListening: (url) => say(`dashboard, metrics and health on ${url}`),
      attach: (app) => attachConsole(app, { demo: options.demo, module, brokers: config.brokers, logger }),
    });
  } finally {
    if (broker?.startedHere === true) {
      say(`stopping the local broker on port ${broker.port}`);
      await broker.stop();
    }
    process.off('exit', stopBrokerOnExit);
  }
}
