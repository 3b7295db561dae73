/**
 * A service's OTP send path with Tollgate in front of it: ask, then send, add friction, or refuse.
 * Usage: TOLLGATE_URL=... TOLLGATE_KEY=... node apps/cli/bin/run-ts.js packages/client/examples/send-otp.ts PHONE IP
 */
import { createTollgateClient, TollgateClientError } from '../src/index.ts';

const [phone = '+447400123456', ip = '203.0.113.7'] = process.argv.slice(2);
const tollgate = createTollgateClient({
  baseUrl: process.env.TOLLGATE_URL ?? 'http://127.0.0.1:8080',
  apiKey: process.env.TOLLGATE_KEY ?? '',
  // A login page would rather let a code through than lock everyone out when Tollgate is down.
  failMode: 'open',
});

try {
  const answer = await tollgate.decide({ app: 'shop', flow: 'login', phone, ip, session_id: `example-${Date.now()}` });
  switch (answer.decision) {
    case 'allow':
      console.log(`send the OTP to ${phone}${answer.degraded ? ' (Tollgate did not answer: failing open)' : ''}`);
      break;
    case 'challenge':
      console.log('show a captcha or an email code first:', answer.reasons.map((r) => r.detail).join('; '));
      break;
    case 'block':
      console.log(`do not send; ask again in ${answer.retry_after_s ?? '?'} s:`, answer.reasons.map((r) => r.detail).join('; '));
      break;
  }
} catch (error) {
  if (error instanceof TollgateClientError) console.error(`fix the request: ${error.code} ${error.field ?? ''} ${error.message}`);
  else throw error;
  process.exitCode = 1;
}
