import { lookup as dnsLookup } from 'node:dns/promises';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { Agent, fetch as undiciFetch } from 'undici';
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
  /** Frees pooled connections. */
  close(): Promise<void>;
}

const SCHEMES = new Set(['http:', 'https:']);
// As many hops as browsers' fetch allows (WHATWG Fetch, "HTTP-redirect fetch").
const MAX_REDIRECTS = 20;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

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
  for (const { network, prefix } of deps.allow?.ranges ?? []) allowedRanges.addSubnet(network, prefix, isIP(network) === 6 ? 'ipv6' : 'ipv4');

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
    if (!SCHEMES.has(url.protocol)) return { allowed: false, reason: 'scheme', detail: `${url.protocol} is not allowed: use http or https` };
    if (url.username !== '' || url.password !== '') return { allowed: false, reason: 'credentials', detail: 'credentials in the URL are not allowed' };
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
  const agent = new Agent({ connect: { lookup: guardedLookup } });

  async function guardedFetch(input: string | URL | Request, init: RequestInit = {}): Promise<Response> {
    const mode = init.redirect ?? 'follow';
    let url = input instanceof Request ? input.url : String(input);
    let method = (init.method ?? 'GET').toUpperCase();
    let body = init.body;
    for (let hop = 0; ; hop++) {
      const decision = await check(url);
      if (!decision.allowed) throw new EgressRefusedError(decision);
      let response: Response;
      try {
        response = (await undiciFetch(url, { ...(init as object), method, body, redirect: 'manual', dispatcher: agent } as Parameters<typeof undiciFetch>[1])) as unknown as Response;
      } catch (error) {
        // A refusal at connect time arrives wrapped in fetch's TypeError.
        const cause = (error as { cause?: unknown }).cause;
        throw cause instanceof EgressRefusedError ? cause : error;
      }
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
      }
    }
  }

  return {
    check,
    fetch: guardedFetch as typeof fetch,
    close: () => agent.close(),
  };
}

/** The URL's host as the resolver and the allowlist see it: lower case, IPv6 without brackets. */
function hostOf(url: URL): string {
  const host = url.hostname.toLowerCase();
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}
