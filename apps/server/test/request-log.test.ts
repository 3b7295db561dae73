import { Writable } from 'node:stream';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lazyRequestLogger, loggerOptions, RequestLog } from '../src/logger.ts';

/**
 * Which requests reach the log, with the server's logger options: failures get a line naming the
 * method and path, successes none, and a handler's own log line carries the request id even though
 * the request's logger is made only when first used.
 */

let app: FastifyInstance;
const lines: Record<string, unknown>[] = [];

beforeAll(async () => {
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  app = Fastify({
    logger: { ...(loggerOptions('info') as object), stream },
    logController: new RequestLog(),
    childLoggerFactory: lazyRequestLogger,
  });
  app.get('/ok', async () => ({ ok: true }));
  app.get('/refused', async (_request, reply) => reply.status(403).send({ refused: true }));
  app.get('/noted', async (request) => {
    request.log.warn({ body: { phone: '+447400123456' } }, 'noted by the handler');
    return { ok: true };
  });
  await app.ready();
});
afterAll(() => app.close());

async function logOf(url: string): Promise<Record<string, unknown>[]> {
  const before = lines.length;
  const res = await app.inject({ method: 'GET', url });
  expect(res.statusCode).toBeLessThan(500);
  return lines.slice(before);
}

describe('request log', () => {
  it('writes nothing for a request that succeeds quickly', async () => {
    expect(await logOf('/ok?msisdn=447400123456')).toEqual([]);
  });

  it('writes one line for a refused request, with its method and path but not its query', async () => {
    const log = await logOf('/refused?msisdn=447400123456');
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ msg: 'request completed', req: { method: 'GET', path: '/refused' }, res: { statusCode: 403 } });
    expect(log[0]!.reqId).toEqual(expect.any(String));
    expect(JSON.stringify(log)).not.toContain('447400123456');
  });

  it("binds the request id to a handler's own line, redacted as before", async () => {
    const log = await logOf('/noted');
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ msg: 'noted by the handler', level: 40 });
    expect(log[0]!.reqId).toEqual(expect.any(String));
    expect(JSON.stringify(log)).not.toContain('7400123456');
  });
});
