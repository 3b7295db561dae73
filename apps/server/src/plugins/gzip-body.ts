import { createGunzip } from 'node:zlib';
import type { FastifyRequest } from 'fastify';
import { TollgateError } from '../errors.ts';

type Payload = NodeJS.ReadableStream & { receivedEncodedLength?: number };

/**
 * preParsing hook: inflates `Content-Encoding: gzip` bodies. fastify applies the body limit to the
 * inflated stream and checks Content-Length against `receivedEncodedLength`, so a gzip bomb stops
 * at the limit with 413.
 */
export async function inflateGzipBody(request: FastifyRequest, _reply: unknown, payload: Payload): Promise<Payload> {
  const encoding = (request.headers['content-encoding'] ?? 'identity').toLowerCase();
  if (encoding === 'identity') return payload;
  if (encoding !== 'gzip') {
    throw new TollgateError('TG_CONTENT_TYPE', { message: `Content-Encoding "${encoding}" is not supported: send gzip or no encoding.` });
  }
  const inflated: Payload = createGunzip();
  inflated.receivedEncodedLength = 0;
  payload.on('data', (chunk: Buffer) => {
    inflated.receivedEncodedLength! += chunk.length;
  });
  inflated.on('error', (error: Error & { statusCode?: number }) => {
    // A corrupt gzip stream is the client's fault: 400, not 500.
    error.statusCode = 400;
    error.message = `gzip body is corrupt (${error.message})`;
  });
  payload.pipe(inflated as unknown as NodeJS.WritableStream);
  return inflated;
}
