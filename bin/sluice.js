#!/usr/bin/env node
// sluice CLI: loads TypeScript directly (topologies and sluice itself) through tsx.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
const code = await main(process.argv.slice(2));
process.exitCode = code;
// Client sockets or timers must not keep a finished command alive.
setTimeout(() => process.exit(code), 200).unref();
