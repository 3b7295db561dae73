/**
 * The relay's default `fetch`: node's own HTTP client with keep-alive pools. The global `fetch`
 * fits the relay too (a guard may wrap either), but builds a Request, a Response and their
 * Headers per call: on the path of every proxied send that cost more than the decision itself.
 */
import http from 'node:http';
import https from 'node:https';
import type { UpstreamAnswer, UpstreamFetch } from './upstream-relay.ts';

/** Connections kept open per provider host: enough for a burst of concurrent sends without a handshake each. */
const MAX_SOCKETS_PER_HOST = 256;

export function createHttpFetch(): UpstreamFetch {
  const agents = {
    'http:': new http.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS_PER_HOST }),
    'https:': new https.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS_PER_HOST }),
  };
  return (url, init) =>
    new Promise<UpstreamAnswer>((resolve, reject) => {
      const target = new URL(url);
      const agent = target.protocol === 'https:' ? agents['https:'] : agents['http:'];
      const client = target.protocol === 'https:' ? https : http;
      const request = client.request(target, { method: init.method, headers: init.headers, agent, signal: init.signal }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: {
              forEach(each) {
                for (const [name, value] of Object.entries(response.headers))
                  if (value !== undefined) each(Array.isArray(value) ? value.join(', ') : value, name);
              },
            },
            text: async () => Buffer.concat(chunks).toString('utf8'),
          }),
        );
      });
      request.on('error', reject);
      request.end(init.body);
    });
}
