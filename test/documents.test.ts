import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SKIPPED = new Set(['node_modules', '.git', '.next', 'data', 'test-artifacts']);

/** Every Markdown file of the repository, outside dependencies and build output. */
function markdownFiles(dir: string = ROOT): string[] {
  return readdirSync(dir).flatMap((name) => {
    if (SKIPPED.has(name)) return [];
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return markdownFiles(path);
    return name.endsWith('.md') ? [path] : [];
  });
}

/** The links of a Markdown text: inline `[text](target)` ones, without their #anchor. */
const linksOf = (text: string) => [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1]!.split('#')[0]!).filter(Boolean);

describe('the documents', () => {
  it.each(markdownFiles().map((path) => relative(ROOT, path)))('%s links only to files of the repository that exist', (file) => {
    const broken = linksOf(readFileSync(join(ROOT, file), 'utf8')).filter((target) => {
      if (/^[a-z]+:/i.test(target)) return true;
      const path = resolve(dirname(join(ROOT, file)), target);
      return relative(ROOT, path).startsWith('..') || !existsSync(path);
    });
    expect(broken).toEqual([]);
  });

  it("README's layout names every app and package", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const layout = readme.slice(readme.indexOf('## Layout'), readme.indexOf('\n## ', readme.indexOf('## Layout') + 1));
    const listed = new Set([...layout.matchAll(/^((?:apps|packages)\/[\w-]+)\s/gm)].map((match) => match[1]));
    const present = ['apps', 'packages'].flatMap((parent) =>
      readdirSync(join(ROOT, parent))
        .filter((name) => existsSync(join(ROOT, parent, name, 'package.json')))
        .map((name) => `${parent}/${name}`),
    );
    expect(present.filter((dir) => !listed.has(dir))).toEqual([]);
  });
});
