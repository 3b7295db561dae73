/**
 * What a scope's matured minutes alone leave unverified from hosting networks. A bot farm's first
 * two sessions into a small country are certain once both are past their grace and still not
 * verified, but tested against the whole window's expectation they are not: the young minutes
 * count every session whole, since their people may still be typing: over three minutes, two of
 * them young, that is twenty times what the one matured minute leaves unverified where nine in ten
 * people verify, and four hundred times the chance of two. So
 * the same sessions are tested a second time, those past their grace alone against the matured
 * minutes alone: sessions a minute, times the minutes past the grace, times the share that does
 * not verify, times the usual hosting share.
 *
 * A campaign or a new market brings more people than the hour of the week expects, and a few of
 * them on a VPN may give up: the sessions the scope actually saw in those minutes stand in for the
 * expectation whenever they are more, so two such people among a hundred are no surprise.
 */

/**
 * Even where every session of the last week verified, some people never type their code (a phone
 * switched off, a message that came late, a change of mind); one in twenty is about the least an
 * OTP flow loses. A scope whose sessions always verified would otherwise expect no unverified
 * session at all and be named at any two.
 */
export const MIN_UNVERIFIED_SHARE = 0.05;

/** The scope's usual traffic, as its shrunk hour-of-week baseline and the usual hosting share give it. */
export interface UsualTraffic {
  sessionsPerMinute: number;
  /** Verified share of reachable sessions. */
  conversion: number;
  /** Share of verified sessions that come from hosting networks. */
  hostingShare: number;
}

/** The scope's matured minutes of one window: those older than the grace. */
export interface MaturedMinutes {
  minutes: number;
  /** Reachable sessions of the scope in them, from every network, the tested ones included. */
  sessions: number;
  /** Of them, from hosting networks and still unverified: the tested count. */
  hostingUnverified: number;
}

export interface MaturedHostingExpectation {
  /** Hosting sessions expected to be unverified past the grace. */
  expected: number;
  /** The sessions that expectation rests on: the baseline's, or the other people seen when more. */
  sessions: number;
  /** Set when the other people seen were more than the baseline expected (a campaign, a launch). */
  fromSessionsSeen: boolean;
  unverifiedShare: number;
  /** The minutes past the grace it covers. */
  minutes: number;
}

export function maturedHostingExpectation(usual: UsualTraffic, matured: MaturedMinutes): MaturedHostingExpectation {
  const expectedSessions = usual.sessionsPerMinute * matured.minutes;
  const others = Math.max(0, matured.sessions - matured.hostingUnverified);
  const sessions = Math.max(expectedSessions, others);
  const unverifiedShare = Math.max(MIN_UNVERIFIED_SHARE, 1 - usual.conversion);
  return {
    expected: sessions * unverifiedShare * usual.hostingShare,
    sessions,
    fromSessionsSeen: others > expectedSessions,
    unverifiedShare,
    minutes: matured.minutes,
  };
}

/**
 * Why the expectation is so small, for a finding's summary: only the minutes past the grace count,
 * where a session not verified yet has been given up, and only the share of them that does not verify.
 */
export function describeMaturedExpectation(e: MaturedHostingExpectation): string {
  const on = e.fromSessionsSeen
    ? `the ${e.sessions} other sessions seen in them`
    : `${e.sessions.toPrecision(2)} sessions expected in them`;
  return `counted over the ${e.minutes} min past the grace alone, on ${on}, ${(e.unverifiedShare * 100).toFixed(0)}% of them not verifying`;
}
