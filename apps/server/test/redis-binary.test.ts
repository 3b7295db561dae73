import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findRedisServer, HOW_TO_GET_REDIS } from './support/redis-binary.ts';

const work = mkdtempSync(join(tmpdir(), 'tollgate-redis-binary-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
/** A PATH directory without redis-server, and one with an executable of that name. */
const empty = join(work, 'empty');
const bin = join(work, 'bin');
mkdirSync(empty);
mkdirSync(bin);
writeFileSync(join(bin, 'redis-server'), '#!/bin/sh\n');
chmodSync(join(bin, 'redis-server'), 0o755);

describe('finding redis-server for the tests', () => {
  it('takes the first redis-server on PATH', async () => {
    expect(await findRedisServer({ path: `${empty}:${bin}`, mayInstall: false })).toEqual({
      found: true,
      path: join(bin, 'redis-server'),
      provisioned: false,
    });
  });

  it('stops at once with one line saying how to get it where it may not install packages', async () => {
    expect(await findRedisServer({ path: empty, mayInstall: false })).toEqual({ found: false, reason: HOW_TO_GET_REDIS });
    expect(HOW_TO_GET_REDIS).not.toContain('\n');
    expect(HOW_TO_GET_REDIS).toMatch(/apt-get install redis-server.*brew install redis.*TOLLGATE_TEST_REDIS_URL/);
  });
});
