/**
 * The provider of `npm run bench:proxy`: a bare node HTTP server answering Twilio Verify creates
 * with the shape Twilio gives, in a process of its own. Prints its URL when listening.
 * STAND_IN_DELAY_MS (default 0) is how long it takes to answer, as a real provider does: at 0 all
 * of a request's time is the proxy's own, the proxy's worst case.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyStandIn } from './verify-creates.ts';

const delayMs = Number(process.env.STAND_IN_DELAY_MS ?? 0);
const server = createServer(verifyStandIn(() => delayMs));
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`API  http://127.0.0.1:${(server.address() as AddressInfo).port}\n`));
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
