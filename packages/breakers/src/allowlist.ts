import { createIpRangeSet } from './ip-range.ts';

/** The allowlist as a policy file states it; phones are E.164 there and nowhere after `compileAllowlist`. */
export interface AllowlistSpec {
  /** Test numbers (QA, app-store reviewers) that send far more codes than any person. */
  phones: readonly string[];
  /** Internal apps (load tests, staff tools) whose traffic must never meet a breaker. */
  apps: readonly string[];
  /** CIDR ranges, IPv4 or IPv6: offices, CI runners, synthetic monitoring. */
  ipRanges: readonly string[];
}

export interface AllowlistRequest {
  app: string;
  phoneHash: string;
  ip: string;
}

export type AllowlistMatch = { listed: false } | { listed: true; by: 'phone' | 'app' | 'ip'; detail: string };

export interface Allowlist {
  match(request: AllowlistRequest): AllowlistMatch;
}

/** Raw numbers are never kept (product brief): the decision path only ever sees keyed hashes. */
export type PhoneHashFn = (e164: string) => string;

const NOT_LISTED: AllowlistMatch = { listed: false };
const BY_PHONE: AllowlistMatch = { listed: true, by: 'phone', detail: 'allowlisted test phone number' };
const BY_IP: AllowlistMatch = { listed: true, by: 'ip', detail: 'IP in an allowlisted range' };

/**
 * Turns the allowlist into lookups for the decision path: test numbers become hashes with the
 * caller's keyed hash (the same one the events package applies to sends), apps a set, ranges a
 * CIDR matcher. Allowlisted traffic passes breakers and velocity limits alike.
 */
export function compileAllowlist(spec: AllowlistSpec, hashPhone: PhoneHashFn): Allowlist {
  const phoneHashes = new Set(spec.phones.map(hashPhone));
  const apps = new Map(
    spec.apps.map((app): [string, AllowlistMatch] => [app, { listed: true, by: 'app', detail: `app "${app}" is allowlisted` }]),
  );
  const ranges = createIpRangeSet(spec.ipRanges);
  return {
    match(request) {
      const app = apps.get(request.app);
      if (app !== undefined) return app;
      if (phoneHashes.has(request.phoneHash)) return BY_PHONE;
      if (ranges.size > 0 && ranges.contains(request.ip)) return BY_IP;
      return NOT_LISTED;
    },
  };
}
