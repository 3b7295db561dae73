import type { Command } from 'commander';
import { createKeyring, isScope, SCOPES } from '@tollgate/access';
import { createStore, storeConfigFromEnv } from '@tollgate/store';
import { resolve } from 'node:path';

/** `tollgate keys create|list|revoke`: API keys for services and people, straight in the store. */
export function registerKeysCommand(program: Command): void {
  const keys = program.command('keys').description('Manage API keys (the server must be stopped when the store is embedded)');
  keys
    .command('create')
    .description('Create an API key; it is printed once')
    .requiredOption('--name <name>', 'who or what uses the key, e.g. "signup-service"')
    .requiredOption('--scopes <list>', `comma-separated scopes: ${SCOPES.join(', ')}`)
    .action(async (options: { name: string; scopes: string }) => {
      const scopes = options.scopes.split(',').map((s) => s.trim());
      const unknown = scopes.filter((s) => !isScope(s));
      if (unknown.length > 0) throw new Error(`unknown scope(s) ${unknown.join(', ')}: choose from ${SCOPES.join(', ')}`);
      await withKeyring(async (keyring) => {
        const created = await keyring.create(options.name, scopes.filter(isScope));
        console.log(created.key);
        console.error(`key ${created.id} for "${options.name}" with scopes ${scopes.join(', ')}: store it now, it is not shown again`);
      });
    });
  keys
    .command('list')
    .description('List API keys (never their secrets)')
    .action(() =>
      withKeyring(async (keyring) => {
        for (const key of keyring.list()) {
          console.log(`${key.id}  ${key.revoked ? 'revoked' : 'active '}  ${key.scopes.join(',').padEnd(30)}  ${key.name}`);
        }
      }),
    );
  keys
    .command('revoke')
    .argument('<id>', 'key id (the 16 hex digits after tg_)')
    .description('Revoke an API key')
    .action((id: string) =>
      withKeyring(async (keyring) => {
        if (!(await keyring.revoke(id))) throw new Error(`no active key with id ${id}`);
        console.log(`revoked ${id}`);
      }),
    );
}

async function withKeyring(fn: (keyring: Awaited<ReturnType<typeof createKeyring>>) => Promise<void>): Promise<void> {
  const store = createStore(storeConfigFromEnv(process.env, resolve(process.env.TOLLGATE_DATA_DIR ?? './data')));
  try {
    // The admin key is not needed to manage stored keys; a random one keeps it unusable here.
    await fn(await createKeyring({ store, adminKey: crypto.randomUUID() + crypto.randomUUID() }));
  } finally {
    await store.close();
  }
}
