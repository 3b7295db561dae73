export { EMPTY_PROXY_CONFIG } from './proxy-config.ts';
export type { CallerBinding, ProxyConfig } from './proxy-config.ts';
export { parseProxyFile } from './proxy-file.parser.ts';
export type { ProxyFileParse } from './proxy-file.parser.ts';
export { OPERATIONS, UPSTREAMS, DEFAULT_UPSTREAM_URLS, upstreamsFromEnv } from './provider-operation.ts';
export type { ProviderOperation, ProxyProvider, Upstream } from './provider-operation.ts';
export { credentialsProblem, readCredentials } from './caller-credentials.ts';
export type { CallerCredentials } from './caller-credentials.ts';
export {
  readTwilioMessage,
  readTwilioVerification,
  readVonageSms,
  readVonageVerifyCheck,
  readVonageVerifyRequest,
} from './provider-request.ts';
export type { CallerList, Params, ProxyCall } from './provider-request.ts';
export { bindCaller, CALLER_LIST_PATHS } from './caller-binding.ts';
export { DECISION_HEADER, decisionHeader, refusalResponse } from './provider-refusal.ts';
export type { Refusal, RefusalResponse } from './provider-refusal.ts';
export { createRelay, DEFAULT_RELAY_OPTIONS } from './upstream-relay.ts';
export type { Relay, RelayOptions, RelayOutcome, RelayRequest, UpstreamAnswer, UpstreamFetch } from './upstream-relay.ts';
export { createHttpFetch } from './node-http.fetch.ts';
export type { HttpFetch, HttpFetchOptions } from './node-http.fetch.ts';
export { relayedEvents, UNKNOWN_CLIENT_IP } from './relayed-events.ts';
export type { CallContext, RelayedEvents } from './relayed-events.ts';
export { createPriceBook } from './price-book.ts';
export type { PriceBook, RatePoint } from './price-book.ts';
export { forwardTarget, statusCallbackUrl, STATUS_CALLBACK_PATH } from './status-callback.ts';
