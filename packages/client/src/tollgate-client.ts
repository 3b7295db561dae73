export type Flow = 'signup' | 'login' | 'recovery' | 'step_up';

/** What a service asks before sending an OTP. Device fields feed the risk score; leaving them out counts as a (small) risk signal. */
export interface SendDecideRequest {
  action?: 'send';
  app: string;
  flow: Flow;
  phone: string;
  ip: string;
  session_id?: string;
  /** The service's user id, at most 256 bytes; Tollgate keeps a keyed hash (sends per account per hour and day). */
  account_id?: string;
  device_id?: string;
  /** The client's User-Agent header. */
  user_agent?: string;
  /** IANA time zone the client reports, e.g. Europe/London. */
  timezone?: string;
  /** ios, android, web... */
  platform?: string;
  provider?: string;
}

/** What a service asks before checking a code the user entered: attempts per session, IP and phone. */
export interface VerifyDecideRequest {
  action: 'verify';
  app: string;
  flow: Flow;
  session_id: string;
  ip: string;
  phone?: string;
}

export type DecideRequest = SendDecideRequest | VerifyDecideRequest;

/** The friction to show on a challenge. */
export type ChallengeKind = 'captcha' | 'email_code' | 'slower_cooldown';

export type RiskTier = 'low' | 'medium' | 'high';

/** One signal that weighed in: strength 0-1, points at full strength, and why. */
export interface RiskSignal {
  name: string;
  value: number;
  weight: number;
  detail: string;
}

/** The risk score of a send: 0-100, its tier (low allows, medium challenges, high blocks) and its signals. */
export interface DecisionRisk {
  score: number;
  tier: RiskTier;
  signals: RiskSignal[];
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
  /** Present when the decision is challenge: the friction to show before sending. */
  challenge?: ChallengeKind;
  /** The risk score of a send (absent for verify decisions and when scoring is off). */
  risk?: DecisionRisk;
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
