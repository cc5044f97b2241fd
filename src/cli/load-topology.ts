import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isTopology, type Topology } from '../dsl/define-topology.ts';
import { SluiceError, TopologyError } from '../errors/index.ts';

/** Imports a topology module (TypeScript is loaded directly) and checks it default-exports defineTopology(...). */
export async function loadTopology(file: string): Promise<Topology> {
  const path = resolve(file);
  if (!existsSync(path)) throw new TopologyError(`${file}: no such file (expected a topology module, e.g. topologies/clicks.ts)`, { context: { file } });
  let module: { default?: unknown };
  try {
    module = (await import(pathToFileURL(path).href)) as { default?: unknown };
  } catch (cause) {
    if (cause instanceof SluiceError) {
      throw new TopologyError(`${file}: ${cause.message}`, { cause, context: { ...cause.context, file } });
    }
    throw new TopologyError(`${file}: the module failed to load: ${cause instanceof Error ? cause.message : String(cause)}`, { cause, context: { file } });
  }
  if (!isTopology(module.default)) {
    throw new TopologyError(`${file}: the default export is not a topology (expected \`export default defineTopology({...}, (t) => ...)\`)`, { context: { file } });
  }
  return module.default;
}
