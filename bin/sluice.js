#!/usr/bin/env node
// sluice CLI. Installed from npm it runs the compiled CLI in dist/. In a checkout of the repository (src/ is
// there, dist/ need not be) it runs the TypeScript sources through tsx, a devDependency: the tests spawn this
// file without a build step.
import { existsSync } from 'node:fs';

// The Kafka client sets timers with negative delays on Node 24+; Node clamps them to 1 ms and warns once per
// process. Type stripping of topology modules warns that it is experimental on some Node versions. Neither says
// anything a user can act on, so only those two are silenced.
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  if (warning.name === 'TimeoutNegativeWarning') return;
  if (warning.name === 'ExperimentalWarning' && /type stripping/i.test(warning.message)) return;
  console.warn(`${warning.name}: ${warning.message}`);
});

const source = new URL('../src/cli/main.ts', import.meta.url);
let main;
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import(source.href));
} else {
  ({ main } = await import('../dist/cli/main.js'));
}
const code = await main(process.argv.slice(2));
process.exitCode = code;
// Client sockets or timers must not keep a finished command alive.
setTimeout(() => process.exit(code), 200).unref();
