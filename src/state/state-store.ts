/** One changelog record: key and value bytes as written to `<applicationId>-<store>-changelog`. */
export interface ChangelogEntry {
  readonly key: Buffer;
  /** null is a tombstone (delete, expired window). */
  readonly value: Buffer | null;
}

/**
 * A task-local, in-memory state store whose every change is logged. The runtime drains the coalesced changes
 * at each commit and writes them to the changelog inside the task's transaction; on restore it replays the
 * changelog through `restore`.
 */
export interface StateStore {
  readonly name: string;
  /** Entries currently held. */
  size(): number;
  /** Changes since the last drain, at most one entry per key (the last value), then forgets them. */
  drainChanges(): ChangelogEntry[];
  /** Whether there are changes not yet drained. */
  hasChanges(): boolean;
  /** Applies one changelog record (restore path): never logs it again. */
  restore(entry: ChangelogEntry): void;
  /** Drops everything, including undrained changes (a task closed dirty or wiped for restore). */
  clear(): void;
}
