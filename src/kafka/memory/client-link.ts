/**
 * A client's connection to the memory cluster. `cut()` is what a killed process or a network partition looks
 * like from the cluster: every later request of the client fails with a retriable connection error (which its
 * owner may never see, being "dead"), its consumers stop heartbeating, and the group drops them once their
 * session times out (or at once with MemoryKafka.expireSessions()). Its open transactions stay open until a
 * newer producer with the same id fences them or the transaction timeout aborts them, as with a real zombie.
 */
import { MemoryBrokerError } from './broker-error.ts';

export class ClientLink {
  private isCut = false;
  private readonly listeners: (() => void)[] = [];

  constructor(readonly clientId: string) {}

  get cut(): boolean {
    return this.isCut;
  }

  cutOff(): void {
    if (this.isCut) return;
    this.isCut = true;
    for (const listener of this.listeners.splice(0)) listener();
  }

  onCut(listener: () => void): void {
    if (this.isCut) listener();
    else this.listeners.push(listener);
  }

  /** Throws the error a request over a dead connection gets. */
  check(): void {
    if (this.isCut) {
      throw new MemoryBrokerError('CONNECTION_BROKEN', `client ${this.clientId} lost its connection to the cluster (killed)`, { injected: true });
    }
  }
}
