import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTopology } from '../../../src/cli/load-topology.ts';
import { TopologyError } from '../../../src/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'sluice-cli-'));
function moduleFile(name: string, source: string): string {
  const file = join(dir, name);
  writeFileSync(file, source);
  return file;
}
const root = join(import.meta.dirname, '..', '..', '..');

describe('loading topology modules', () => {
  it('loads a topology written in TypeScript', async () => {
    const topology = await loadTopology(join(root, 'topologies', 'clicks.ts'));
    expect(topology.options.applicationId).toBe('clicks-by-user');
  });

  it.each([
    ['missing.ts', undefined, /missing\.ts: no such file/],
    ['not-a-topology.ts', 'export default 42;', /the default export is not a topology/],
    ['throws.ts', 'throw new Error("kaboom");', /the module failed to load: kaboom/],
    ['syntax.ts', 'export default {', /the module failed to load/],
    [
      'bad-window.ts',
      `import { defineTopology, serdes, tumbling } from '${join(root, 'src', 'index.ts')}';
       export default defineTopology({ applicationId: 'x' }, (t) => {
         t.stream('a', { key: serdes.string(), value: serdes.string() }).groupByKey().windowedBy(tumbling('1m').grace('10x' as '10s')).count().to('b', { key: serdes.windowed<string>(), value: serdes.json() });
       });`,
      /bad-window\.ts: tumbling window grace "10x" is not a duration \(expected e\.g\. "30s"\)/,
    ],
  ])('%s fails with the file and the reason', async (name, source, message) => {
    const file = source === undefined ? join(dir, name) : moduleFile(name, source);
    const error = await loadTopology(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TopologyError);
    expect((error as Error).message).toMatch(message);
  });
});
