import { createTollgateClient } from '@tollgate/client';
import type { SimSend } from '@tollgate/simulator';
import type { DemoLogger } from './demo-logger.ts';

/**
 * The demo's own budget for a decision: generous, as the demo shares a laptop with a dashboard
 * build; a service embeds the client's 150 ms default. Past it the client fails open.
 */
const DEMO_DECIDE_TIMEOUT_MS = 2_000;

/** What the decision API answered a send, as the feed acts on it. */
export type SendVerdict = 'allow' | 'challenge' | 'block';
/** Asks `POST /v1/decide` before a send, as a real service does. */
export type SendGate = (send: SimSend) => Promise<SendVerdict>;

/** The demo's decision API client: the SDK services embed, failing open, against this server. */
export function createDecideGate(deps: { baseUrl: string; apiKey: string; logger: DemoLogger }): SendGate {
  const client = createTollgateClient({ baseUrl: deps.baseUrl, apiKey: deps.apiKey, failMode: 'open', timeoutMs: DEMO_DECIDE_TIMEOUT_MS });
  return async (send) => {
    try {
      const answer = await client.decide({
        app: send.app,
        flow: send.flow,
        phone: send.phone,
        ip: send.ip,
        session_id: send.session_id,
        provider: send.provider,
        ...(send.device_id !== undefined && { device_id: send.device_id }),
        ...(send.user_agent !== undefined && { user_agent: send.user_agent }),
      });
      return answer.decision;
    } catch (error) {
      // A refused question is the feed's bug, not a reason to stop the demo: the send goes out, logged.
      deps.logger.warn({ err: error }, 'demo: the decision API refused the question');
      return 'allow';
    }
  };
}
