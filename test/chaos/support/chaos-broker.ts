/**
 * A broker of its own for a chaos run (docker/local-kafka/kafka.sh), optionally with the fault proxy in front:
 * started with `--proxy-port`, its EXTERNAL listener advertises the proxy, so clients that bootstrap at
 * `clientBrokers` send every request through the proxy, while `directBrokers` (the inter-broker listener)
 * lets the test's own producer and reader bypass it. Restarts keep the data.
 */
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { FaultProxy } from '../../support/fault-proxy/fault-proxy.ts';

const run = promisify(execFile);
const root = join(dirname(new URL(import.meta.url).pathname), '..', '..', '..');
const script = join(root, 'docker', 'local-kafka', 'kafka.sh');

export interface ChaosBrokerOptions {
  readonly port: number;
  /** Put the fault proxy in front of the clients' listener (default true). */
  readonly proxy?: boolean;
}

async function kafkaSh(args: string[], timeoutMs = 240_000): Promise<string> {
  try {
    const { stdout } = await run('bash', [script, ...args], { cwd: root, maxBuffer: 1 << 20, timeout: timeoutMs });
    return stdout.trim();
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`kafka.sh ${args.join(' ')} failed: ${stderr.trim() || String(error)}`, { cause: error });
  }
}

export class ChaosBroker {
  private constructor(
    readonly port: number,
    /** Address for the test's own clients: straight to the broker. */
    readonly directBrokers: string,
    /** Address for the clients under test: through the proxy when there is one. */
    readonly clientBrokers: string,
    readonly proxy: FaultProxy | undefined,
    readonly logFile: string,
  ) {}

  /** Starts on `options.port`, or on a nearby port when that one is taken (another run's broker, a stale pid). */
  static async start(options: ChaosBrokerOptions): Promise<ChaosBroker> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await ChaosBroker.startOn({ ...options, port: options.port + attempt * 7 });
      } catch (error) {
        if (attempt >= 5 || !/already runs|already in use/.test(String(error))) throw error;
      }
    }
  }

  private static async startOn(options: ChaosBrokerOptions): Promise<ChaosBroker> {
    const useProxy = options.proxy ?? true;
    let proxy: FaultProxy | undefined;
    const args = ['start', '--port', String(options.port)];
    if (useProxy) {
      // The proxy's port must be known before the broker starts (it is advertised); the proxy itself
      // starts once the broker's upstream port is known.
      const probe = await FaultProxy.start({ listenPort: 0, upstreamPort: 1 });
      const proxyPort = probe.port;
      await probe.close();
      args.push('--proxy-port', String(proxyPort));
      const direct = await kafkaSh(args);
      const info = await kafkaSh(['info', '--port', String(options.port)]);
      const upstream = /upstream=127\.0\.0\.1:(\d+)/.exec(info)?.[1];
      if (upstream === undefined) throw new Error(`kafka.sh info gave no upstream port: ${info}`);
      proxy = await FaultProxy.start({ listenPort: proxyPort, upstreamPort: Number(upstream) });
      return new ChaosBroker(options.port, direct.split('\n').pop() ?? '', proxy.address, proxy, logFileOf(options.port));
    }
    const direct = (await kafkaSh(args)).split('\n').pop() ?? '';
    return new ChaosBroker(options.port, direct, direct, undefined, logFileOf(options.port));
  }

  /** Stops the broker keeping its data (clean shutdown unless `kill`). */
  async stopKeepingData(kill = false): Promise<void> {
    await kafkaSh(['stop', '--port', String(this.port), '--keep-data', ...(kill ? ['--kill'] : [])]);
  }

  /** Starts the broker stopped by stopKeepingData again: same ports, config and data. */
  async resume(): Promise<void> {
    await kafkaSh(['resume', '--port', String(this.port)]);
  }

  /** Clean stop keeping data, `downMs` down, start again. */
  async restart(downMs = 0): Promise<void> {
    await this.stopKeepingData();
    if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
    await this.resume();
  }

  /** Stops the broker (its data is removed) and the proxy. */
  async stop(): Promise<void> {
    await this.proxy?.close();
    await kafkaSh(['stop', '--port', String(this.port)]);
  }
}

function logFileOf(port: number): string {
  const cache = process.env.SLUICE_KAFKA_CACHE ?? join(root, '.cache', 'kafka');
  return join(cache, 'run', String(port), 'broker.log');
}
