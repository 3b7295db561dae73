import type { Bindings, ChildLoggerOptions } from 'pino';
import { LogController, type FastifyBaseLogger, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';

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

/**
 * A request's logger, made on first use. Fastify gives every request a child logger bound to its
 * id, and pino serializes (and, with redaction on, redacts) that binding when the child is made:
 * a cost on every decision for a logger that writes only for the failed and slow few (RequestLog).
 * This one holds the binding and makes pino's child the first time something is logged.
 */
class LazyChildLogger implements FastifyBaseLogger {
  private made: FastifyBaseLogger | undefined = undefined;

  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: Bindings,
    private readonly options: ChildLoggerOptions,
  ) {}

  private get real(): FastifyBaseLogger {
    return (this.made ??= this.parent.child(this.bindings, this.options));
  }

  get level(): string {
    return this.made?.level ?? this.options.level ?? this.parent.level;
  }

  set level(level: string) {
    this.real.level = level;
  }

  fatal(obj: unknown, ...rest: unknown[]): void {
    this.real.fatal(obj as object, ...(rest as [string?]));
  }

  error(obj: unknown, ...rest: unknown[]): void {
    this.real.error(obj as object, ...(rest as [string?]));
  }

  warn(obj: unknown, ...rest: unknown[]): void {
    this.real.warn(obj as object, ...(rest as [string?]));
  }

  info(obj: unknown, ...rest: unknown[]): void {
    this.real.info(obj as object, ...(rest as [string?]));
  }

  debug(obj: unknown, ...rest: unknown[]): void {
    this.real.debug(obj as object, ...(rest as [string?]));
  }

  trace(obj: unknown, ...rest: unknown[]): void {
    this.real.trace(obj as object, ...(rest as [string?]));
  }

  silent(obj: unknown, ...rest: unknown[]): void {
    this.real.silent(obj as object, ...(rest as [string?]));
  }

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.real.child(bindings, options);
  }
}

/** fastify's `childLoggerFactory`: each request's logger is made when first used (LazyChildLogger). */
export function lazyRequestLogger(logger: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions): FastifyBaseLogger {
  return new LazyChildLogger(logger, bindings, options);
}
