// The folder layout is the architecture (docs/architecture.md): this rule keeps the arrows between
// workspaces pointing the way the picture there draws them, so a shortcut fails `npm run lint`
// instead of surviving review.
import { readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
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
/** What another app may import of an app: how to start it, nothing of its insides. */
const START_ENTRY_POINTS = new Map([
  ['server', '@tollgate/server/start'],
  ['web', '@tollgate/web/launcher'],
]);
/** An app's test support, for another app's tests and dev scripts that need it running. */
const TEST_SUPPORT = /^@tollgate\/server\/testing(\/[a-z-]+)?$/;
/** Frameworks that make a module an app: domain packages are importable without a server. */
const HTTP_FRAMEWORKS = new Set(['fastify', 'next', 'react', 'react-dom']);

/** The packages a package.json declares: `run` its dependencies, `all` with the dev ones too. */
function declaredIn(path) {
  const manifest = JSON.parse(readFileSync(path, 'utf8'));
  const run = new Set(Object.keys(manifest.dependencies ?? {}));
  return { run, all: new Set([...run, ...Object.keys(manifest.devDependencies ?? {})]) };
}
const ROOT_DECLARED = declaredIn(resolve(ROOT, 'package.json'));
const declaredByWorkspace = new Map();

/** Why `source` is not declared where `from` can rely on it, or undefined when it is. */
function undeclared(from, source, devTool) {
  if (source.startsWith('.') || isBuiltin(source)) return undefined;
  const [scope, name] = source.split('/');
  const bare = source.startsWith('@') ? `${scope}/${name}` : scope;
  if (bare === `@tollgate/${from.name}`) return undefined;
  if (!declaredByWorkspace.has(from.dir)) declaredByWorkspace.set(from.dir, declaredIn(resolve(ROOT, from.dir, 'package.json')));
  const own = declaredByWorkspace.get(from.dir);
  if ((devTool ? own.all : own.run).has(bare)) return undefined;
  // The tool chain (vitest, the type checker, the test stand-ins) is the repository's, declared once at its root.
  if (scope !== '@tollgate' && (devTool ? ROOT_DECLARED.all : ROOT_DECLARED.run).has(bare)) return undefined;
  const field = devTool ? 'devDependencies' : 'dependencies';
  return `${bare} is not declared: add it to ${field} in ${from.dir}/package.json`;
}

/** "apps/server" or "packages/store" for a file inside a workspace, else undefined (bench/, eslint/). */
function workspaceOf(path) {
  const [kind, name] = relative(ROOT, path).split(sep);
  return (kind === 'apps' || kind === 'packages') && name !== undefined ? { kind, name, dir: `${kind}/${name}` } : undefined;
}

/** Tests and dev scripts (the API type generator): they may start a real server and use dev dependencies. */
function isDevTool(filename) {
  return filename.includes(`${sep}test${sep}`) || filename.includes(`${sep}scripts${sep}`);
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
  const devTool = isDevTool(filename);
  const startsIt = source === START_ENTRY_POINTS.get(name) || (devTool && TEST_SUPPORT.test(source));
  if (from.kind === 'apps' && APPS.has(name) && name !== from.name && !startsIt) {
    const entry = START_ENTRY_POINTS.get(name) ?? 'it has no start entry point';
    return `an app imports another app only to start it (${entry}): take domain functions from packages`;
  }
  if (from.dir === 'packages/vocabulary')
    return 'the vocabulary imports no other Tollgate package: it holds only the words the others share';
  if (from.dir === 'packages/client') return 'the SDK depends on nothing but fetch';
  if (from.dir === 'packages/store' && name === 'panels')
    return 'the store knows no presentation: the panels read the store, not the other way round';
  // Pages and their helpers only call the API.
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
      const message =
        refusal(from, node.source.value, context.filename) ??
        wordsFromElsewhere(from, node) ??
        undeclared(from, node.source.value, isDevTool(context.filename));
      if (message !== undefined) context.report({ node: node.source, message });
    };
    return { ImportDeclaration: check, ExportNamedDeclaration: check, ExportAllDeclaration: check, ImportExpression: check };
  },
};
