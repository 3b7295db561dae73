import { breakerAuditBefore, breakersChangedSince, sendHistory, type HistorySendRow, type Store } from '@tollgate/store';
import { createBreakerTimeline } from './breaker-timeline.ts';
import type { Breaker } from './breaker.ts';
import type { BreakerPolicy } from './breaker-policy.ts';
import type { DecideResult, Decision } from './decide.ts';
import { createPolicyDecider } from './policy-decider.ts';
import { EMPTY_SCOPE_STATS, type ScopeStats } from './scope-stats.ts';
import { readScopeStats } from './scope-stats-reader.ts';
import { createBreakerIndex } from './scope-match.ts';
import { seededRandom } from './seeded-random.ts';

/** What a policy would have done to the sessions of one app and flow. */
export interface PolicyBacktestGroup {
  app: string;
  flow: string;
  /** Sessions, by the decision their first send would have got. */
  sessions: number;
  allowed: number;
  challenged: number;
  blocked: number;
  /** Of those, the sessions that verified: legitimate users, so challenged and blocked ones are friction on real people. */
  verified: { allowed: number; challenged: number; blocked: number };
  sends: number;
  spendUsd: number;
  /** Estimated cost of the sends that would have been blocked. */
  spendStoppedUsd: number;
  /** Estimated cost of the sends that would have been challenged: stopped only if the client fails the challenge. */
  spendChallengedUsd: number;
}

export interface PolicyBacktestReport {
  fromMs: number;
  toMs: number;
  groups: PolicyBacktestGroup[];
  /** All apps and flows together (app and flow "*"). */
  total: PolicyBacktestGroup;
}

export interface PolicyBacktestDeps {
  store: Store;
  policy: BreakerPolicy;
  fromMs: number;
  toMs: number;
  /** Keyed hash of an E.164 number (the allowlisted phones). */
  hashPhone: (e164: string) => string;
  /** How often the per-scope statistics are re-read, in event time; the live server re-reads every minute. */
  statsEveryMs?: number;
  onProgress?: (doneMs: number, totalMs: number) => void;
  /** Every replayed send with its decision, `first` when it opened its session. */
  onDecision?: (send: HistorySendRow, result: DecideResult, first: boolean) => void;
}

/** A quarter of an hour: a pumping burst shows in the statistics within one step, and a day costs ~100 reads. */
export const DEFAULT_STATS_EVERY_MS = 15 * 60_000;
/** A session that verifies does so within minutes; an hour past the range catches the late ones. */
const VERIFY_LATE_MS = 60 * 60_000;
/** Half-open probes are drawn from a fixed seed, so the same history and policy give the same report. */
const PROBE_SEED = 1;

/**
 * Replays stored sends through the decision path a policy describes (the server's own, built by
 * createPolicyDecider): velocity and account limits, the risk score with per-scope statistics as
 * they stood every `statsEveryMs`, and the breakers as their audit trail says they stood. Reads
 * the history a statistics step at a time, so memory holds one step of sends.
 */
export async function runPolicyBacktest(deps: PolicyBacktestDeps): Promise<PolicyBacktestReport> {
  const { store, fromMs, toMs } = deps;
  const stepMs = deps.statsEveryMs ?? DEFAULT_STATS_EVERY_MS;
  const breakers = (await breakersChangedSince(store, 0)).map((row) => JSON.parse(row.doc) as Breaker);
  const timeline = createBreakerTimeline(breakers, await breakerAuditBefore(store, toMs));
  let nowMs = fromMs;
  let stats: ScopeStats = EMPTY_SCOPE_STATS;
  const { decider } = createPolicyDecider({
    policy: deps.policy,
    index: createBreakerIndex([]),
    clock: () => nowMs,
    hashPhone: deps.hashPhone,
    // History keeps block hashes only: requests carry the hash as their block, and it is its own key.
    hashBlock: (blockHash) => blockHash,
    stats: () => stats,
    random: seededRandom(PROBE_SEED),
  });
  const groups = new Map<string, PolicyBacktestGroup>();
  const sessions = new Set<string>();

  for (let stepFromMs = fromMs; stepFromMs < toMs; stepFromMs += stepMs) {
    const stepToMs = Math.min(toMs, stepFromMs + stepMs);
    stats = await readScopeStats(store, stepFromMs);
    const sends = await sendHistory(store, { fromMs: stepFromMs, toMs: stepToMs, verifyUntilMs: stepToMs + VERIFY_LATE_MS });
    for (const send of sends) {
      nowMs = send.ts;
      const index = timeline.indexAt(nowMs);
      if (index !== undefined) decider.replaceIndex(index);
      const result = decider.decide({
        app: send.app,
        flow: send.flow,
        phoneHash: send.phone_hash,
        country: send.country,
        prefix: send.prefix,
        asn: send.asn,
        hosting: send.asn_hosting === 1,
        phoneBlock: send.block_hash === '' ? undefined : send.block_hash,
        provider: send.provider,
        ip: send.ip,
        ipSubnet: send.ip_subnet,
        sessionId: send.session_id === '' ? undefined : send.session_id,
        deviceId: send.device_id === '' ? undefined : send.device_id,
        userAgent: send.user_agent === '' ? undefined : send.user_agent,
      });
      const sessionKey = `${send.app}\u0000${send.session_id}`;
      const first = !sessions.has(sessionKey);
      if (first) sessions.add(sessionKey);
      count(groupOf(groups, send.app, send.flow), send, result.decision, first);
      deps.onDecision?.(send, result, first);
    }
    deps.onProgress?.(stepToMs - fromMs, toMs - fromMs);
  }

  const list = [...groups.values()].sort((a, b) => a.app.localeCompare(b.app) || a.flow.localeCompare(b.flow));
  const total = emptyGroup('*', '*');
  for (const group of list) add(total, group);
  return { fromMs, toMs, groups: list, total };
}

function emptyGroup(app: string, flow: string): PolicyBacktestGroup {
  return {
    app,
    flow,
    sessions: 0,
    allowed: 0,
    challenged: 0,
    blocked: 0,
    verified: { allowed: 0, challenged: 0, blocked: 0 },
    sends: 0,
    spendUsd: 0,
    spendStoppedUsd: 0,
    spendChallengedUsd: 0,
  };
}

function groupOf(groups: Map<string, PolicyBacktestGroup>, app: string, flow: string): PolicyBacktestGroup {
  const key = `${app}\u0000${flow}`;
  let group = groups.get(key);
  if (group === undefined) {
    group = emptyGroup(app, flow);
    groups.set(key, group);
  }
  return group;
}

const TALLY: Readonly<Record<Decision, 'allowed' | 'challenged' | 'blocked'>> = {
  allow: 'allowed',
  challenge: 'challenged',
  block: 'blocked',
};

function count(group: PolicyBacktestGroup, send: HistorySendRow, decision: Decision, first: boolean): void {
  group.sends++;
  group.spendUsd += send.cost_usd;
  if (decision === 'block') group.spendStoppedUsd += send.cost_usd;
  else if (decision === 'challenge') group.spendChallengedUsd += send.cost_usd;
  if (!first) return;
  group.sessions++;
  group[TALLY[decision]]++;
  if (send.verified === 1) group.verified[TALLY[decision]]++;
}

function add(into: PolicyBacktestGroup, group: PolicyBacktestGroup): void {
  into.sessions += group.sessions;
  into.allowed += group.allowed;
  into.challenged += group.challenged;
  into.blocked += group.blocked;
  into.verified.allowed += group.verified.allowed;
  into.verified.challenged += group.verified.challenged;
  into.verified.blocked += group.verified.blocked;
  into.sends += group.sends;
  into.spendUsd += group.spendUsd;
  into.spendStoppedUsd += group.spendStoppedUsd;
  into.spendChallengedUsd += group.spendChallengedUsd;
}
