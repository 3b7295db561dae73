import type { FastifyServerOptions } from 'fastify';

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
