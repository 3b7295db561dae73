/** What a service asks before sending an OTP. */
export interface DecideRequest {
  app: string;
  flow: 'signup' | 'login' | 'recovery' | 'step_up';
  phone: string;
  ip: string;
  session_id?: string;
  device_id?: string;
  provider?: string;
}

export interface DecideReason {
  code: string;
  detail: string;
  breaker_id?: string;
}

export interface DecideResult {
  decision: 'allow' | 'challenge' | 'block';
  reasons: DecideReason[];
  breakers: string[];
  retry_after_s?: number;
  /** True when Tollgate did not answer and the fail mode decided. */
  degraded?: boolean;
}

/** The caller's mistake (a 4xx): retrying the same request cannot help, fixing it can. */
export class TollgateClientError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'TollgateClientError';
  }
}

export interface ClientOptions {
  baseUrl: string;
  apiKey: string;
  /** The whole budget for one decision, network included; past it the fail mode answers. */
  timeoutMs?: number;
  /** What to answer when Tollgate cannot: `open` keeps logins working, `closed` keeps the bill safe. */
  failMode: 'open' | 'closed';
  fetch?: typeof fetch;
}

// An OTP send path can afford a few hundred milliseconds at most; Tollgate answers in well under one.
const DEFAULT_TIMEOUT_MS = 150;

/**
 * The client services embed. `decide()` always resolves for Tollgate's own trouble (timeout,
 * network error, 5xx, 429) with the fail-mode decision marked `degraded`, and rejects only for the
 * caller's mistakes (4xx) with a `TollgateClientError` naming the field.
 */
export function createTollgateClient(options: ClientOptions) {
  const send = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const url = new URL('/v1/decide', options.baseUrl).href;

  function degraded(detail: string): DecideResult {
    return options.failMode === 'open'
      ? { decision: 'allow', reasons: [{ code: 'TG_CLIENT_FAIL_OPEN', detail }], breakers: [], degraded: true }
      : { decision: 'block', reasons: [{ code: 'TG_CLIENT_FAIL_CLOSED', detail }], breakers: [], degraded: true };
  }

  return {
    async decide(request: DecideRequest): Promise<DecideResult> {
      let response: Response;
      try {
        response = await send(url, {
          method: 'POST',
          headers: { authorization: `Bearer ${options.apiKey}`, 'content-type': 'application/json' },
          body: JSON.stringify(request),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        const name = (error as Error).name;
        return degraded(name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : `Tollgate unreachable: ${(error as Error).message}`);
      }
      if (response.ok) return (await response.json()) as DecideResult;
      if (response.status === 429 || response.status >= 500) {
        await response.body?.cancel();
        return degraded(`Tollgate answered ${response.status}`);
      }
      const body = (await response.json().catch(() => ({}))) as { error?: { code?: string; message?: string; field?: string } };
      throw new TollgateClientError(
        body.error?.code ?? 'TG_CLIENT_HTTP',
        response.status,
        body.error?.message ?? `Tollgate answered ${response.status}`,
        body.error?.field,
      );
    },
  };
}

export type TollgateClient = ReturnType<typeof createTollgateClient>;
