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
  /** Judges a target before its request leaves; rejects to refuse it (nothing is sent). */
  admit?: (url: URL) => Promise<void>;
}

/** The client, and the end of its pooled connections (at shutdown). */
export type HttpFetch = UpstreamFetch & { close(): void };

export function createHttpFetch(options: HttpFetchOptions = {}): HttpFetch {
  const lookup = options.lookup === undefined ? {} : { lookup: options.lookup };
  const agents = {
    'http:': new http.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS_PER_HOST, ...lookup }),
    'https:': new https.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS_PER_HOST, ...lookup }),
  };
  const exchange = (target: URL, init: Parameters<UpstreamFetch>[1]) =>
    new Promise<UpstreamAnswer>((resolve, reject) => {
      const secure = target.protocol === 'https:';
      const client = secure ? https : http;
      const agent = secure ? agents['https:'] : agents['http:'];
      let timedOut = false;
      const fail = (error: Error) => {
        clearTimeout(timer);
        reject(timedOut ? timeoutError(init.timeoutMs) : error);
      };
      const request = client.request(target, { method: init.method, headers: init.headers, agent }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', fail);
        response.on('end', () => {
          clearTimeout(timer);
          resolve({
            status: response.statusCode ?? 0,
            headers: {
              forEach(each) {
                for (const [name, value] of Object.entries(response.headers))
                  if (value !== undefined) each(Array.isArray(value) ? value.join(', ') : value, name);
              },
            },
            text: async () => Buffer.concat(chunks).toString('utf8'),
          });
        });
      });
      // The limit covers the whole exchange, the answer's body included.
      const timer = setTimeout(() => {
        timedOut = true;
        request.destroy(timeoutError(init.timeoutMs));
      }, init.timeoutMs);
      request.on('error', fail);
      request.end(init.body);
    });
  const client: UpstreamFetch = async (url, init) => {
    const target = new URL(url);
    if (options.admit !== undefined) await options.admit(target);
    return exchange(target, init);
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
