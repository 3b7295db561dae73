import { LogController, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';

/**
 * pino options for the server. Request logs carry the method and path only: query strings can hold
 * phone numbers (Vonage DLRs are GET callbacks with `msisdn`), and headers hold keys and signatures.
 */
export function loggerOptions(level: string): FastifyServerOptions['logger'] {
  return {
    level,
    redact: {
      paths: ['req.headers.authorization', 'req.headers["x-twilio-signature"]', '*.phone', '*.msisdn', '*.To'],
      censor: '[redacted]',
    },
    serializers: {
      req: (req: { method: string; url: string; id: string }) => ({ id: req.id, method: req.method, path: req.url.split('?')[0] }),
    },
  };
}

/**
 * A request that took at least this long is logged when it completes, whatever its answer: a
 * decision is answered in well under a millisecond, a query in tens, so a second is worth a line.
 */
export const SLOW_REQUEST_MS = 1_000;

/**
 * Which requests get a log line: those that failed (status 400 and up, or a stream error) and
 * those slower than SLOW_REQUEST_MS. Fastify's default writes two lines for every request
 * ("incoming request", "request completed"), which on the decision path at level info means two
 * serialized, redacted pino writes per decision, more than the decision itself costs, for lines
 * nobody reads at thousands a second. Failures keep fastify's "request completed" line (with the
 * status, now with the method and path the dropped "incoming request" line gave) and errors their
 * "request errored" line.
 */
export class RequestLog extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (error) {
      reply.log.error({ req: request, res: reply, err: error, responseTime: reply.elapsedTime }, 'request errored');
      return;
    }
    const responseTime = reply.elapsedTime;
    if (responseTime >= SLOW_REQUEST_MS) reply.log.warn({ req: request, res: reply, responseTime }, 'slow request');
    else if (reply.statusCode >= 400) reply.log.info({ req: request, res: reply, responseTime }, 'request completed');
  }
}
