import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const eslint = new ESLint({ cwd: ROOT });

/** The boundary messages the repository's own lint config gives `code` as if it were the file at `path`. */
async function refusals(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${ROOT}${path}` });
  return result!.messages.filter((message) => message.ruleId === 'tollgate/workspace-boundaries').map((message) => message.message);
}

describe('workspace boundaries', () => {
  it.each([
    [
      'a package imports an app',
      'packages/detector/src/x.ts',
      "import { openCore } from '@tollgate/server';",
      /a package may not import an app/,
    ],
    [
      'a package reaches into an app by path',
      'packages/breakers/src/x.ts',
      "import { ERRORS } from '../../../apps/server/src/errors.ts';",
      /reaches into apps\/server/,
    ],
    [
      'an app reaches into another app',
      'apps/cli/src/x.ts',
      "import { loggerOptions } from '../../server/src/logger.ts';",
      /reaches into apps\/server/,
    ],
    [
      "a test reaches into another app's test support",
      'apps/web/test/x.test.ts',
      "import { openTestServer } from '../../server/test/support/test-server.ts';",
      /reaches into apps\/server/,
    ],
    [
      'the CLI takes a domain function from the server',
      'apps/cli/src/x.ts',
      "import { openCore } from '@tollgate/server';",
      /imports another app only to start it \(@tollgate\/server\/start\)/,
    ],
    [
      "the CLI imports the dashboard's files beside its launcher",
      'apps/cli/src/x.ts',
      "import { apiGet } from '@tollgate/web/lib/api';",
      /imports another app only to start it \(@tollgate\/web\/launcher\)/,
    ],
    [
      "the CLI's running code imports the server's test support",
      'apps/cli/src/x.ts',
      "import { openTestServer } from '@tollgate/server/testing';",
      /imports another app only to start it/,
    ],
    [
      "a package reaches into another package's files",
      'packages/alerting/src/x.ts',
      "import { readYaml } from '../../vocabulary/src/yaml-reader.ts';",
      /reaches into packages\/vocabulary/,
    ],
    [
      'a domain package imports an HTTP framework',
      'packages/breakers/src/x.ts',
      "import type { FastifyInstance } from 'fastify';",
      /no HTTP or UI framework/,
    ],
    [
      'the vocabulary imports a domain package',
      'packages/vocabulary/src/x.ts',
      "import type { Breaker } from '@tollgate/breakers';",
      /vocabulary imports no other/,
    ],
    [
      'a package takes a shared word from its former home',
      'packages/alerting/src/x.ts',
      "import { describeScope, type Breaker } from '@tollgate/breakers';",
      /take describeScope from @tollgate\/vocabulary/,
    ],
    [
      'a package re-exports the vocabulary',
      'packages/breakers/src/index.ts',
      "export { SEVERITIES } from '@tollgate/vocabulary';",
      /do not re-export/,
    ],
    [
      'the store imports the panels',
      'packages/store/src/x.ts',
      "import type { Panel } from '@tollgate/panels';",
      /store knows no presentation/,
    ],
    ['the SDK imports a package', 'packages/client/src/x.ts', "import type { Scope } from '@tollgate/vocabulary';", /nothing but fetch/],
    [
      'a dashboard page imports the store',
      'apps/web/lib/x.ts',
      "export { TRAFFIC_MEASURES } from '@tollgate/store';",
      /only through the API/,
    ],
    [
      'a package imports a workspace its package.json does not declare',
      'packages/detector/src/x.ts',
      "import { createIncidentDesk } from '@tollgate/alerting';",
      /@tollgate\/alerting is not declared: add it to dependencies in packages\/detector\/package.json/,
    ],
    [
      'running code imports what only its tests declare',
      'apps/server/src/x.ts',
      "import { createSimulator } from '@tollgate/simulator';",
      /@tollgate\/simulator is not declared: add it to dependencies in apps\/server\/package.json/,
    ],
    [
      "a dashboard test imports a library nobody's package.json declares",
      'apps/web/test/x.test.ts',
      "import { something } from 'left-pad';",
      /left-pad is not declared: add it to devDependencies in apps\/web\/package.json/,
    ],
  ])('refuses when %s', async (_case, path, code, expected) => {
    expect(await refusals(path, code)).toEqual([expect.stringMatching(expected)]);
  });

  it.each([
    ['the CLI starts the server through its entry point', 'apps/cli/src/x.ts', "import { startPlatform } from '@tollgate/server/start';"],
    [
      'a CLI test starts a server child process',
      'apps/cli/test/x.test.ts',
      "import { spawnServer } from '@tollgate/server/testing/child-server';",
    ],
    ['the CLI starts the dashboard through its entry point', 'apps/cli/src/x.ts', "import { startWeb } from '@tollgate/web/launcher';"],
    [
      'a domain package takes its words from the vocabulary',
      'packages/detector/src/x.ts',
      "import { describeScope } from '@tollgate/vocabulary';",
    ],
    [
      "a dashboard test uses the server's declared test support",
      'apps/web/test/x.test.ts',
      "import { openTestServer } from '@tollgate/server/testing';",
    ],
    ['the API type generator builds the server', 'apps/web/scripts/x.ts', "import { openTestServer } from '@tollgate/server/testing';"],
    [
      'a test imports what its workspace declares for tests',
      'apps/server/test/x.test.ts',
      "import { createSimulator } from '@tollgate/simulator';",
    ],
    ['a test imports the tool chain declared at the root', 'packages/store/test/x.test.ts', "import { describe } from 'vitest';"],
    ['a package imports within itself', 'packages/breakers/src/x.ts', "import { createDecider } from './decide.ts';"],
  ])('allows %s', async (_case, path, code) => {
    expect(await refusals(path, code)).toEqual([]);
  });
});
