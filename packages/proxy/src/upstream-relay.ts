/**
 * Forwards a proxied call to the provider and brings back its answer untouched, or says why there
 * is none. Every upstream byte goes through the one injected `fetch`, so a deployment can put its
 * egress guard (or a corporate proxy) in front of all of them in one place.
 */
import type { ProviderOperation } from './provider-operation.ts';

/** What the relay reads of an answer: a `Response` of the global `fetch` is one. */
export interface UpstreamAnswer {
  status: number;
  headers: { forEach(each: (value: string, name: string) => void): void };
  text(): Promise<string>;
}

/**
 * One exchange with the provider: `fetch`'s shape with a time limit instead of a signal (a signal
 * of `AbortSignal.timeout` and its timer outlive the exchange by the whole limit, per send).
 * Rejects with an error named `TimeoutError` when the limit passes.
 */
export type UpstreamFetch = (
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string; timeoutMs: number },
) => Promise<UpstreamAnswer>;

export interface RelayRequest {
  operation: ProviderOperation;
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
}

export type RelayOutcome =
  | { ok: true; status: number; headers: Record<string, string>; body: string; attempts: number }
  | { ok: false; failure: 'timeout' | 'unreachable'; detail: string; attempts: number };

export interface RelayOptions {
  /** How long the provider has to answer one attempt. */
  timeoutMs: number;
  /** Further attempts, where a retry cannot send a second message (see `retryable`). */
  retries: number;
}

/**
 * Twilio and Vonage answer OTP creates in a few hundred ms; past 10 s the user has given up and a
 * late answer would only hold a connection (the providers' SDKs wait 30 s by default).
 */
export const DEFAULT_RELAY_OPTIONS: RelayOptions = { timeoutMs: 10_000, retries: 2 };

/** Answers worth a second try of a read: the provider said it was briefly unable to. */
const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([502, 503, 504]);
/** Connection errors raised before a byte of the request left: nothing reached the provider. */
const NOT_SENT_CODES: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH']);
/** Headers of the provider's answer that describe the body as it was on the wire, not as relayed. */
const HOP_HEADERS: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'content-length',
  'content-encoding',
  'date',
  'server',
]);

export interface Relay {
  relay(request: RelayRequest): Promise<RelayOutcome>;
}

export function createRelay(deps: { fetch: UpstreamFetch; options?: Partial<RelayOptions> }): Relay {
  const options = { ...DEFAULT_RELAY_OPTIONS, ...deps.options };
  async function attempt(request: RelayRequest): Promise<RelayOutcome> {
    try {
      const response = await deps.fetch(request.url, {
        method: request.method,
        headers: request.headers,
        ...(request.body !== undefined && { body: request.body }),
        timeoutMs: options.timeoutMs,
      });
      const headers: Record<string, string> = {};
      response.headers.forEach((value, name) => {
        if (!HOP_HEADERS.has(name)) headers[name] = value;
      });
      return { ok: true, status: response.status, headers, body: await response.text(), attempts: 1 };
    } catch (error) {
      if (isTimeout(error)) return { ok: false, failure: 'timeout', detail: `no answer within ${options.timeoutMs} ms`, attempts: 1 };
      return { ok: false, failure: 'unreachable', detail: describe(error), attempts: 1 };
    }
  }
  return {
    async relay(request) {
      let outcome = await attempt(request);
      let attempts = 1;
      while (attempts <= options.retries && retryable(request.operation, outcome)) {
        outcome = await attempt(request);
        attempts += 1;
      }
      return { ...outcome, attempts };
    },
  };
}

/**
 * A read is retried on a timeout or a gateway error; a send or a check only when the connection
 * was refused before anything left, since the provider may have acted on an attempt it did not
 * finish answering, and a second one would text the user twice or spend an attempt.
 */
function retryable(operation: ProviderOperation, outcome: RelayOutcome): boolean {
  if (outcome.ok) return operation.idempotent && RETRYABLE_STATUSES.has(outcome.status);
  if (operation.idempotent) return true;
  return outcome.failure === 'unreachable' && NOT_SENT_CODES.has(outcome.detail.split(':')[0] ?? '');
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
}

/** `ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:9`, the code first: node's own error, or the cause the global fetch wraps it in. */
function describe(error: unknown): string {
  const own = error as { code?: unknown; cause?: unknown } | undefined;
  const cause = (typeof own?.code === 'string' ? own : error instanceof Error ? error.cause : undefined) as
    { code?: unknown; message?: unknown } | undefined;
  const code = typeof cause?.code === 'string' ? cause.code : 'EUPSTREAM';
  const text = typeof cause?.message === 'string' ? cause.message : error instanceof Error ? error.message : String(error);
  return `${code}: ${text}`;
}
