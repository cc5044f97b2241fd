#!/usr/bin/env node
// sluice CLI: loads TypeScript directly (topologies and sluice itself) through tsx.
import { register } from 'tsx/esm/api';

// The Kafka client sets timers with negative delays on Node 24+; Node clamps them to 1 ms and warns once per
// process. The warning says nothing a user can act on, so only that one is silenced.
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  if (warning.name !== 'TimeoutNegativeWarning') console.warn(`${warning.name}: ${warning.message}`);
});

register();
const { main } = await import('../src/cli/main.ts');
const code = await main(process.argv.slice(2));
process.exitCode = code;
// Client sockets or timers must not keep a finished command alive.
setTimeout(() => process.exit(code), 200).unref();
