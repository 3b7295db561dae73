/**
 * The ClickHouse server of `npm run bench:proxy`'s headline layout: the embedded engine (chDB) on a
 * data directory of its own, in a process of its own, answering ClickHouse's HTTP interface as
 * @clickhouse/client speaks it, so a Tollgate started with CLICKHOUSE_URL pointing here stores as a
 * decide node in service does (the rows' text and an HTTP insert on its own core, the engine's
 * inserts and merges on another machine's). Prints its URL when listening. CLICKHOUSE_DATA_DIR is
 * where the engine keeps its data.
 *
 * What it answers, as ClickHouse does: `GET /ping`; the statement in the `query` URL parameter
 * (with the request body as an insert's data) or in the body; `param_*` URL parameters bound as
 * the server binds them (their text parsed by the declared type); `database`; every other URL
 * parameter a setting of the statement; errors as status 500 with the engine's own
 * `Code: N. DB::Exception: ...` text and `X-ClickHouse-Exception-Code`; `X-ClickHouse-Summary`,
 * `-Query-Id`, `-Format` and `-Timezone` on every answer. Not answered: multipart parameters (the
 * client sends them only when asked to, or past its URL budget), sessions, compressed answers (the
 * client reads an answer without Content-Encoding as it is).
 *
 * One statement at a time: session settings, parameters and the current database are the engine
 * session's state, set before each statement, so two statements must not interleave. A decide node
 * sends a few statements a second (the breaker sync, the recorder's insert), which queue briefly.
 * Each request's settings and parameters are its own, as on the server: a setting an earlier
 * request set and this one does not goes back to its default before the statement, and a statement
 * naming a parameter its request did not send is refused (UNKNOWN_QUERY_PARAMETER) instead of
 * taking an earlier request's value.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { setPriority } from 'node:os';
import { Session } from 'chdb';
import { gunzipSync } from 'node:zlib';

/**
 * The server stands for another machine, but shares the load generator's core: it must take only
 * what the load generator and the provider's stand-in leave, so that its inserts and merges delay
 * neither the creates' sends nor the provider's answers (which every path's latency would carry,
 * the proxied ones most, since only they make it insert). Every thread runs at SCHED_IDLE: a thread
 * of normal policy that wakes on the core takes it at once. Niceness 19 is not that: the kernel's
 * fair scheduler lets a running thread finish its slice before a woken one of higher priority
 * runs, and the slowest creates of bench:proxy's open loop waited on the provider's stand-in behind
 * the server's inserts. Set on every thread before the engine starts its pools, which inherit it;
 * where `chrt` is missing, every thread at niceness 19 instead, lowered again every THREAD_SCAN_MS
 * (the engine starts threads as its pools grow, some at a niceness of its own).
 */
const FALLBACK_NICENESS = 19;
const THREAD_SCAN_MS = 1_000;
function idleEveryThread(): boolean {
  return spawnSync('chrt', ['--idle', '--all-tasks', '--pid', '0', String(process.pid)], { stdio: 'ignore' }).status === 0;
}
function lowerEveryThread(): void {
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      setPriority(Number(tid), FALLBACK_NICENESS);
    } catch {
      // The thread ended since it was listed.
    }
  }
}
const idle = idleEveryThread();

const dataDir = process.env.CLICKHOUSE_DATA_DIR;
if (!dataDir) throw new Error('CLICKHOUSE_DATA_DIR: the engine data directory of the stand-in is not set');
const session = new Session(dataDir);
/** The engine's settings: a URL parameter naming anything else is refused, as the server does. */
const KNOWN_SETTINGS = new Set(session.query('SELECT name FROM system.settings', 'TabSeparated').trim().split('\n'));
if (!idle) {
  lowerEveryThread();
  setInterval(lowerEveryThread, THREAD_SCAN_MS).unref();
}

/** URL parameters that are not settings of the statement. */
const NOT_SETTINGS = new Set(['query', 'query_id', 'database', 'session_id', 'role', 'user', 'password', 'default_format']);
/**
 * Settings of ClickHouse's HTTP layer, with no meaning to the engine below it: the server acts on
 * them (or not) before the statement runs; the engine refuses them as unknown.
 */
const HTTP_SETTINGS = new Set([
  'wait_end_of_query',
  'send_progress_in_http_headers',
  'http_headers_progress_interval_ms',
  'http_send_progress_interval_ms',
  'http_response_buffer_size',
  'enable_http_compression',
  'http_zlib_compression_level',
  'http_response_compression_method',
  'http_native_compression_disable_checksumming_on_decompress',
]);
/** ClickHouse's default output format over HTTP, for statements without a FORMAT clause. */
const HTTP_DEFAULT_FORMAT = 'TabSeparated';
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
// The exception codes ClickHouse gives statements it cannot run as sent (BAD_ARGUMENTS), a setting
// it does not know (UNKNOWN_SETTING) and a parameter the request did not send (UNKNOWN_QUERY_PARAMETER).
const BAD_ARGUMENTS = 36;
const UNKNOWN_SETTING = 115;
const UNKNOWN_QUERY_PARAMETER = 456;
/** A parameter's placeholder in a statement, `{name:Type}`: the name. */
const PLACEHOLDER = /\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*:/g;

/** A SQL string literal holding `text` exactly. */
const literal = (text: string) => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

const CODE_NAMES: Record<number, string> = {
  [BAD_ARGUMENTS]: 'BAD_ARGUMENTS',
  [UNKNOWN_SETTING]: 'UNKNOWN_SETTING',
  [UNKNOWN_QUERY_PARAMETER]: 'UNKNOWN_QUERY_PARAMETER',
};

class BadRequest extends Error {
  constructor(
    message: string,
    readonly code = BAD_ARGUMENTS,
  ) {
    super(message);
  }
}

/**
 * Settings an earlier request set in the engine session. Statements run in the order their
 * preambles are made (one queue), so this is the session's state when the next preamble runs.
 */
let settingsSet = new Set<string>();

/**
 * The statements that set up `params` for the engine session before `statement`: the database,
 * earlier requests' settings back to their defaults, this request's settings and its bound
 * parameters (a parameter's text is handed over as sent, and parsed by its declared type when the
 * statement runs, as the server does with `param_*`). A parameter the statement names and the
 * request does not send is refused: the session would otherwise bind an earlier request's value.
 */
function preamble(params: URLSearchParams, statement: string): string {
  const database = params.get('database') ?? 'default';
  if (!NAME.test(database)) throw new BadRequest(`database: "${database}" is not a database name`);
  const settings = new Map<string, string>();
  const bound = new Map<string, string>();
  for (const [key, value] of params) {
    if (NOT_SETTINGS.has(key) || HTTP_SETTINGS.has(key)) continue;
    if (key.startsWith('param_')) {
      const name = key.slice('param_'.length);
      if (!NAME.test(name)) throw new BadRequest(`${key}: not a parameter name`);
      bound.set(name, value);
    } else if (KNOWN_SETTINGS.has(key)) {
      settings.set(key, value);
    } else {
      throw new BadRequest(`Setting ${key} is neither a builtin setting nor started with the prefix 'param_'`, UNKNOWN_SETTING);
    }
  }
  for (const [, name] of statement.matchAll(PLACEHOLDER)) {
    if (!bound.has(name!)) throw new BadRequest(`Substitution \`${name}\` is not set`, UNKNOWN_QUERY_PARAMETER);
  }
  const statements = [`USE ${database}`];
  for (const name of settingsSet) if (!settings.has(name)) statements.push(`SET ${name} = DEFAULT`);
  for (const [name, value] of settings) statements.push(`SET ${name} = ${literal(value)}`);
  for (const [name, value] of bound) statements.push(`SET param_${name} = ${literal(value)}`);
  settingsSet = new Set(settings.keys());
  return statements.map((s) => `${s}; `).join('');
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks);
  return (req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8');
}

let queue: Promise<unknown> = Promise.resolve();
/** Runs `sql` once every statement before it has finished. */
function exclusive(sql: string, format: string) {
  const run = queue.then(() => session.queryAsync(sql, { format }));
  queue = run.catch(() => undefined);
  return run;
}

async function answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://stand-in');
  const queryId = url.searchParams.get('query_id') ?? randomUUID();
  const headers = { 'x-clickhouse-query-id': queryId, 'x-clickhouse-timezone': 'UTC', 'x-clickhouse-server-display-name': 'chdb-stand-in' };
  if (url.pathname === '/ping') {
    res.writeHead(200, { ...headers, 'content-type': 'text/plain; charset=UTF-8' }).end('Ok.\n');
    return;
  }
  try {
    if (String(req.headers['content-type'] ?? '').startsWith('multipart/')) {
      throw new BadRequest('multipart parameters are not answered by the stand-in: send them in the URL');
    }
    const body = await readBody(req);
    const inUrl = url.searchParams.get('query');
    const statement = inUrl === null ? body : body.trim() === '' ? inUrl : `${inUrl}\n${body}`;
    // An insert without rows: ClickHouse writes nothing and answers; the engine would refuse it.
    const emptyInsert = inUrl !== null && /^\s*INSERT\b/i.test(inUrl) && body.trim() === '';
    const format = url.searchParams.get('default_format') ?? HTTP_DEFAULT_FORMAT;
    // An insert's data is not SQL: only its statement may name parameters.
    const sql = inUrl ?? body;
    const result = emptyInsert ? undefined : await exclusive(preamble(url.searchParams, sql) + statement, format);
    const rows = String(result?.rowsRead ?? 0);
    const bytes = String(result?.bytesRead ?? 0);
    const summary = {
      read_rows: rows,
      read_bytes: bytes,
      written_rows: '0',
      written_bytes: '0',
      total_rows_to_read: rows,
      result_rows: rows,
      result_bytes: bytes,
      elapsed_ns: String(Math.round((result?.elapsed ?? 0) * 1e9)),
    };
    res
      .writeHead(200, {
        ...headers,
        'content-type': 'text/plain; charset=UTF-8',
        'x-clickhouse-format': format,
        'x-clickhouse-summary': JSON.stringify(summary),
      })
      .end(result === undefined ? '' : Buffer.from(result.bytes()));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const engineCode = /^Code: (\d+)\./.exec(message)?.[1];
    const ownCode = error instanceof BadRequest ? error.code : BAD_ARGUMENTS;
    const code = engineCode ?? String(ownCode);
    const text = engineCode === undefined ? `Code: ${code}. DB::Exception: ${message}. (${CODE_NAMES[ownCode]})` : message;
    res
      .writeHead(error instanceof BadRequest ? 400 : 500, {
        ...headers,
        'content-type': 'text/plain; charset=UTF-8',
        'x-clickhouse-exception-code': code,
      })
      .end(`${text}\n`);
  }
}

const server = createServer((req, res) => void answer(req, res));
// Connections stay open however long a client is idle: bench:proxy stops its Tollgates (SIGSTOP)
// for minutes, and one resumed must not meet a connection closed under it.
server.keepAliveTimeout = 0;
server.listen(0, '127.0.0.1', () => process.stdout.write(`API  http://127.0.0.1:${(server.address() as AddressInfo).port}\n`));
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => {
    queue.finally(() => {
      session.close();
      process.exit(0);
    });
  });
});
