import { lookup as dnsLookup } from 'node:dns/promises';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { Readable } from 'node:stream';
import { refusedRange, type RefusedRange } from './address-ranges.ts';
import type { EgressAllow } from './egress-allow.ts';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Every address a host name resolves to (the system resolver by default; tests inject their own). */
export type Resolve = (hostname: string) => Promise<ResolvedAddress[]>;

/** Why a target was refused. */
export type EgressRefusal = 'invalid_url' | 'scheme' | 'credentials' | 'unresolvable' | 'refused_address';

export type EgressDecision =
  | { allowed: true; url: URL; addresses: readonly ResolvedAddress[]; via: 'public' | 'allowlist' }
  | { allowed: false; reason: EgressRefusal; detail: string; range?: RefusedRange };

/** A request the guard stopped: carries the decision, so callers can say why. */
export class EgressRefusedError extends Error {
  readonly decision: Extract<EgressDecision, { allowed: false }>;
  constructor(decision: Extract<EgressDecision, { allowed: false }>) {
    super(decision.detail);
    this.name = 'EgressRefusedError';
    this.decision = decision;
  }
}

export interface EgressGuard {
  /** Judges a target now: its scheme, then every address its host resolves to. */
  check(url: string | URL): Promise<EgressDecision>;
  /**
   * `fetch` for the server's own outbound requests: the target is checked first, the connection
   * goes only to addresses checked at connect time (a host that re-resolves to a refused address
   * in between is refused too), and redirects are followed (unless `redirect` says otherwise) only
   * to targets that pass the same check. A refusal rejects with `EgressRefusedError`.
   */
  fetch: typeof fetch;
  /**
   * The connect-time resolution `fetch` uses, for a client of node:http that keeps its own agents
   * (the provider proxy's relay). A host name is judged again at every new connection, so such a
   * client may keep the verdict of `check` on an origin for its later requests (an address literal
   * is never looked up: `check` is its only judge, and its verdict does not change).
   */
  lookup: LookupFunction;
  /** Closes the guard's pooled connections. */
  close(): Promise<void>;
}

const SCHEMES = new Set(['http:', 'https:']);
// As many hops as browsers' fetch allows (WHATWG Fetch, "HTTP-redirect fetch").
const MAX_REDIRECTS = 20;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
// Statuses whose response has no body (WHATWG Fetch, "null body status").
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

/** Pooled connections, each made through the guard's lookup. */
interface GuardedAgents {
  'http:': HttpAgent;
  'https:': HttpsAgent;
}

const systemResolve: Resolve = async (hostname) =>
  (await dnsLookup(hostname, { all: true, verbatim: true })).map(({ address, family }) => ({ address, family: family === 6 ? 6 : 4 }));

/**
 * What the server may connect to on its own initiative (webhooks, owners' alert webhooks, a
 * provider's upstream): loopback, private, CGNAT, link-local, multicast, unspecified, reserved,
 * IPv6 unique-local and IPv4-mapped addresses, and cloud metadata services, are refused unless the
 * operator lists them (`TOLLGATE_EGRESS_ALLOW`). Without this, anyone who may register a URL could
 * make the server post signed requests into its own network (server-side request forgery).
 * Names are judged by what they resolve to, at check time and again at connect time.
 */
export function createEgressGuard(deps: { allow?: EgressAllow; resolve?: Resolve } = {}): EgressGuard {
  const resolve = deps.resolve ?? systemResolve;
  const allowedHosts = new Set(deps.allow?.hosts ?? []);
  const allowedRanges = new BlockList();
  for (const { network, prefix } of deps.allow?.ranges ?? [])
    allowedRanges.addSubnet(network, prefix, isIP(network) === 6 ? 'ipv6' : 'ipv4');

  const addressAllowed = (address: string) => allowedRanges.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');

  /** The addresses a host may be reached at, or why it may not: one refused address refuses the host. */
  async function judgeHost(hostname: string): Promise<EgressDecision | ResolvedAddress[]> {
    let addresses: ResolvedAddress[];
    const literal = isIP(hostname);
    if (literal !== 0) addresses = [{ address: hostname, family: literal === 6 ? 6 : 4 }];
    else {
      try {
        addresses = await resolve(hostname);
      } catch (error) {
        return { allowed: false, reason: 'unresolvable', detail: `${hostname} does not resolve (${(error as Error).message})` };
      }
      if (addresses.length === 0) return { allowed: false, reason: 'unresolvable', detail: `${hostname} does not resolve` };
    }
    if (allowedHosts.has(hostname)) return addresses;
    for (const { address } of addresses) {
      const range = refusedRange(address);
      if (range === undefined || addressAllowed(address)) continue;
      const what = literal === 0 ? `${hostname} resolves to ${address}, a ${range} address` : `${address} is a ${range} address`;
      return { allowed: false, reason: 'refused_address', range, detail: `${what}: list it in TOLLGATE_EGRESS_ALLOW to allow it` };
    }
    return addresses;
  }

  async function check(target: string | URL): Promise<EgressDecision> {
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      return { allowed: false, reason: 'invalid_url', detail: 'not a valid URL' };
    }
    if (!SCHEMES.has(url.protocol))
      return { allowed: false, reason: 'scheme', detail: `${url.protocol} is not allowed: use http or https` };
    if (url.username !== '' || url.password !== '')
      return { allowed: false, reason: 'credentials', detail: 'credentials in the URL are not allowed' };
    const hostname = hostOf(url);
    const judged = await judgeHost(hostname);
    if (!Array.isArray(judged)) return judged;
    const via = allowedHosts.has(hostname) || judged.some(({ address }) => refusedRange(address) !== undefined) ? 'allowlist' : 'public';
    return { allowed: true, url, addresses: judged, via };
  }

  // Connect-time resolution: the socket goes to addresses judged now, not to what the name said earlier.
  const guardedLookup: LookupFunction = (hostname, options, callback) => {
    judgeHost(hostname).then(
      (judged) => {
        if (!Array.isArray(judged)) {
          callback(new EgressRefusedError(judged as Extract<EgressDecision, { allowed: false }>), '', 0);
          return;
        }
        const wanted = options.family === 4 || options.family === 6 ? judged.filter((a) => a.family === options.family) : judged;
        if (options.all) (callback as unknown as (error: null, addresses: ResolvedAddress[]) => void)(null, wanted);
        else if (wanted[0] === undefined) callback(new Error(`${hostname} has no IPv${options.family} address`), '', 0);
        else callback(null, wanted[0].address, wanted[0].family);
      },
      (error: Error) => callback(error, '', 0),
    );
  };
  // Connections of their own, every one made through the guarded lookup (never a socket another client opened).
  const agents: GuardedAgents = {
    'http:': new HttpAgent({ keepAlive: true, lookup: guardedLookup }),
    'https:': new HttpsAgent({ keepAlive: true, lookup: guardedLookup }),
  };

  async function guardedFetch(input: string | URL | Request, init: RequestInit = {}): Promise<Response> {
    const mode = init.redirect ?? 'follow';
    let url = input instanceof Request ? input.url : String(input);
    let method = (init.method ?? 'GET').toUpperCase();
    let body = await bodyBytes(init.body);
    const headers = new Headers(init.headers);
    const signal = init.signal ?? undefined;
    for (let hop = 0; ; hop++) {
      const decision = await check(url);
      if (!decision.allowed) throw new EgressRefusedError(decision);
      const response = await send(agents, decision.url, method, headers, body, signal);
      const location = response.headers.get('location');
      if (mode === 'manual' || !REDIRECT_STATUSES.has(response.status) || location === null) return response;
      await response.arrayBuffer().catch(() => undefined);
      if (mode === 'error') throw new TypeError(`redirected to ${location}, and redirects are not allowed here`);
      if (hop >= MAX_REDIRECTS) throw new TypeError(`more than ${MAX_REDIRECTS} redirects`);
      url = new URL(location, url).href;
      // As fetch does: 303, and 301/302 after a POST, continue as a GET without the body.
      if (response.status === 303 || ((response.status === 301 || response.status === 302) && method === 'POST')) {
        method = method === 'HEAD' ? 'HEAD' : 'GET';
        body = undefined;
        headers.delete('content-type');
        headers.delete('content-length');
      }
    }
  }

  return {
    check,
    fetch: guardedFetch as typeof fetch,
    lookup: guardedLookup,
    async close() {
      agents['http:'].destroy();
      agents['https:'].destroy();
    },
  };
}

/** The URL's host as the resolver and the allowlist see it: lower case, IPv6 without brackets. */
function hostOf(url: URL): string {
  const host = url.hostname.toLowerCase();
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/** A request body as bytes: what the server's own requests send (JSON, forms, buffers, streams). */
async function bodyBytes(body: RequestInit['body']): Promise<Buffer | undefined> {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return Buffer.from(body);
  if (body instanceof URLSearchParams) return Buffer.from(body.toString());
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  if (ArrayBuffer.isView(body)) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  return Buffer.from(await new Response(body).arrayBuffer());
}

/**
 * One HTTP exchange through node's client with the guarded lookup (the global fetch cannot take
 * a lookup of its own), answered as a fetch Response.
 */
function send(
  agents: GuardedAgents,
  url: URL,
  method: string,
  headers: Headers,
  body: Buffer | undefined,
  signal: AbortSignal | undefined,
): Promise<Response> {
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const agent = url.protocol === 'https:' ? agents['https:'] : agents['http:'];
    const req = request(url, { method, headers: Object.fromEntries(headers), agent, ...(signal && { signal }) }, (res: IncomingMessage) => {
      const status = res.statusCode ?? 0;
      const responseHeaders = new Headers();
      for (const [name, value] of Object.entries(res.headers)) {
        for (const one of Array.isArray(value) ? value : value === undefined ? [] : [value]) responseHeaders.append(name, one);
      }
      if (NULL_BODY_STATUSES.has(status)) res.resume();
      const stream = NULL_BODY_STATUSES.has(status) ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>);
      resolve(new Response(stream, { status, statusText: res.statusMessage ?? '', headers: responseHeaders }));
    });
    req.on('error', (error: Error & { cause?: unknown }) => {
      // As fetch does: an aborted request rejects with the signal's reason (a TimeoutError for AbortSignal.timeout).
      if (signal?.aborted) reject(signal.reason);
      else reject(error.cause instanceof EgressRefusedError ? error.cause : error);
    });
    req.end(body);
  });
}
