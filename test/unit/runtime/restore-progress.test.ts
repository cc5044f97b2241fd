import { describe, expect, it } from 'vitest';
import { formatEta } from '../../../src/runtime/describe-restore.ts';
import { RestoreProgress } from '../../../src/runtime/restore-progress.ts';

describe('RestoreProgress', () => {
  it('counts offsets read per store and over the phase, up to each range end', () => {
    const progress = new RestoreProgress();
    expect(progress.status(0)).toBeUndefined();
    expect(progress.fraction()).toBe(1);
    progress.begin('changelogs', [
      { store: 'a', topic: 'app-a-changelog', partition: 2, fromOffset: 10n, toOffset: 110n },
      { store: 'b', topic: 'app-b-changelog', partition: 2, fromOffset: 0n, toOffset: 0n },
      { store: 'c', topic: 'app-c-changelog', partition: 2, fromOffset: 0n, toOffset: 100n },
    ], 0);
    progress.advance('a', 60n, 45, 1_000);
    expect(progress.fraction()).toBe(0.25);
    expect(progress.status(2_000)).toEqual({
      phase: 'changelogs', totalOffsets: 200, readOffsets: 50, records: 45, offsetsPerSec: 25, etaMs: 6_000,
      stores: [
        { store: 'a', topic: 'app-a-changelog', partition: 2, source: 'changelog', totalOffsets: 100, readOffsets: 50, records: 45 },
        { store: 'c', topic: 'app-c-changelog', partition: 2, source: 'changelog', totalOffsets: 100, readOffsets: 0, records: 0 },
      ],
    });
    // A read that ends on markers past its last record is complete all the same; positions never pass the end.
    progress.complete('a', 2_000);
    progress.advance('c', 500n, 100, 2_000);
    expect(progress.status(2_000)).toMatchObject({ readOffsets: 200, records: 145, etaMs: 0 });
    progress.end();
    expect(progress.status(3_000)).toBeUndefined();
  });

  it.each([[0, '1 s'], [850, '1 s'], [59_001, '1 min 0 s'], [75_000, '1 min 15 s'], [7_500_000, '2 h 5 min']])('formats %d ms left as %s', (ms, text) => {
    expect(formatEta(ms)).toBe(text);
  });
});
