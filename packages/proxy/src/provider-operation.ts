/** The providers the proxy speaks for, by the name their events carry. */
export const PROXY_PROVIDERS = ['twilio', 'vonage'] as const;
export type ProxyProvider = (typeof PROXY_PROVIDERS)[number];

/** The provider hosts a request is relayed to, one environment variable each. */
export const UPSTREAMS = ['twilio_verify', 'twilio_api', 'vonage_api', 'vonage_rest'] as const;
export type Upstream = (typeof UPSTREAMS)[number];

/**
 * One provider call the proxy understands. `send` calls are decided before they are relayed and
 * recorded as send events, `check` calls as verify events; `fetch` calls only read.
 */
export interface ProviderOperation {
  id:
    | 'twilio_verification'
    | 'twilio_verification_check'
    | 'twilio_verification_fetch'
    | 'twilio_message'
    | 'vonage_verify_request'
    | 'vonage_verify_check'
    | 'vonage_sms';
  provider: ProxyProvider;
  kind: 'send' | 'check' | 'fetch';
  upstream: Upstream;
  /**
   * Whether the provider does the same thing when it hears the call twice: only then is a call
   * that may have reached it retried. A second Verification or Messages create sends a second
   * message, a second check spends an attempt; a read is safe.
   */
  idempotent: boolean;
}

const op = (
  id: ProviderOperation['id'],
  provider: ProxyProvider,
  kind: ProviderOperation['kind'],
  upstream: Upstream,
): ProviderOperation => ({
  id,
  provider,
  kind,
  upstream,
  idempotent: kind === 'fetch',
});

export const OPERATIONS = {
  twilioVerification: op('twilio_verification', 'twilio', 'send', 'twilio_verify'),
  twilioVerificationCheck: op('twilio_verification_check', 'twilio', 'check', 'twilio_verify'),
  twilioVerificationFetch: op('twilio_verification_fetch', 'twilio', 'fetch', 'twilio_verify'),
  twilioMessage: op('twilio_message', 'twilio', 'send', 'twilio_api'),
  vonageVerifyRequest: op('vonage_verify_request', 'vonage', 'send', 'vonage_api'),
  vonageVerifyCheck: op('vonage_verify_check', 'vonage', 'check', 'vonage_api'),
  vonageSms: op('vonage_sms', 'vonage', 'send', 'vonage_rest'),
} as const satisfies Record<string, ProviderOperation>;

/** The providers' own hosts, when the environment names no other. */
export const DEFAULT_UPSTREAM_URLS: Readonly<Record<Upstream, string>> = {
  twilio_verify: 'https://verify.twilio.com',
  twilio_api: 'https://api.twilio.com',
  vonage_api: 'https://api.nexmo.com',
  vonage_rest: 'https://rest.nexmo.com',
};

const UPSTREAM_ENV: Readonly<Record<Upstream, string>> = {
  twilio_verify: 'TOLLGATE_UPSTREAM_TWILIO_VERIFY',
  twilio_api: 'TOLLGATE_UPSTREAM_TWILIO_API',
  vonage_api: 'TOLLGATE_UPSTREAM_VONAGE_API',
  vonage_rest: 'TOLLGATE_UPSTREAM_VONAGE_REST',
};

/** The upstream base URLs from TOLLGATE_UPSTREAM_*; a value that is not an http(s) URL stops the start, naming the variable. */
export function upstreamsFromEnv(env: Readonly<Record<string, string | undefined>>): Record<Upstream, string> {
  const out = { ...DEFAULT_UPSTREAM_URLS };
  for (const upstream of UPSTREAMS) {
    const value = env[UPSTREAM_ENV[upstream]]?.trim();
    if (!value) continue;
    let url: URL | undefined;
    try {
      url = new URL(value);
    } catch {
      url = undefined;
    }
    if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
      throw new Error(`${UPSTREAM_ENV[upstream]} must be an http(s) base URL such as ${DEFAULT_UPSTREAM_URLS[upstream]}, got "${value}"`);
    }
    out[upstream] = value.replace(/\/+$/, '');
  }
  return out;
}
