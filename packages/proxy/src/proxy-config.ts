import type { Flow } from '@tollgate/events';

/** Who a proxied request speaks for: the app and flow its decisions and events are counted under. */
export interface CallerBinding {
  app: string;
  /** The flow when the request does not name one in X-Tollgate-Flow. */
  flow: Flow;
  /**
   * The service shows challenges itself (it reads X-Tollgate-Decision): a challenge is relayed
   * and the header names it. Otherwise a challenge is refused, its message naming the friction.
   */
  handlesChallenges: boolean;
}

/**
 * The proxy's map from provider identities to apps. Anything not listed is refused: a proxy that
 * relayed unknown accounts would be an open relay with someone else's breakers on it.
 */
export interface ProxyConfig {
  twilio: {
    /** Verify service SIDs (VA...), for the Verify API. */
    services: ReadonlyMap<string, CallerBinding>;
    /** Account SIDs (AC...), for the Messages API. */
    accounts: ReadonlyMap<string, CallerBinding>;
  };
  vonage: {
    /** API keys: the basic-auth user of Verify v2 and the SMS API, or the SMS API's `api_key` field. */
    apiKeys: ReadonlyMap<string, CallerBinding>;
    /** Application ids, for Verify v2 called with an application's JWT (what the Vonage SDK does). */
    applications: ReadonlyMap<string, CallerBinding>;
  };
}

/** No proxy.yaml: every proxied request is refused. */
export const EMPTY_PROXY_CONFIG: ProxyConfig = {
  twilio: { services: new Map(), accounts: new Map() },
  vonage: { apiKeys: new Map(), applications: new Map() },
};
