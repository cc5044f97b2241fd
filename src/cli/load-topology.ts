import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isTopology, type Topology } from '../dsl/define-topology.ts';
import { isDemoFeed, type DemoFeed } from '../dev/demo-feed.ts';
import { SluiceError, TopologyError } from '../errors/index.ts';
import { plan } from '../planner/plan.ts';

/** A loaded topology module: its default export, and its `demo` feed if it exports one (for `sluice dev --demo`). */
export interface TopologyModule {
  readonly topology: Topology;
  readonly demo: DemoFeed | undefined;
}

const TS_FILE = /\.(ts|mts|cts)$/;

/**
 * What to do when Node cannot load a TypeScript module: the reasons Node's own type stripping gives, or the
 * message of any other load error. Exported for tests.
 */
export function explainLoadError(file: string, cause: unknown, nodeVersion: string = process.version): string {
  const code = (cause as { code?: unknown }).code;
  const message = cause instanceof Error ? cause.message : String(cause);
  const ts = TS_FILE.test(file);
  if (ts && code === 'ERR_UNKNOWN_FILE_EXTENSION') {
    return (
      `${file}: Node ${nodeVersion} cannot load TypeScript modules (it has no type stripping). ` +
      'Use Node 22.18+ or 24, run with NODE_OPTIONS=--experimental-strip-types (Node 22.6 to 22.17), or compile the topology to .js and run that.'
    );
  }
  if (code === 'ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX' || code === 'ERR_INVALID_TYPESCRIPT_SYNTAX') {
    return (
      `${file}: Node's type stripping cannot run this TypeScript: ${message.split('\n')[0]} ` +
      '(it erases types only: enums, namespaces and constructor parameter properties need a compiler). ' +
      'Rewrite them with plain objects and fields (tsconfig "erasableSyntaxOnly": true flags them), or compile the topology to .js and run that.'
    );
  }
  if (code === 'ERR_UNSUPPORTED_NODE_MODULES_TYPE_STRIPPING') {
    return `${file}: Node does not strip types from files under node_modules: ${message.split('\n')[0]} (import a compiled .js instead, or keep the topology outside node_modules)`;
  }
  // One line: a syntax error's message spans lines ("Transform failed with 1 error:\n<file>:2:0: ERROR: ...").
  return `${file}: the module failed to load: ${message.split('\n').map((l) => l.trim()).filter((l) => l !== '').join(' ')}`;
}

/** Imports a topology module (TypeScript through Node's type stripping) and checks it default-exports defineTopology(...). */
export async function loadTopologyModule(file: string): Promise<TopologyModule> {
  const path = resolve(file);
  if (!existsSync(path)) throw new TopologyError(`${file}: no such file (expected a topology module, e.g. topologies/clicks.ts)`, { context: { file } });
  let module: { default?: unknown; demo?: unknown };
  try {
    module = (await import(pathToFileURL(path).href)) as { default?: unknown; demo?: unknown };
  } catch (cause) {
    if (cause instanceof SluiceError) {
      throw new TopologyError(`${file}: ${cause.message}`, { cause, context: { ...cause.context, file } });
    }
    throw new TopologyError(explainLoadError(file, cause), { cause, context: { file } });
  }
  if (!isTopology(module.default)) {
    throw new TopologyError(`${file}: the default export is not a topology (expected \`export default defineTopology({...}, (t) => ...)\`)`, { context: { file } });
  }
  // Plan once here, so a graph the planner refuses (a store defined twice, a loop through a user topic) is
  // reported with the file, before anything connects.
  try {
    plan(module.default);
  } catch (cause) {
    if (cause instanceof SluiceError) throw new TopologyError(`${file}: ${cause.message}`, { cause, context: { ...cause.context, file } });
    throw cause;
  }
  if (module.demo !== undefined && !isDemoFeed(module.demo)) {
    throw new TopologyError(`${file}: the \`demo\` export is not a demo feed (expected { topic: string, ratePerSec?: number, record(i, nowMs) })`, { context: { file } });
  }
  return { topology: module.default, demo: module.demo };
}

/** Imports a topology module and returns its topology (see loadTopologyModule). */
export async function loadTopology(file: string): Promise<Topology> {
  return (await loadTopologyModule(file)).topology;
}
