/**
 * The baseline of `npm run bench:decide`: a bare fastify route that parses the same JSON body and
 * answers a constant, in a process of its own like the real server. Prints its URL when listening.
 *
 * BARE_FASTIFY=server (the default) gives fastify the options of build-app.ts that act on every
 * request (the server's pino logger at LOG_LEVEL, its request log and per-request logger factory;
 * proxy trust; poisoning checks), so what those options cost a request shows on its own;
 * BARE_FASTIFY=defaults is fastify out of the box (no logger), the baseline of the targets.
 * BARE_WORK_US adds that many microseconds of busy work per request: how the harness answers a
 * route that costs a known amount more (bench/decide-budget.ts).
 */
import Fastify from 'fastify';
import { lazyRequestLogger, loggerOptions, RequestLog } from '../apps/server/src/logger.ts';

const workUs = Number(process.env.BARE_WORK_US ?? 0);
const app =
  process.env.BARE_FASTIFY === 'defaults'
    ? Fastify({ logger: false })
    : Fastify({
        logger: loggerOptions(process.env.LOG_LEVEL ?? 'info'),
        logController: new RequestLog(),
        childLoggerFactory: lazyRequestLogger,
        trustProxy: true,
        onProtoPoisoning: 'error',
        onConstructorPoisoning: 'error',
      });
app.post('/v1/decide', async () => {
  if (workUs > 0) {
    const until = performance.now() + workUs / 1_000;
    while (performance.now() < until);
  }
  return { decision: 'allow', reasons: [], breakers: [] };
});
const url = await app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(`API  ${url}\n`);
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
