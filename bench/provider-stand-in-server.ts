/**
 * The provider of `npm run bench:proxy`: a bare node HTTP server answering Twilio Verify creates
 * with the shape Twilio gives, in a process of its own. Prints its URL when listening.
 * STAND_IN_DELAY_MS (default 0) is how long it takes to answer, as a real provider does: at 0 all
 * of a request's time is the proxy's own, the proxy's worst case.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const delayMs = Number(process.env.STAND_IN_DELAY_MS ?? 0);
let sequence = 0;
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    const sid = `VE${(++sequence).toString(16).padStart(32, '0')}`;
    const answer = () =>
      res.writeHead(201, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          sid,
          service_sid: 'VA',
          status: 'pending',
          channel: 'sms',
          valid: false,
          send_code_attempts: [{ attempt_sid: `VL${sid.slice(2)}`, channel: 'sms' }],
        }),
      );
    if (delayMs > 0) setTimeout(answer, delayMs);
    else answer();
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`API  http://127.0.0.1:${(server.address() as AddressInfo).port}\n`));
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
