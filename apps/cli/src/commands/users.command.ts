import type { Command } from 'commander';
import { createInterface } from 'node:readline';
import { resolve } from 'node:path';
import { createUsers, isRole, MIN_PASSWORD_LENGTH, ROLES } from '@tollgate/access';
import { createStore, ensureDatabase, migrate, retentionFromEnv, storeConfigFromEnv } from '@tollgate/store';

/** `tollgate users add|list`: people who sign in to the dashboard, straight in the store. */
export function registerUsersCommand(program: Command): void {
  const users = program.command('users').description('Manage dashboard users (the server must be stopped when the store is embedded)');
  users
    .command('add')
    .argument('<name>', 'user name, e.g. "ana" (letters, digits, . _ @ -)')
    .description(
      `Add a user, or set a new role and password for an existing one; the password (${MIN_PASSWORD_LENGTH}+ characters) is read from standard input, or prompted for on a terminal`,
    )
    .requiredOption('--role <role>', `one of ${ROLES.join(', ')}`)
    .addHelpText('after', `\nExample: printf '%s' "$PASSWORD" | tollgate users add ana --role oncall\n`)
    .action(async (name: string, options: { role: string }) => {
      if (!isRole(options.role)) throw new Error(`unknown role "${options.role}": choose from ${ROLES.join(', ')}`);
      if (!/^[A-Za-z0-9._@-]{1,64}$/.test(name))
        throw new Error(`user name "${name}" may hold only letters, digits and . _ @ - (64 at most)`);
      const password = await readPassword();
      if (password.length < MIN_PASSWORD_LENGTH) throw new Error(`the password must be at least ${MIN_PASSWORD_LENGTH} characters`);
      const role = options.role;
      await withUsers(async (directory) => {
        await directory.put(name, role, password);
        console.log(`user "${name}" saved with role ${role}`);
      });
    });
  users
    .command('list')
    .description('List users and their roles (never their passwords)')
    .action(() =>
      withUsers(async (directory) => {
        for (const user of directory.list())
          console.log(`${user.role.padEnd(8)}  ${user.disabled ? 'disabled' : 'active  '}  ${user.name}`);
      }),
    );
}

/** The whole of standard input when piped (one trailing newline dropped), else a prompt that does not echo. */
async function readPassword(): Promise<string> {
  if (!process.stdin.isTTY) {
    let text = '';
    for await (const chunk of process.stdin) text += chunk;
    return text.replace(/\r?\n$/, '');
  }
  const prompt = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  process.stderr.write('Password: ');
  // Swallowing readline's echo keeps the password off the screen.
  (prompt as unknown as { _writeToOutput: (text: string) => void })._writeToOutput = () => {};
  const password = await new Promise<string>((done) => prompt.question('', done));
  prompt.close();
  process.stderr.write('\n');
  return password;
}

async function withUsers(fn: (users: Awaited<ReturnType<typeof createUsers>>) => Promise<void>): Promise<void> {
  const config = storeConfigFromEnv(process.env, resolve(process.env.TOLLGATE_DATA_DIR ?? './data'));
  await ensureDatabase(config);
  const store = createStore(config);
  try {
    await migrate(store, retentionFromEnv(process.env));
    // The bootstrap admin password only matters to sign-ins, which this command does not serve.
    await fn(await createUsers({ store, bootstrapAdminPassword: crypto.randomUUID() + crypto.randomUUID() }));
  } finally {
    await store.close();
  }
}
