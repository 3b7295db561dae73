/**
 * A local HTTP server standing in for Twilio and Vonage: it answers the calls the provider proxy
 * relays in the providers' documented shapes and keeps every request it heard, so tests can tell
 * what reached "the provider" and with which credentials.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HeardRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface ProviderStandIn {
  url: string;
  heard: HeardRequest[];
  /** Makes the next answers wait this long (a provider having a bad day); 0 answers at once. */
  delayMs: number;
  close(): Promise<void>;
}

/** The code the stand-in accepts, for Twilio and Vonage alike. */
export const RIGHT_CODE = '424242';
let sequence = 0;
const hex32 = () => (++sequence).toString(16).padStart(32, '0');
/** Twilio checks a code by VerificationSid or by To: the pending verification of each number. */
const verificationsByTo = new Map<string, string>();

function answer(request: HeardRequest): { status: number; body: unknown } {
  const path = request.url.split('?')[0]!;
  const form = Object.fromEntries(new URLSearchParams(request.body));
  if (/^\/v2\/Services\/VA\w+\/Verifications$/.test(path)) {
    const sid = `VE${hex32()}`;
    if (form.To !== undefined) verificationsByTo.set(form.To, sid);
    return {
      status: 201,
      body: {
        sid,
        status: 'pending',
        to: form.To,
        channel: form.Channel,
        valid: false,
        send_code_attempts: [{ attempt_sid: `VL${hex32()}`, channel: form.Channel }],
      },
    };
  }
  if (/^\/v2\/Services\/VA\w+\/VerificationCheck$/.test(path)) {
    const approved = form.Code === RIGHT_CODE;
    const sid = form.VerificationSid ?? (form.To === undefined ? undefined : verificationsByTo.get(form.To));
    if (sid === undefined) return { status: 404, body: { code: 20404, message: 'The requested resource was not found', status: 404 } };
    return { status: 200, body: { sid, to: form.To, status: approved ? 'approved' : 'pending', valid: approved } };
  }
  if (/^\/v2\/Services\/VA\w+\/Verifications\/\w+$/.test(path)) {
    return { status: 200, body: { sid: path.split('/').at(-1), status: 'pending' } };
  }
  if (/^\/2010-04-01\/Accounts\/AC\w+\/Messages\.json$/.test(path)) {
    return { status: 201, body: { sid: `SM${hex32()}`, status: 'queued', to: form.To, body: form.Body, price: null } };
  }
  if (path === '/v2/verify') return { status: 202, body: { request_id: `c11236f4-00bf-4b89-84ba-${hex32().slice(-12)}` } };
  if (/^\/v2\/verify\/[\w-]+$/.test(path)) {
    const code = (JSON.parse(request.body || '{}') as { code?: string }).code;
    return code === RIGHT_CODE
      ? { status: 200, body: { request_id: path.split('/').at(-1), status: 'completed' } }
      : {
          status: 400,
          body: {
            type: 'https://developer.vonage.com/api-errors/verify#invalid-code',
            title: 'Invalid Code',
            detail: 'The code you provided does not match the expected value.',
          },
        };
  }
  if (path === '/sms/json') {
    const body = request.headers['content-type']?.startsWith('application/json')
      ? (JSON.parse(request.body) as Record<string, string>)
      : form;
    return {
      status: 200,
      body: {
        'message-count': '1',
        messages: [
          {
            to: body.to,
            'message-id': `${hex32().slice(-16)}`,
            status: '0',
            'remaining-balance': '10.0',
            'message-price': '0.0333',
            network: '23410',
          },
        ],
      },
    };
  }
  return { status: 404, body: { code: 20404, message: 'The requested resource was not found', status: 404 } };
}

export async function startProviderStandIn(): Promise<ProviderStandIn> {
  const heard: HeardRequest[] = [];
  const standIn = { url: '', heard, delayMs: 0, close: async () => {} } as ProviderStandIn;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const request = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      heard.push(request);
      const { status, body: out } = answer(request);
      const reply = () => {
        if (res.destroyed) return;
        res.writeHead(status, { 'content-type': 'application/json', 'twilio-request-id': 'RQ0001' }).end(JSON.stringify(out));
      };
      if (standIn.delayMs > 0) setTimeout(reply, standIn.delayMs).unref();
      else reply();
    });
  });
  server.keepAliveTimeout = 1_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  standIn.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  standIn.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return standIn;
}
