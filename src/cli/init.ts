import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../errors/index.ts';

/** The package's root (src/cli/ in the repository, dist/cli/ in the installed package). */
const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const TEMPLATE_DIR = join(packageRoot, 'templates', 'init');

/** Template files whose name npm would not ship as is. */
const RENAMES: Readonly<Record<string, string>> = { gitignore: '.gitignore' };

interface OwnPackage {
  readonly version: string;
  readonly devDependencies?: Readonly<Record<string, string>>;
}

export interface InitOptions {
  /** Directory to create (or an empty existing one). */
  readonly dir: string;
  /**
   * The sluice dependency: a version range, or a path to a packed tarball or a package directory (written as
   * `file:<absolute path>`). Default: `^<this sluice's version>`.
   */
  readonly sluice?: string;
}

export interface InitResult {
  readonly dir: string;
  readonly files: readonly string[];
}

function ownPackage(): OwnPackage {
  return JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as OwnPackage;
}

/** npm package names: lower case, no spaces; derived from the directory name. */
export function packageName(dir: string): string {
  const name = basename(resolve(dir))
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[._-]+|[-]+$/g, '');
  return name === '' ? 'sluice-app' : name;
}

function dependencySpec(sluice: string | undefined, version: string): string {
  if (sluice === undefined) return `^${version}`;
  if (sluice.startsWith('file:') || /^[\^~<>=*\d]/.test(sluice)) return sluice;
  const path = resolve(sluice);
  if (!existsSync(path)) throw new ConfigError(`--sluice is "${sluice}", which is neither a version range nor an existing tarball or directory`, { context: { field: '--sluice' } });
  return `file:${path}`;
}

function templateFiles(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...templateFiles(path));
    else files.push(path);
  }
  return files.sort();
}

/**
 * `sluice init <dir>`: a project with package.json (depending on sluice), tsconfig, the page-views topology with
 * its driver test, and a README saying `npm run dev` and `npm test`. Refuses a non-empty directory.
 */
export function initProject(options: InitOptions): InitResult {
  const dir = resolve(options.dir);
  if (existsSync(dir) && (!statSync(dir).isDirectory() || readdirSync(dir).length > 0)) {
    throw new ConfigError(`${options.dir} already exists and is not an empty directory (choose a new directory)`, { context: { file: options.dir } });
  }
  const own = ownPackage();
  const name = packageName(dir);
  const dev = own.devDependencies ?? {};
  const manifest = {
    name,
    version: '0.1.0',
    private: true,
    type: 'module',
    engines: { node: '>=22.18' },
    scripts: {
      dev: 'sluice dev --demo src/page-views.ts',
      test: 'node --test "test/**/*.test.ts"',
      typecheck: 'tsc',
      describe: 'sluice describe src/page-views.ts',
    },
    dependencies: { sluice: dependencySpec(options.sluice, own.version) },
    devDependencies: { '@types/node': dev['@types/node'] ?? '^24.0.0', typescript: dev.typescript ?? '^5.9.0' },
  };
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  const write = (file: string, text: string) => {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), text);
    written.push(file);
  };
  write('package.json', `${JSON.stringify(manifest, null, 2)}\n`);
  for (const source of templateFiles(TEMPLATE_DIR)) {
    const rel = relative(TEMPLATE_DIR, source);
    const target = join(dirname(rel), RENAMES[basename(rel)] ?? basename(rel));
    write(target, readFileSync(source, 'utf8').replaceAll('{{name}}', name));
  }
  return { dir, files: written };
}
