/**
 * The relay's `fetch`: node's own HTTP client with keep-alive pools. The global `fetch` fits the
 * relay too, and so does an egress guard's `fetch`, but both build a Request, a Response, their
 * Headers and a web stream per call: on the path of every proxied send that cost more than the
 * decision itself. A guard plugs in here instead as `lookup` (every new connection resolved and
 * judged by it) and `admit` (each target judged before its request leaves).
 */
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import type { UpstreamAnswer, UpstreamFetch } from './upstream-relay.ts';

/** Connections kept open per provider host: enough for a burst of concurrent sends without a handshake each. */
const MAX_SOCKETS_PER_HOST = 256;

export interface HttpFetchOptions {
  /** Resolves the host of every new connection (node's own resolver without it). */
  lookup?: LookupFunction;
  /**
   * Judges a target before its request leaves; rejects to refuse it (nothing is sent). Returns
   * nothing for a target already judged, so the send does not wait a turn of the loop for it.
   */
  admit?: (url: URL) => Promise<void> | undefined;
}

/** The client, and the end of its pooled connections (at shutdown). */
export type HttpFetch = UpstreamFetch & { close(): void };

export function createHttpFetch(options: HttpFetchOptions = {}): HttpFetch {
  const lookup = options.lookup === undefined ? {} : { lookup: options.lookup };
  const agents = {
    'http:': new http.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS_PER_HOST, ...lookup }),
    'https:': new https.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS_PER_HOST, ...lookup }),
  };
  // Per send this runs on the event loop every proxied answer waits on: the target's parts are
  // handed to node as they are (no second parse of the URL), and no named function is built per
  // send (the TypeScript loader names each one as it is made, a property write per function).
  const exchange = (target: URL, init: Parameters<UpstreamFetch>[1]) =>
    new Promise<UpstreamAnswer>((resolve, reject) => {
      const secure = target.protocol === 'https:';
      const request = (secure ? https : http).request(
        {
          protocol: target.protocol,
          hostname: target.hostname.startsWith('[') ? target.hostname.slice(1, -1) : target.hostname,
          port: target.port,
          path: target.pathname + target.search,
          ...(target.username !== '' && { auth: `${decodeURIComponent(target.username)}:${decodeURIComponent(target.password)}` }),
          method: init.method,
          headers: init.headers,
          agent: secure ? agents['https:'] : agents['http:'],
        },
        (response) => {
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
              async text() {
                return Buffer.concat(chunks).toString('utf8');
              },
            }),
          );
        },
      );
      // The limit covers the whole exchange, the answer's body included: it settles the exchange
      // as timed out first, so the errors its end raises on the request or the answer change nothing.
      const timer = setTimeout(() => {
        reject(timeoutError(init.timeoutMs));
        request.destroy();
      }, init.timeoutMs);
      request.on('close', () => clearTimeout(timer));
      request.on('error', reject);
      request.end(init.body);
    });
  const client: UpstreamFetch = (url, init) => {
    const target = new URL(url);
    const judging = options.admit?.(target);
    return judging === undefined ? exchange(target, init) : judging.then(() => exchange(target, init));
  };
  return Object.assign(client, {
    close() {
      agents['http:'].destroy();
      agents['https:'].destroy();
    },
  });
}

function timeoutError(timeoutMs: number): Error {
  const error = new Error(`no answer within ${timeoutMs} ms`);
  error.name = 'TimeoutError';
  return error;
}
