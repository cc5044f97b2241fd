import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { explainLoadError, loadTopology, loadTopologyModule } from '../../../src/cli/load-topology.ts';
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

describe('topology modules Node cannot load', () => {
  const error = (code: string, message: string) => Object.assign(new Error(message), { code });

  it('says which Node versions strip types when .ts is an unknown extension', () => {
    const text = explainLoadError('app.ts', error('ERR_UNKNOWN_FILE_EXTENSION', 'Unknown file extension ".ts"'), 'v22.11.0');
    expect(text).toBe(
      'app.ts: Node v22.11.0 cannot load TypeScript modules (it has no type stripping). Use Node 22.18+ or 24, run with NODE_OPTIONS=--experimental-strip-types (Node 22.6 to 22.17), or compile the topology to .js and run that.',
    );
  });

  it('explains what type stripping refuses', () => {
    const text = explainLoadError('app.ts', error('ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX', 'TypeScript enum is not supported in strip-only mode\n  more'));
    expect(text).toMatch(/^app\.ts: Node's type stripping cannot run this TypeScript: TypeScript enum is not supported in strip-only mode \(it erases types only/);
    expect(text).toContain('"erasableSyntaxOnly": true');
    expect(explainLoadError('dep.ts', error('ERR_UNSUPPORTED_NODE_MODULES_TYPE_STRIPPING', 'Stripping types is unsupported for files under node_modules'))).toMatch(/does not strip types from files under node_modules/);
  });

  it('passes other errors through with the file', () => {
    expect(explainLoadError('app.js', new Error('kaboom'))).toBe('app.js: the module failed to load: kaboom');
    expect(explainLoadError('app.js', error('ERR_UNKNOWN_FILE_EXTENSION', 'Unknown file extension ".js"'))).toMatch(/the module failed to load/);
  });
});

describe('demo feeds of topology modules', () => {
  it('loads the `demo` export with the topology', async () => {
    const loaded = await loadTopologyModule(join(root, 'topologies', 'quickstart.ts'));
    expect(loaded.topology.options.applicationId).toBe('page-views-10s');
    expect(loaded.demo?.topic).toBe('clicks');
    expect((await loadTopologyModule(join(root, 'topologies', 'clicks.ts'))).demo).toBeUndefined();
  });

  it('rejects a `demo` export that is not a feed', async () => {
    const file = moduleFile(
      'bad-demo.ts',
      `import { defineTopology, serdes } from '${join(root, 'src', 'index.ts')}';
       export const demo = { topic: 'a' };
       export default defineTopology({ applicationId: 'x' }, (t) => { t.stream('a', { key: serdes.string(), value: serdes.string() }).to('b', { key: serdes.string(), value: serdes.string() }); });`,
    );
    await expect(loadTopologyModule(file)).rejects.toThrow(/bad-demo\.ts: the `demo` export is not a demo feed/);
  });
});
