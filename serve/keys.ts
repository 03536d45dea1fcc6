/**
 * `npm run keys -- <command>` — API keys of the configured database (the server's DATABASE_URL, or
 * PGlite under DATA_DIR/pglite, which only one process can open: stop a server using it first).
 *   create <user> [--label <text>]   a new key; the key itself is the last line printed (shown once)
 *   list [<user>]                    every key (or one user's), revoked ones too; never the keys themselves
 *   revoke <id>                      the key stops working at once, even on a running server
 */
import path from 'node:path';
import { ConfigError, loadConfig, type Config } from './config';
import { openDb, type Db } from './db';
import { createRepos, type ApiKeyInfo } from './db/repos';

const USAGE = `usage: npm run keys -- create <user> [--label <text>] | list [<user>] | revoke <id>`;
const USER_ID = /^[A-Za-z0-9_.@-]{1,128}$/;

class UsageError extends Error {}

function describeTarget(config: Config): string {
  if (!config.DATABASE_URL) return `pglite (${path.resolve(config.DATA_DIR, 'pglite')})`;
  const url = new URL(config.DATABASE_URL);
  if (url.password) url.password = '***';
  return `postgres (${url.toString()})`;
}

async function open(config: Config): Promise<Db> {
  try {
    return await openDb({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR, poolMax: 1 });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (!config.DATABASE_URL && /in use/i.test(message)) {
      throw new UsageError(
        `cannot open the embedded PGlite database: ${message}\n` +
          'A running Memocha server on PGlite holds its database, so keys cannot be managed beside it: stop the server, ' +
          'run npm run keys, start the server again. With PostgreSQL (DATABASE_URL) keys can be managed while the server runs.',
      );
    }
    throw err;
  }
}

function describe(k: ApiKeyInfo): string {
  const status = k.revokedAt ? `revoked ${k.revokedAt}` : 'active';
  return [k.id, k.userId, `${k.prefix}…`, k.createdAt, k.lastUsedAt ?? '-', status, k.label ?? ''].join('\t').trimEnd();
}

function takeOption(args: string[], name: string): string | undefined {
  const at = args.indexOf(name);
  if (at < 0) return undefined;
  const value = args[at + 1];
  if (value === undefined || value.startsWith('--')) throw new UsageError(`${name} needs a value\n${USAGE}`);
  args.splice(at, 2);
  return value;
}

async function run(argv: string[]): Promise<void> {
  const args = [...argv];
  const command = args.shift();
  const label = command === 'create' ? takeOption(args, '--label') : undefined;
  const unknownFlag = args.find((a) => a.startsWith('--'));
  if (unknownFlag) throw new UsageError(`unknown option ${unknownFlag}\n${USAGE}`);
  if (command === 'create' && (args.length !== 1 || !USER_ID.test(args[0] ?? ''))) {
    throw new UsageError(`create needs one user id (1-128 letters, digits, _ . @ -)\n${USAGE}`);
  }
  if (command === 'list' && (args.length > 1 || (args[0] !== undefined && !USER_ID.test(args[0])))) throw new UsageError(`list takes at most one user id\n${USAGE}`);
  if (command === 'revoke' && args.length !== 1) throw new UsageError(`revoke needs one key id (see keys -- list)\n${USAGE}`);
  if (command !== 'create' && command !== 'list' && command !== 'revoke') throw new UsageError(USAGE);

  const config = loadConfig();
  const db = await open(config);
  try {
    const keys = createRepos(db.knex).apiKeys;
    console.log(`backend: ${describeTarget(config)}`);
    if (!config.authRequired) console.log(`note: AUTH=${config.AUTH} with HOST=${config.HOST} turns authentication off: the server ignores API keys until AUTH=required (or auto on a non-loopback HOST)`);
    if (command === 'create') {
      const { key, info } = await keys.create(args[0] as string, label === undefined ? {} : { label });
      console.log(`created API key ${info.id} for user ${info.userId}${info.label ? ` (${info.label})` : ''}`);
      console.log('the key follows; it is shown only this once (only its hash is stored). Send it as: Authorization: Bearer <key>');
      console.log(key);
    } else if (command === 'list') {
      const list = await keys.list(args[0]);
      console.log(['id', 'user', 'prefix', 'created', 'last used', 'status', 'label'].join('\t'));
      for (const k of list) console.log(describe(k));
      console.log(`${list.length} key(s)`);
    } else {
      const id = args[0] as string;
      const info = await keys.revoke(id);
      if (!info) throw new UsageError(`no API key with id ${JSON.stringify(id)} (see npm run keys -- list)`);
      console.log(`revoked API key ${info.id} of user ${info.userId} (at ${info.revokedAt ?? ''})`);
    }
  } finally {
    await db.close();
  }
}

run(process.argv.slice(2)).catch((err: unknown) => {
  const plain = err instanceof ConfigError || err instanceof UsageError || !(err instanceof Error);
  console.error(plain ? String(err instanceof Error ? err.message : err) : `keys failed: ${err.stack ?? err.message}`);
  process.exitCode = 1;
});
