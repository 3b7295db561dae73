import { createCappedMap, formatDuration, type CappedMap } from '@tollgate/vocabulary';
import { SessionTable, type SessionSends } from './session-table.ts';
import { SlidingWindow } from './sliding-window.ts';
import {
  DEFAULT_VELOCITY_CONFIG,
  DEFAULT_VELOCITY_LIMITS,
  limitsForApp,
  type LimitOutcome,
  type ResendLimit,
  type VelocityConfig,
  type VelocityLimits,
  type WindowLimit,
} from './velocity-limits.ts';
import { WindowTable, type WindowCounter } from './window-table.ts';

/** What the limiter needs to know about a send. `ipSubnet` is the events package's form: "203.0.113.0/24" or "2001:db8::/64". */
export interface VelocityRequest {
  app: string;
  phoneHash: string;
  ip: string;
  ipSubnet: string;
  sessionId?: string;
  /** Keyed hash of the service's account id, when the request named one. */
  accountHash?: string;
}

/** The rule that refused a send, as reported to services and counted on the dashboard. */
export type VelocityRule =
  'phone' | 'ip' | 'ipv4_subnet' | 'ipv6_subnet' | 'session_cooldown' | 'session_resends' | 'app_ceiling' | 'account_hour' | 'account_day';

export type VelocityDenial = { decision: LimitOutcome; rule: VelocityRule; retryAfterS: number; detail: string };
export type VelocityDecision = { decision: 'allow' } | VelocityDenial;

export interface VelocityLimiterStats {
  /** Apps with counters. */
  apps: number;
  /** Keys held and keys dropped by the cap, per counter table, summed over apps. */
  tables: Record<TableName | 'session', { keys: number; evicted: number }>;
}

/**
 * Sends already counted for the keys of one request, each beside the limit that scales it (the
 * app's limit, or the built-in default when the app turned the rule off): what the risk score
 * reads as velocity. Filled in place so the hot path allocates nothing for it.
 */
export interface VelocityCounts {
  phone: number;
  phoneMax: number;
  ip: number;
  ipMax: number;
  /** The /24 or /64 of the IP; 0 when the subnet is unknown. */
  subnet: number;
  subnetMax: number;
  /** Sends of the session so far (first send included). */
  session: number;
  sessionMax: number;
  /** Sends of the account in the last hour; 0 without an account. */
  account: number;
  accountMax: number;
}

/** Sends of other nodes per counter of one request, as shared counters report them. */
export type RemoteSends = Partial<Record<'phone' | 'ip' | 'subnet' | 'accountHour' | 'accountDay', number>>;

export function emptyVelocityCounts(): VelocityCounts {
  return { phone: 0, phoneMax: 1, ip: 0, ipMax: 1, subnet: 0, subnetMax: 1, session: 0, sessionMax: 1, account: 0, accountMax: 1 };
}

export interface VelocityLimiter {
  /** The decision for one more send now; counts nothing, so a send refused elsewhere costs no quota. */
  check(request: VelocityRequest): VelocityDecision;
  /** Counts a send that went out. */
  record(request: VelocityRequest): void;
  /** `check`, then `record` if allowed: for callers with no other reason to refuse. */
  consume(request: VelocityRequest): VelocityDecision;
  /** Writes the request's counts into `out` (counts nothing). */
  observe(request: VelocityRequest, out: VelocityCounts): void;
  /**
   * Counts sends that other decision nodes made for this request's keys (shared counters, learnt
   * from Redis), as if they happened now, so `check` refuses what the deployment as a whole saw.
   */
  absorb(request: VelocityRequest, remote: RemoteSends): void;
  stats(): VelocityLimiterStats;
}

export interface VelocityLimiterDeps {
  clock: () => number;
  config?: VelocityConfig;
  /** Cap on keys per counter table of each app; see `DEFAULT_MAX_KEYS_PER_TABLE`. */
  maxKeysPerTable?: number;
}

/**
 * Keys one table of one app may hold. It must exceed the distinct phones (or IPs, sessions) one
 * window sees, or counters are forgotten early (watch `evicted`). A counter costs 90 to 180 bytes
 * of table (at most half the slots are in use; the key is kept as a second hash, not a string), so
 * an app's seven tables stay under 130 MB even when an attacker sprays new keys into all.
 */
export const DEFAULT_MAX_KEYS_PER_TABLE = 100_000;

/**
 * Apps with counters at once. Apps are the service's own tenants, a handful; the cap only bounds
 * memory if something upstream lets arbitrary app names through.
 */
export const MAX_TRACKED_APPS = 64;

const MS_PER_S = 1_000;

type TableName = 'phone' | 'ip' | 'ipv4Subnet' | 'ipv6Subnet' | 'accountHour' | 'accountDay';
const TABLE_NAMES: readonly (TableName | 'session')[] = ['phone', 'ip', 'ipv4Subnet', 'ipv6Subnet', 'session', 'accountHour', 'accountDay'];

/**
 * One app's counters. Per app, so that each app's limits apply to its own traffic only, and so
 * that the request's own strings are the keys: concatenating "app + value" would cost a new
 * string and its hash on every probe, several times the probe itself.
 */
interface AppCounters {
  phone: WindowTable;
  ip: WindowTable;
  ipv4Subnet: WindowTable;
  ipv6Subnet: WindowTable;
  session: SessionTable;
  accountHour: WindowTable;
  accountDay: WindowTable;
  app: SlidingWindow | undefined;
}

/** What `check` found for one request (see `found` in createVelocityLimiter): slots, -1 for a key absent. */
interface Found {
  request: VelocityRequest | undefined;
  app: AppCounters | undefined;
  phone: number;
  ip: number;
  subnet: number;
  session: number;
}

const OUTCOME_RANK: Readonly<Record<LimitOutcome, number>> = { challenge: 1, block: 2 };

/**
 * Send velocity limits in memory: sliding-window counters per phone hash, IP, IPv4 /24, IPv6 /64
 * and app, and the resend ladder per session. Owns its counters; nothing here touches the store,
 * so a decision costs a handful of Map probes.
 */
export function createVelocityLimiter(deps: VelocityLimiterDeps): VelocityLimiter {
  const { clock } = deps;
  const config = deps.config ?? DEFAULT_VELOCITY_CONFIG;
  const maxKeys = deps.maxKeysPerTable ?? DEFAULT_MAX_KEYS_PER_TABLE;
  const appRules = new Map(Object.keys(config.apps).map((app) => [app, rulesFor(limitsForApp(config, app))]));
  const defaultRules = rulesFor(config.defaults);
  const counters = createCappedMap<AppCounters>(MAX_TRACKED_APPS);

  function rulesOf(app: string): AppRules {
    return appRules.get(app) ?? defaultRules;
  }

  function countersOf(app: string): AppCounters {
    return counters.upsert(app, () => newAppCounters(maxKeys, rulesOf(app)));
  }

  /**
   * The counters `check` found for the request it answered last, so that `observe` and `record`
   * of the same decision do not probe the tables again: each probe of a table of 100,000 keys is
   * mostly a cache miss, and a decision asked about the same keys three times. Every other call
   * that probes or adds to a table first forgets it, so the slots it holds are still their keys'
   * (a turnover, which moves keys, needs a probe or an addition).
   */
  const found: Found = { request: undefined, app: undefined, phone: -1, ip: -1, subnet: -1, session: -1 };

  function forget(): void {
    found.request = undefined;
    found.app = undefined;
  }

  function check(request: VelocityRequest): VelocityDecision {
    forget();
    const nowMs = clock();
    const rules = rulesOf(request.app);
    const { limits } = rules;
    const app = counters.get(request.app);
    const subnet = subnetRule(request.ipSubnet, rules);
    if (app === undefined) {
      const none = { app, phone: undefined, ip: undefined, subnet, subnetWindow: undefined, session: undefined };
      return strictestDenial(request, limits, none, nowMs) ?? ALLOW;
    }
    const phone = app.phone.find(request.phoneHash);
    const ip = app.ip.find(request.ip);
    const subnetSlot = subnet === undefined ? -1 : app[subnet.table].find(request.ipSubnet);
    const session = request.sessionId === undefined ? -1 : app.session.find(request.sessionId);
    const counted: CheckedCounters = {
      app,
      phone: counterAt(app.phone, phone),
      ip: counterAt(app.ip, ip),
      subnet,
      subnetWindow: subnet === undefined ? undefined : counterAt(app[subnet.table], subnetSlot),
      session: session < 0 ? undefined : app.session.read(session),
    };
    const worst = strictestDenial(request, limits, counted, nowMs);
    found.request = request;
    found.app = app;
    found.phone = phone;
    found.ip = ip;
    found.subnet = subnetSlot;
    found.session = session;
    return worst ?? ALLOW;
  }

  function record(request: VelocityRequest): void {
    const known = found.request === request;
    forget();
    const nowMs = clock();
    const rules = rulesOf(request.app);
    const { limits } = rules;
    const app = countersOf(request.app);
    // With what check found, a counter it did not find is known to be absent: added without probing again.
    if (limits.phone !== null) windowIn(app.phone, request.phoneHash, known ? found.phone : undefined).add(nowMs);
    // '' is an unknown address (a proxied send without the end user's): never one counter for all of them.
    if (limits.ip !== null && request.ip !== '') windowIn(app.ip, request.ip, known ? found.ip : undefined).add(nowMs);
    const subnet = subnetRule(request.ipSubnet, rules);
    if (subnet !== undefined) windowIn(app[subnet.table], request.ipSubnet, known ? found.subnet : undefined).add(nowMs);
    if (request.sessionId !== undefined && limits.session !== null) {
      const sessions = app.session;
      const slot = !known ? sessions.slotFor(request.sessionId) : found.session >= 0 ? found.session : sessions.addKey(request.sessionId);
      const sends = sessions.read(slot);
      recordSession(sends, limits.session, nowMs);
      sessions.write(slot, sends);
    }
    if (limits.app !== null) (app.app ??= new SlidingWindow(limits.app.windowMs)).add(nowMs);
    const account = request.accountHash;
    if (account !== undefined) {
      if (limits.accountHour !== null) windowIn(app.accountHour, account).add(nowMs);
      if (limits.accountDay !== null) windowIn(app.accountDay, account).add(nowMs);
    }
  }

  function observe(request: VelocityRequest, out: VelocityCounts): void {
    const known = found.request === request;
    if (!known) forget();
    const nowMs = clock();
    const rules = rulesOf(request.app);
    const { limits } = rules;
    const app = known ? found.app : counters.get(request.app);
    const subnet = subnetRule(request.ipSubnet, rules);
    out.phone = app === undefined ? 0 : countIn(app.phone, known ? found.phone : app.phone.find(request.phoneHash), nowMs);
    out.phoneMax = scaleOf(limits.phone, DEFAULT_VELOCITY_LIMITS.phone);
    out.ip = app === undefined ? 0 : countIn(app.ip, known ? found.ip : app.ip.find(request.ip), nowMs);
    out.ipMax = scaleOf(limits.ip, DEFAULT_VELOCITY_LIMITS.ip);
    const subnets = subnet === undefined || app === undefined ? undefined : app[subnet.table];
    out.subnet = subnets === undefined ? 0 : countIn(subnets, known ? found.subnet : subnets.find(request.ipSubnet), nowMs);
    out.subnetMax = scaleOf(subnet?.limit ?? null, DEFAULT_VELOCITY_LIMITS.ipv4Subnet);
    const session = request.sessionId === undefined || app === undefined ? -1 : known ? found.session : app.session.find(request.sessionId);
    const sends = session < 0 ? undefined : app!.session.read(session);
    const ttlMs = (limits.session ?? DEFAULT_VELOCITY_LIMITS.session)!.sessionTtlMs;
    out.session = sends === undefined || nowMs - sends.firstSendMs >= ttlMs ? 0 : sends.sends;
    out.sessionMax = 1 + (limits.session ?? DEFAULT_VELOCITY_LIMITS.session)!.maxResends;
    out.account =
      request.accountHash === undefined || app === undefined
        ? 0
        : countIn(app.accountHour, app.accountHour.find(request.accountHash), nowMs);
    out.accountMax = scaleOf(limits.accountHour, DEFAULT_VELOCITY_LIMITS.accountHour);
  }

  function absorb(request: VelocityRequest, remote: RemoteSends): void {
    forget();
    countRemoteSends(countersOf(request.app), rulesOf(request.app), request, remote, clock());
  }

  return {
    check,
    record,
    observe,
    absorb,
    consume(request) {
      const decision = check(request);
      if (decision.decision === 'allow') record(request);
      return decision;
    },
    stats: () => limiterStats(counters),
  };
}

/** Each table's counters have the window of the app's limit for its rule (any, when the rule is off: it counts nothing then). */
function newAppCounters(maxKeys: number, rules: AppRules): AppCounters {
  const { limits } = rules;
  const table = (limit: WindowLimit | null) => new WindowTable(maxKeys, limit?.windowMs ?? 1);
  return {
    phone: table(limits.phone),
    ip: table(limits.ip),
    ipv4Subnet: table(limits.ipv4Subnet),
    ipv6Subnet: table(limits.ipv6Subnet),
    session: new SessionTable(maxKeys),
    accountHour: table(limits.accountHour),
    accountDay: table(limits.accountDay),
    app: undefined,
  };
}

/** The counter in `slot` of `table`, or undefined for a key absent (-1). */
function counterAt(table: WindowTable, slot: number): WindowCounter | undefined {
  return slot < 0 ? undefined : table.at(slot);
}

function countIn(table: WindowTable, slot: number, nowMs: number): number {
  return slot < 0 ? 0 : table.at(slot).count(nowMs);
}

function limiterStats(counters: CappedMap<AppCounters>): VelocityLimiterStats {
  const tables = {} as VelocityLimiterStats['tables'];
  for (const name of TABLE_NAMES) {
    tables[name] = { keys: 0, evicted: 0 };
    for (const app of counters.values()) {
      tables[name].keys += app[name].size;
      tables[name].evicted += app[name].evicted;
    }
  }
  return { apps: counters.size, tables };
}

/** The counters `check` found for one request (the account's are probed only when it names one). */
interface CheckedCounters {
  app: AppCounters | undefined;
  phone: WindowCounter | undefined;
  ip: WindowCounter | undefined;
  subnet: SubnetRule | undefined;
  subnetWindow: WindowCounter | undefined;
  session: SessionSends | undefined;
}

/** The strictest refusal among the request's limits, or undefined when every limit has room. */
function strictestDenial(
  request: VelocityRequest,
  limits: VelocityLimits,
  found: CheckedCounters,
  nowMs: number,
): VelocityDenial | undefined {
  const { app, subnet } = found;
  let worst: VelocityDenial | undefined;
  worst = stricter(worst, checkWindow('phone', 'this phone', '', limits.phone, found.phone, nowMs));
  worst = stricter(worst, checkWindow('ip', 'this IP', '', limits.ip, found.ip, nowMs));
  if (subnet !== undefined)
    worst = stricter(worst, checkWindow(subnet.rule, 'subnet ', request.ipSubnet, subnet.limit, found.subnetWindow, nowMs));
  if (request.sessionId !== undefined && limits.session !== null)
    worst = stricter(worst, checkSession(limits.session, found.session, nowMs));
  worst = stricter(worst, checkWindow('app_ceiling', 'app ', request.app, limits.app, app?.app, nowMs));
  const account = request.accountHash;
  if (account !== undefined) {
    const hour = app === undefined ? undefined : counterAt(app.accountHour, app.accountHour.find(account));
    worst = stricter(worst, checkWindow('account_hour', 'this account', '', limits.accountHour, hour, nowMs));
    const day = app === undefined ? undefined : counterAt(app.accountDay, app.accountDay.find(account));
    worst = stricter(worst, checkWindow('account_day', 'this account', '', limits.accountDay, day, nowMs));
  }
  return worst;
}

const ALLOW: VelocityDecision = { decision: 'allow' };

type SubnetTable = Extract<TableName, 'ipv4Subnet' | 'ipv6Subnet'>;

interface SubnetRule {
  rule: VelocityRule;
  table: SubnetTable;
  limit: WindowLimit;
}

/** One app's limits with the subnet rules they imply, worked out once rather than on every send. */
interface AppRules {
  limits: VelocityLimits;
  ipv4: SubnetRule | undefined;
  ipv6: SubnetRule | undefined;
}

function rulesFor(limits: VelocityLimits): AppRules {
  return {
    limits,
    ipv4: limits.ipv4Subnet === null ? undefined : { rule: 'ipv4_subnet', table: 'ipv4Subnet', limit: limits.ipv4Subnet },
    ipv6: limits.ipv6Subnet === null ? undefined : { rule: 'ipv6_subnet', table: 'ipv6Subnet', limit: limits.ipv6Subnet },
  };
}

function subnetRule(ipSubnet: string, rules: AppRules): SubnetRule | undefined {
  // '' is the events package's "unknown subnet": it must not pool every unparsable address into one counter.
  if (ipSubnet === '') return undefined;
  return ipSubnet.includes(':') ? rules.ipv6 : rules.ipv4;
}

/** `what` and `whose` name the counted thing ("subnet " + "203.0.113.0/24"), joined only for a refusal's detail. */
function checkWindow(
  rule: VelocityRule,
  what: string,
  whose: string,
  limit: WindowLimit | null,
  window: WindowCounter | undefined,
  nowMs: number,
): VelocityDenial | undefined {
  if (limit === null) return undefined;
  const waitMs = window === undefined ? (limit.max > 0 ? 0 : limit.windowMs) : window.msUntilRoomFor(nowMs, limit.max);
  if (waitMs <= 0) return undefined;
  const sent = window === undefined ? 0 : window.count(nowMs);
  return {
    decision: limit.onExceed,
    rule,
    retryAfterS: secondsFrom(waitMs),
    detail: `${sent} sends from ${what}${whose} in the last ${formatDuration(limit.windowMs)} (limit ${limit.max})`,
  };
}

/** The count at which a velocity counts as full strength: the rule's max, or the default's when the rule is off (at least 1). */
function scaleOf(limit: WindowLimit | null, fallback: WindowLimit | null): number {
  return Math.max(1, (limit ?? fallback)?.max ?? 1);
}

/**
 * The counter of `key`, created when missing; `foundSlot`: where `check` found it, -1 when it knows
 * the key is absent (see `found`), undefined when nothing is known.
 */
function windowIn(table: WindowTable, key: string, foundSlot?: number): WindowCounter {
  if (foundSlot === undefined) return table.at(table.slotFor(key));
  return table.at(foundSlot >= 0 ? foundSlot : table.addKey(key));
}

/** Other nodes' sends for the request's keys, counted as if made now. */
function countRemoteSends(app: AppCounters, rules: AppRules, request: VelocityRequest, remote: RemoteSends, nowMs: number): void {
  const { limits } = rules;
  countManyIn(app.phone, request.phoneHash, limits.phone, remote.phone, nowMs);
  countManyIn(app.ip, request.ip, limits.ip, remote.ip, nowMs);
  const subnet = subnetRule(request.ipSubnet, rules);
  if (subnet !== undefined) countManyIn(app[subnet.table], request.ipSubnet, subnet.limit, remote.subnet, nowMs);
  const account = request.accountHash;
  if (account !== undefined) {
    countManyIn(app.accountHour, account, limits.accountHour, remote.accountHour, nowMs);
    countManyIn(app.accountDay, account, limits.accountDay, remote.accountDay, nowMs);
  }
}

/** `n` sends at once, no more than it takes to reach the limit: past it, more changes no answer. */
function countManyIn(table: WindowTable, key: string, limit: WindowLimit | null, n: number | undefined, nowMs: number): void {
  if (limit === null || n === undefined || n <= 0) return;
  const window = windowIn(table, key);
  for (let i = Math.min(n, limit.max + 1); i > 0; i--) window.add(nowMs);
}

function checkSession(limit: ResendLimit, sends: SessionSends | undefined, nowMs: number): VelocityDenial | undefined {
  if (sends === undefined || nowMs - sends.firstSendMs >= limit.sessionTtlMs) return undefined;
  const resends = sends.sends - 1;
  if (resends >= limit.maxResends) {
    return {
      decision: limit.onExceed,
      rule: 'session_resends',
      retryAfterS: secondsFrom(sends.firstSendMs + limit.sessionTtlMs - nowMs),
      detail: `session already resent ${resends} times (limit ${limit.maxResends}): start a new verification`,
    };
  }
  const cooldownMs = limit.cooldownsMs[Math.min(resends, limit.cooldownsMs.length - 1)] ?? 0;
  const waitMs = sends.lastSendMs + cooldownMs - nowMs;
  if (waitMs <= 0) return undefined;
  return {
    decision: limit.onExceed,
    rule: 'session_cooldown',
    retryAfterS: secondsFrom(waitMs),
    detail: `resend ${resends + 1} of this session ${formatDuration(nowMs - sends.lastSendMs)} after the last send; it must wait ${formatDuration(cooldownMs)}`,
  };
}

function recordSession(sends: SessionSends, limit: ResendLimit, nowMs: number): void {
  // A new session (no sends yet) starts now; so does one past its time to live.
  if (sends.sends === 0 || nowMs - sends.firstSendMs >= limit.sessionTtlMs) {
    sends.firstSendMs = nowMs;
    sends.sends = 0;
  }
  sends.sends++;
  sends.lastSendMs = nowMs;
}

/** Block beats challenge; between equals, the longer wait, since the caller must sit out both. */
function stricter(current: VelocityDenial | undefined, candidate: VelocityDenial | undefined): VelocityDenial | undefined {
  if (candidate === undefined) return current;
  if (current === undefined) return candidate;
  const rankDelta = OUTCOME_RANK[candidate.decision] - OUTCOME_RANK[current.decision];
  if (rankDelta !== 0) return rankDelta > 0 ? candidate : current;
  return candidate.retryAfterS > current.retryAfterS ? candidate : current;
}

/** Whole seconds, rounded up and at least 1, so a client that waits exactly that long is let through. */
function secondsFrom(ms: number): number {
  return Math.max(1, Math.ceil(ms / MS_PER_S));
}
