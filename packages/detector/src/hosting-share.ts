/**
 * Whether a scope's unverified sessions from hosting networks are more than its own traffic of the
 * moment explains. A campaign or a new market brings its people with their usual share on a VPN or
 * an office egress: against the scope's quiet hour-of-week expectation their hosting sessions are
 * as surprising as a bot farm's, but not against the sessions that came with them. A bot farm's
 * sessions are most or all of a sparse scope's sessions. Asked of every hosting finding of the
 * sparse test, so a surge of people is never blocked at the few hosting sessions that name a farm.
 */
import { logBinomialTail } from './statistics/count-tails.ts';

/**
 * The level of that second question. It only has to tell a farm from a crowd, not find the farm
 * (the Poisson tail against the baseline does, at the level of its chance budget): two hosting
 * sessions of two (one in ten thousand at the 1 % floor of the usual share) or of four pass, two of
 * fifteen (one in a hundred) do not.
 */
const CROWD_ALPHA = 1e-3;

/**
 * `hostingSessions` of `sessions` (every reachable session of the same scope and window, verified
 * or not) against a binomial draw at the usual hosting share: true when the crowd does not explain
 * them. The share is that of people who verify, so it overstates what a crowd leaves unverified,
 * which keeps the answer on the crowd's side.
 */
export function beyondTheCrowd(hostingSessions: number, sessions: number, usualShare: number): boolean {
  return logBinomialTail(hostingSessions, Math.max(sessions, hostingSessions), usualShare) <= Math.log(CROWD_ALPHA);
}
