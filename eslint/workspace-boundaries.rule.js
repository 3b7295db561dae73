// The folder layout is the architecture (docs/architecture.md): this rule keeps the arrows between
// workspaces pointing the way the picture there draws them, so a shortcut fails `npm run lint`
// instead of surviving review.
import { readFileSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const APPS = new Set(['server', 'web', 'cli']);
/** The names the vocabulary exports: no other package may hand them out, or take them from anyone else. */
const VOCABULARY_NAMES = new Set(
  [...readFileSync(resolve(ROOT, 'packages/vocabulary/src/index.ts'), 'utf8').matchAll(/export (?:type )?\{([^}]*)\}/g)].flatMap((match) =>
    match[1]
      .split(',')
      .map((name) => name.replace(/^\s*type\s+/, '').trim())
      .filter(Boolean),
  ),
);
/** Where the shared words lived before the vocabulary: an import of one of them from here is a stale habit. */
const FORMER_HOMES = new Set(['breakers', 'events', 'detector', 'alerting']);
/** Frameworks that make a module an app: domain packages are importable without a server. */
const HTTP_FRAMEWORKS = new Set(['fastify', 'next', 'react', 'react-dom']);

/** "apps/server" or "packages/store" for a file inside a workspace, else undefined (bench/, eslint/). */
function workspaceOf(path) {
  const [kind, name] = relative(ROOT, path).split(sep);
  return (kind === 'apps' || kind === 'packages') && name !== undefined ? { kind, name, dir: `${kind}/${name}` } : undefined;
}

/** What `from` (a workspace) may not import as `source`, or undefined when it may. */
function refusal(from, source, filename) {
  if (source.startsWith('.')) {
    const target = workspaceOf(resolve(dirname(filename), source));
    if (target !== undefined && target.dir !== from.dir) {
      return `reaches into ${target.dir}'s files: import its entry point (@tollgate/${target.name}) and declare it in package.json`;
    }
    return undefined;
  }
  const [scope, name] = source.split('/');
  if (scope !== '@tollgate') {
    const bare = source.startsWith('@') ? `${scope}/${name}` : scope;
    if (from.kind === 'packages' && HTTP_FRAMEWORKS.has(bare))
      return `a domain package imports no HTTP or UI framework (${bare}): that wiring belongs in an app`;
    return undefined;
  }
  if (from.kind === 'packages' && APPS.has(name))
    return `a package may not import an app (@tollgate/${name}): move what it needs into a package`;
  if (from.dir === 'packages/vocabulary')
    return 'the vocabulary imports no other Tollgate package: it holds only the words the others share';
  if (from.dir === 'packages/client') return 'the SDK depends on nothing but fetch';
  if (from.dir === 'packages/store' && name === 'panels')
    return 'the store knows no presentation: the panels read the store, not the other way round';
  // Its tests and the API type generator start a real server; pages and their helpers only call it.
  const devTool = filename.includes(`${sep}test${sep}`) || filename.includes(`${sep}scripts${sep}`);
  if (from.dir === 'apps/web' && !devTool && name !== 'panels') {
    return `the dashboard reaches data only through the API (lib/api.ts and the generated types), not @tollgate/${name}`;
  }
  return undefined;
}

/** A shared word taken from a package that is not the vocabulary, or handed on by a package that is not it. */
function wordsFromElsewhere(from, node) {
  const source = node.source.value;
  const [scope, name] = source.split('/');
  if (scope !== '@tollgate') return undefined;
  if (node.type !== 'ImportDeclaration' && name === 'vocabulary' && from.dir !== 'packages/vocabulary') {
    return 'do not re-export the vocabulary: importers take its words from @tollgate/vocabulary';
  }
  if (node.type !== 'ImportDeclaration' || !FORMER_HOMES.has(name)) return undefined;
  const words = node.specifiers.map((specifier) => specifier.imported?.name).filter((word) => VOCABULARY_NAMES.has(word));
  return words.length === 0 ? undefined : `take ${words.join(', ')} from @tollgate/vocabulary, not @tollgate/${name}`;
}

/** @type {import('eslint').Rule.RuleModule} */
export default {
  meta: {
    type: 'problem',
    docs: { description: 'Imports follow the workspace arrows: apps -> packages, entry points only, shared words from the vocabulary' },
    schema: [],
  },
  create(context) {
    const from = workspaceOf(context.filename);
    if (from === undefined) return {};
    const check = (node) => {
      if (node.source === null || node.source === undefined || typeof node.source.value !== 'string') return;
      const message = refusal(from, node.source.value, context.filename) ?? wordsFromElsewhere(from, node);
      if (message !== undefined) context.report({ node: node.source, message });
    };
    return { ImportDeclaration: check, ExportNamedDeclaration: check, ExportAllDeclaration: check, ImportExpression: check };
  },
};
