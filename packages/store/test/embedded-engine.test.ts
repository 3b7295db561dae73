/**
 * The embedded engine starts with the server settings the store gives it, and a store closed and
 * opened again on the same directory (a restart) still has its data and its settings.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createStore, EMBEDDED_ENGINE_ARGS } from '../src/store.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'tollgate-embedded-engine-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

async function serverSetting(store: ReturnType<typeof createStore>, name: string): Promise<string | undefined> {
  const rs = await store.client.query({
    query: 'SELECT value FROM system.server_settings WHERE name = {name:String}',
    query_params: { name },
    format: 'JSONEachRow',
  });
  return (await rs.json<{ value: string }>())[0]?.value;
}

describe('the embedded engine', () => {
  it.each(EMBEDDED_ENGINE_ARGS.map((arg) => /^--(\w+)=(.*)$/.exec(arg)!.slice(1) as [string, string]))(
    'runs with %s = %s, across a restart',
    async (name, value) => {
      const first = createStore({ kind: 'embedded', dataDir });
      try {
        expect(await serverSetting(first, name)).toBe(value);
        await first.client.command({ query: 'CREATE TABLE IF NOT EXISTS kept (n UInt8) ENGINE = MergeTree ORDER BY n' });
        await first.client.command({ query: 'INSERT INTO kept VALUES (7)' });
      } finally {
        await first.close();
      }
      const again = createStore({ kind: 'embedded', dataDir });
      try {
        expect(await serverSetting(again, name)).toBe(value);
        const rs = await again.client.query({ query: 'SELECT sum(n) AS n FROM kept', format: 'JSONEachRow' });
        expect(await rs.json()).toEqual([{ n: 7 }]);
      } finally {
        await again.close();
      }
    },
  );
});
