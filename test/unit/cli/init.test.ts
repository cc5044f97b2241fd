import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { initProject, packageName } from '../../../src/cli/init.ts';
import { ConfigError } from '../../../src/index.ts';

const root = join(import.meta.dirname, '..', '..', '..');
const own = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string; devDependencies: Record<string, string> };
const tmp = mkdtempSync(join(tmpdir(), 'sluice-init-'));

describe('sluice init', () => {
  it('writes a project that depends on this sluice, with a topology, its test and the two commands', () => {
    const result = initProject({ dir: join(tmp, 'My App') });
    expect([...result.files].sort()).toEqual(['.gitignore', 'README.md', 'package.json', 'src/page-views.ts', 'test/page-views.test.ts', 'tsconfig.json']);
    const manifest = JSON.parse(readFileSync(join(result.dir, 'package.json'), 'utf8')) as Record<string, Record<string, string>> & { name: string; type: string };
    expect(manifest.name).toBe('my-app');
    expect(manifest.type).toBe('module');
    expect(manifest.dependencies).toEqual({ sluice: `^${own.version}` });
    expect(manifest.devDependencies?.typescript).toBe(own.devDependencies.typescript);
    expect(manifest.scripts?.dev).toBe('sluice dev --demo src/page-views.ts');
    expect(manifest.scripts?.test).toContain('node --test');
    const readme = readFileSync(join(result.dir, 'README.md'), 'utf8');
    expect(readme).toMatch(/^# my-app/);
    expect(readme).toContain('npm run dev');
    expect(readme).toContain('npm test');
    expect(readFileSync(join(result.dir, 'src', 'page-views.ts'), 'utf8')).toContain("from 'sluice'");
  });

  it('points the dependency at a tarball or directory given with --sluice', () => {
    const tarball = join(tmp, 'sluice-0.1.0.tgz');
    writeFileSync(tarball, '');
    const result = initProject({ dir: join(tmp, 'with-tarball'), sluice: tarball });
    const manifest = JSON.parse(readFileSync(join(result.dir, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(manifest.dependencies.sluice).toBe(`file:${tarball}`);
    const ranged = initProject({ dir: join(tmp, 'with-range'), sluice: '^0.2.0' });
    expect(readFileSync(join(ranged.dir, 'package.json'), 'utf8')).toContain('"sluice": "^0.2.0"');
  });

  it('refuses a non-empty directory and a --sluice path that does not exist', () => {
    const full = join(tmp, 'full');
    mkdirSync(full);
    writeFileSync(join(full, 'keep.txt'), 'mine');
    expect(() => initProject({ dir: full })).toThrow(ConfigError);
    expect(() => initProject({ dir: full })).toThrow(/already exists and is not an empty directory/);
    expect(() => initProject({ dir: join(tmp, 'nope'), sluice: './no/such.tgz' })).toThrow(/--sluice is "\.\/no\/such\.tgz", which is neither a version range nor an existing tarball/);
    expect(existsSync(join(tmp, 'nope', 'package.json'))).toBe(false);
  });

  it.each([
    ['my-app', 'my-app'],
    ['My App', 'my-app'],
    ['.hidden', 'hidden'],
    ['___', 'sluice-app'],
  ])('names the package after the directory: %s → %s', (dir, name) => {
    expect(packageName(join(tmp, dir))).toBe(name);
  });

  it("scaffolds the repository's quickstart topology (same code, imported from the package)", () => {
    const template = readFileSync(join(root, 'templates', 'init', 'src', 'page-views.ts'), 'utf8');
    const example = readFileSync(join(root, 'topologies', 'quickstart.ts'), 'utf8');
    const code = (text: string) => text.slice(text.indexOf('\nimport ')).replace("from '../src/index.ts'", "from 'sluice'");
    expect(code(example)).toBe(code(template));
  });
});
