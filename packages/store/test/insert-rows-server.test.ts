import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHasher, createNormalizer, loadAsnDatabase, ROW_COLUMNS } from '@tollgate/events';
import { createStore, insertRows, type Store } from '../src/index.ts';
import { openTempStore } from '../src/testing/temp-store.ts';
import { toTsv } from '../src/tsv.ts';
import { WIRE_SEND } from '../src/testing/event-rows.ts';

/**
 * A ClickHouse server's insert as the decide nodes of a deployment send it: the real client over
 * HTTP to a server on loopback that runs each statement it receives, with the request body as its
 * data, in this file's store (or answers as an overloaded server does when told to).
 */
let store: Store;
let dispose: () => Promise<void>;
let server: Server;
let client: Store;
const received: { query: string; settings: Record<string, string>; body: string }[] = [];
let failNext = false;

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

beforeAll(async () => {
  ({ store, dispose } = await openTempStore('insert-server'));
  server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://loopback');
      const query = url.searchParams.get('query') ?? '';
      const settings = Object.fromEntries([...url.searchParams].filter(([key]) => !['query', 'query_id', 'database'].includes(key)));
      const body = await readBody(req);
      received.push({ query, settings, body });
      if (failNext) {
        failNext = false;
        res
          .writeHead(500, { 'x-clickhouse-exception-code': '241' })
          .end('Code: 241. DB::Exception: Memory limit exceeded. (MEMORY_LIMIT_EXCEEDED)\n');
        return;
      }
      await store.client.command({ query: `${query}\n${body}` });
      res.writeHead(200, { 'x-clickhouse-summary': '{}' }).end();
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  client = createStore({ kind: 'server', url: `http://127.0.0.1:${port}`, username: 'default', password: '', database: 'default' });
});
afterAll(async () => {
  await client.close();
  await new Promise((resolve) => server.close(resolve));
  await dispose();
});

const normalizer = createNormalizer({ hasher: createHasher(Buffer.alloc(32, 7)), asn: loadAsnDatabase() });
function sendRow(eventId: string) {
  const result = normalizer.send({ ...WIRE_SEND, event_id: eventId }, 1);
  if (!result.ok) throw new Error(JSON.stringify(result.rejected));
  return result.row;
}

describe('insertRows on a ClickHouse server', () => {
  it('sends the rows as one TabSeparated body naming its columns, the same text the embedded engine takes', async () => {
    received.length = 0;
    const rows = [sendRow('server-1'), sendRow('server-2')];
    await insertRows(client, 'send', rows);
    expect(received).toHaveLength(1);
    expect(received[0]!.query).toBe(`INSERT INTO sends_raw (${ROW_COLUMNS.send.join(', ')}) FORMAT TabSeparated`);
    expect(received[0]!.settings).toMatchObject({ optimize_on_insert: '0' });
    expect(received[0]!.body).toBe(toTsv(rows, ROW_COLUMNS.send));
  });

  it('stores every column as the embedded engine stores the same row', async () => {
    await insertRows(store, 'send', [sendRow('embedded-1')]);
    const rs = await store.client.query({
      query: `SELECT * EXCEPT (event_id, ingested_at) FROM sends_raw WHERE event_id IN ('server-1', 'embedded-1') ORDER BY event_id`,
      format: 'JSONEachRow',
    });
    const [embedded, viaServer] = (await rs.json()) as Record<string, unknown>[];
    expect(embedded).toMatchObject({ session_id: WIRE_SEND.session_id, user_agent: WIRE_SEND.user_agent });
    expect(viaServer).toEqual(embedded);
  });

  it('rejects when the server refuses the insert, so nothing is acknowledged as stored', async () => {
    failNext = true;
    await expect(insertRows(client, 'send', [sendRow('refused-1')])).rejects.toThrow(/MEMORY_LIMIT_EXCEEDED|Memory limit/);
    const rs = await store.client.query({
      query: "SELECT count() AS n FROM sends_raw WHERE event_id = 'refused-1'",
      format: 'JSONEachRow',
    });
    expect(await rs.json()).toEqual([{ n: 0 }]);
  });
});
