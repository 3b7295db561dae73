import { ipSubnet } from '@tollgate/events';
import type { DecideResult, Decider } from '@tollgate/breakers';
import type { NormalizedPhone } from '@tollgate/events';
import type { Identity } from '@tollgate/core';
import type { EndUser } from './end-user-fields.ts';
import type { DecisionCounter } from './decision-counter.ts';

/**
 * A proxied send through the decision path of `POST /v1/decide`: the same decider (breakers,
 * velocity, risk) and the same per-minute counts. Without the end user's address the IP-based
 * limits and signals sit out (an empty address is the limiter's "unknown"), rather than counting
 * every user of the service as one address; the account limits and device signals likewise sit
 * out for what the service's X-Tollgate-* headers leave unsaid.
 */
export function decideProxiedSend(
  deps: { identity: Identity; decider: Decider; counter: DecisionCounter },
  input: {
    app: string;
    flow: string;
    phone: NormalizedPhone;
    phoneHash: string;
    clientIp: string | undefined;
    provider: string;
    sessionId: string | undefined;
    endUser: EndUser;
  },
): DecideResult {
  const { identity } = deps;
  const network = input.clientIp === undefined ? null : identity.asn.lookup(input.clientIp);
  const asn = network?.asn ?? 0;
  const result = deps.decider.decide({
    app: input.app,
    flow: input.flow,
    phoneHash: input.phoneHash,
    country: input.phone.country,
    prefix: input.phone.prefix,
    asn,
    hosting: network?.hosting,
    phoneBlock: input.phone.block,
    provider: input.provider,
    ip: input.clientIp ?? '',
    ipSubnet: input.clientIp === undefined ? '' : ipSubnet(input.clientIp),
    sessionId: input.sessionId,
    accountHash: input.endUser.accountHash,
    deviceId: input.endUser.deviceId,
    userAgent: input.endUser.userAgent,
    timezone: input.endUser.timezone,
    platform: input.endUser.platform,
  });
  deps.counter.count(
    { app: input.app, flow: input.flow, country: input.phone.country, prefix: input.phone.prefix, asn, provider: input.provider },
    result.decision,
    result.shadow.some((s) => s.wouldBe === 'block'),
  );
  return result;
}
