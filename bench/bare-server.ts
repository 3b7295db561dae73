/**
 * The baseline of `npm run bench:decide`: a bare fastify route that parses the same JSON body and
 * answers a constant, in a process of its own like the real server. Prints its URL when listening.
 */
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.post('/v1/decide', async () => ({ decision: 'allow', reasons: [], breakers: [] }));
const url = await app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(`API  ${url}\n`);
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
