// `npm run build`: compiles src/ to dist/ (ESM .js, .d.ts, source maps) and copies the dashboard's static files,
// which the HTTP server finds next to its compiled module (dist/server/public).
import { execFileSync } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const dist = join(root, 'dist');

rmSync(dist, { recursive: true, force: true });
execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });

// tsc rewrites `./x.ts` to `./x.js` in the emitted JavaScript but not in declaration files; a consumer's
// TypeScript without allowImportingTsExtensions would reject `.ts` specifiers there.
const relativeTs = /((?:from|import)\s*\(?\s*['"])(\.{1,2}\/[^'"]+)\.ts(['"])/g;
function fixDeclarations(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) fixDeclarations(path);
    else if (entry.name.endsWith('.d.ts')) {
      const text = readFileSync(path, 'utf8');
      const fixed = text.replace(relativeTs, '$1$2.js$3');
      if (fixed !== text) writeFileSync(path, fixed);
    }
  }
}
fixDeclarations(dist);

cpSync(join(root, 'src', 'server', 'public'), join(dist, 'server', 'public'), { recursive: true });
console.log('built dist/');
