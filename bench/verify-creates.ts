/**
 * The Twilio Verify creates of bench:proxy and bench/proxy-create-cost.ts, and the provider that
 * answers them: the service the bench's callers are bound to, the bodies (a distinct number each),
 * the rules that let every create through to the relay, and the stand-in's answer.
 */
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { addVelocityApp } from './decide-harness.ts';

const SERVICE = `VA${'0'.repeat(31)}1`;
const APP = 'proxybench';
const RULES_DIR = fileURLToPath(new URL('../alert-rules/', import.meta.url));
/** Where a Verify create goes, on the provider (and after Tollgate's prefix). */
export const VERIFY_PATH = `/v2/Services/${SERVICE}/Verifications`;
/** Basic auth as the Twilio SDK sends it: relayed by the proxy, ignored by the stand-in. */
export const AUTHORIZATION = `Basic ${Buffer.from(`AC${'0'.repeat(32)}:bench-auth-token`).toString('base64')}`;

/**
 * The shipped rules with the bench app's callers in proxy.yaml, and its per-phone and per-app
 * limits lifted: every request must be relayed, or refusals (cheaper, never relayed) would flatter the proxy.
 */
export function benchRules(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-bench-proxy-rules-'));
  cpSync(RULES_DIR, dir, { recursive: true });
  writeFileSync(join(dir, 'proxy.yaml'), `twilio:\n  services:\n    ${SERVICE}: {app: ${APP}, flow: signup, handles_challenges: true}\n`);
  addVelocityApp(dir, APP, ['phone: { max: 1000000 }', 'app: off']);
  return dir;
}

/**
 * The body of the i-th number, as a sign-up form would send it: GB mobiles +44 7410 000000 to +44
 * 7449 999999 (every one valid), 37 apart so a number block holds few of them, distinct for the
 * first 40 million i (37 and 40,000,000 share no factor).
 */
export const NUMBER_SPAN = 40_000_000;
export const body = (i: number) => `To=%2B4474${10_000_000 + ((i * 37) % NUMBER_SPAN)}&Channel=sms`;

/**
 * The stand-in provider's handler: every request answered with the shape Twilio gives a Verify
 * create, after `delayMs()` (read per request, so a bench may change it between runs).
 */
export function verifyStandIn(delayMs: () => number): (req: IncomingMessage, res: ServerResponse) => void {
  let sequence = 0;
  return (req, res) => {
    req.resume();
    req.on('end', () => {
      const sid = `VE${(++sequence).toString(16).padStart(32, '0')}`;
      const answer = () =>
        res.writeHead(201, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            sid,
            service_sid: 'VA',
            status: 'pending',
            channel: 'sms',
            valid: false,
            send_code_attempts: [{ attempt_sid: `VL${sid.slice(2)}`, channel: 'sms' }],
          }),
        );
      const delay = delayMs();
      if (delay > 0) setTimeout(answer, delay);
      else answer();
    });
  };
}
