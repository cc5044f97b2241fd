/** The sluice instances of one chaos scenario: child processes started, killed and stopped by slot. */
import { startSluice, type SluiceProcess } from '../../integration/support/sluice-process.ts';
import { freePort } from '../../integration/setup/local-broker.ts';

export interface FleetOptions {
  readonly topologyFile: string;
  readonly applicationId: string;
  readonly env: Record<string, string>;
  readonly flags: string[];
  /** Give every instance an HTTP port (for /readyz). */
  readonly http?: boolean;
}

interface Slot {
  process: SluiceProcess;
  httpPort: number | undefined;
  generation: number;
  /** Set before the fleet itself stops or kills the process. */
  expectedExit: boolean;
}

/** An instance that exited without being told to; the fleet restarts it, as a supervisor would. */
export interface Crash {
  readonly slot: number;
  readonly exit: number | string;
  readonly logFile: string;
  /** The last error line of its log. */
  readonly lastError: string;
}

export class Fleet {
  private readonly slots = new Map<number, Slot>();
  private nextSlot = 0;
  readonly logFiles: string[] = [];
  readonly crashes: Crash[] = [];
  private stopping = false;
  kills = 0;
  joins = 0;
  leaves = 0;

  constructor(private readonly options: FleetOptions) {}

  get size(): number {
    return this.slots.size;
  }

  /** Slots of running instances. */
  running(): number[] {
    return [...this.slots.keys()];
  }

  httpPorts(): number[] {
    return [...this.slots.values()].map((s) => s.httpPort).filter((p): p is number => p !== undefined);
  }

  /** Starts a new instance in a new slot. */
  async add(): Promise<number> {
    const slot = this.nextSlot++;
    await this.launch(slot, 0);
    return slot;
  }

  private async launch(slot: number, generation: number): Promise<void> {
    // A slot keeps its HTTP port across restarts, so /readyz polling follows the instance.
    const httpPort = this.options.http === true ? (this.slots.get(slot)?.httpPort ?? (await freePort(0))) : undefined;
    const process = startSluice(this.options.topologyFile, {
      applicationId: this.options.applicationId,
      env: this.options.env,
      flags: this.options.flags,
      name: `i${slot}-g${generation}`,
      ...(httpPort !== undefined ? { httpPort } : {}),
    });
    this.logFiles.push(process.logFile);
    const entry: Slot = { process, httpPort, generation, expectedExit: false };
    this.slots.set(slot, entry);
    void process.exited.then(async (exit) => {
      if (entry.expectedExit || this.stopping || this.slots.get(slot) !== entry) return;
      const lines = process.output().split('\n').filter((l) => l.includes('"level":"error"') || l.includes('"level":"fatal"') || l.includes('"level":50') || l.includes('"level":60'));
      this.crashes.push({ slot, exit, logFile: process.logFile, lastError: (lines[lines.length - 1] ?? '').slice(0, 400) });
      await new Promise((r) => setTimeout(r, 1000));
      if (!this.stopping && this.slots.get(slot) === entry) await this.launch(slot, generation + 1);
    });
  }

  /** Freezes the instance in `slot` (SIGSTOP) for `ms`, then lets it go on (SIGCONT): a zombie. */
  async freeze(slot: number, ms: number): Promise<void> {
    const s = this.slots.get(slot);
    if (s === undefined) throw new Error(`no instance in slot ${slot}`);
    s.process.kill('SIGSTOP');
    await new Promise((resolve) => setTimeout(resolve, ms));
    s.process.kill('SIGCONT');
  }

  /** SIGKILLs the instance in `slot` and starts a fresh one in its place. */
  async killAndRestart(slot: number): Promise<void> {
    const s = this.slots.get(slot);
    if (s === undefined) throw new Error(`no instance in slot ${slot}`);
    s.expectedExit = true;
    s.process.kill('SIGKILL');
    await s.process.exited;
    this.kills++;
    await this.launch(slot, s.generation + 1);
  }

  /** Stops the instance in `slot`: SIGTERM (it leaves the group) or SIGKILL (the group notices after the session timeout). */
  async remove(slot: number, signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<number | string> {
    const s = this.slots.get(slot);
    if (s === undefined) throw new Error(`no instance in slot ${slot}`);
    s.expectedExit = true;
    this.slots.delete(slot);
    s.process.kill(signal);
    const timer = setTimeout(() => s.process.kill('SIGKILL'), 60_000);
    const code = await s.process.exited;
    clearTimeout(timer);
    return code;
  }

  async stopAll(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.running().map((slot) => this.remove(slot)));
  }
}

/** /readyz of one instance: true when ready, false when it answers not ready, undefined when it does not answer. */
export async function readiness(httpPort: number): Promise<boolean | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${httpPort}/readyz`, { signal: AbortSignal.timeout(3000) });
    const body = (await res.json().catch(() => ({}))) as { status?: string };
    return res.status === 200 && body.status === 'ready';
  } catch {
    return undefined;
  }
}
