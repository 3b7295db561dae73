/**
 * What the proxy reads from a provider request, whatever its shape: the number the message goes
 * to, the channel, the session a check belongs to, the identity that finds the app. The rest of
 * the body is relayed as it came.
 */
import type { Channel } from '@tollgate/events';
import type { CallerCredentials } from './caller-credentials.ts';
import type { ProviderOperation } from './provider-operation.ts';

/** The list of proxy.yaml a caller is looked up in. */
export type CallerList = 'twilio_services' | 'twilio_accounts' | 'vonage_api_keys' | 'vonage_applications';

export interface ProxyCall {
  operation: ProviderOperation;
  /** Where the caller is looked up, and as what; undefined when the request carries no identity. */
  caller: { list: CallerList; id: string } | undefined;
  /** The recipient as the request gives it (E.164, or digits without "+" for Vonage). */
  phone: string | undefined;
  channel: Channel;
  /** The verification a check belongs to, when the request names it. */
  sessionId: string | undefined;
  /** The credentials are in the body (the Vonage SMS API's api_key with api_secret or sig), not in Authorization. */
  bodyCredentials: boolean;
}

/** Fields of a form or JSON body as strings; nested values are read by the shapes that have them. */
export type Params = Readonly<Record<string, unknown>>;

const TWILIO_CHANNELS: Readonly<Record<string, Channel>> = { sms: 'sms', call: 'voice', whatsapp: 'whatsapp', email: 'email' };
const VONAGE_CHANNELS: Readonly<Record<string, Channel>> = {
  sms: 'sms',
  voice: 'voice',
  whatsapp: 'whatsapp',
  whatsapp_interactive: 'whatsapp',
  email: 'email',
};

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : typeof value === 'number' ? String(value) : undefined;

/** `POST /v2/Services/{ServiceSid}/Verifications` (To, Channel). */
export function readTwilioVerification(operation: ProviderOperation, serviceSid: string, params: Params): ProxyCall {
  return {
    operation,
    caller: { list: 'twilio_services', id: serviceSid },
    phone: text(params.To),
    channel: TWILIO_CHANNELS[text(params.Channel)?.toLowerCase() ?? 'sms'] ?? 'sms',
    sessionId: text(params.VerificationSid),
    bodyCredentials: false,
  };
}

/** `POST /2010-04-01/Accounts/{AccountSid}/Messages.json` (To, possibly "whatsapp:+44..."). */
export function readTwilioMessage(operation: ProviderOperation, accountSid: string, params: Params): ProxyCall {
  const to = text(params.To);
  const whatsapp = to?.startsWith('whatsapp:') === true;
  return {
    operation,
    caller: { list: 'twilio_accounts', id: accountSid },
    phone: whatsapp ? to!.slice('whatsapp:'.length) : to,
    channel: whatsapp ? 'whatsapp' : 'sms',
    sessionId: undefined,
    bodyCredentials: false,
  };
}

/** Vonage calls carry their identity in the credentials: an API key (basic auth or the SMS API's field) or an application's JWT. */
function vonageCaller(credentials: CallerCredentials, bodyApiKey: string | undefined): ProxyCall['caller'] {
  if (credentials.kind === 'basic') return { list: 'vonage_api_keys', id: credentials.user };
  if (credentials.kind === 'bearer')
    return credentials.applicationId === undefined ? undefined : { list: 'vonage_applications', id: credentials.applicationId };
  return bodyApiKey === undefined ? undefined : { list: 'vonage_api_keys', id: bodyApiKey };
}

/** `POST /v2/verify` (JSON: brand, workflow [{channel, to}]): the first step is the one sent now. */
export function readVonageVerifyRequest(operation: ProviderOperation, credentials: CallerCredentials, body: Params): ProxyCall {
  const workflow = Array.isArray(body.workflow) ? (body.workflow as unknown[]) : [];
  const first = typeof workflow[0] === 'object' && workflow[0] !== null ? (workflow[0] as Params) : {};
  return {
    operation,
    caller: vonageCaller(credentials, undefined),
    phone: text(first.to),
    channel: VONAGE_CHANNELS[text(first.channel) ?? 'sms'] ?? 'sms',
    sessionId: undefined,
    bodyCredentials: false,
  };
}

/** `POST /v2/verify/{request_id}` (JSON: code). */
export function readVonageVerifyCheck(operation: ProviderOperation, credentials: CallerCredentials, requestId: string): ProxyCall {
  return {
    operation,
    caller: vonageCaller(credentials, undefined),
    phone: undefined,
    channel: 'sms',
    sessionId: requestId,
    bodyCredentials: false,
  };
}

/** `POST /sms/json` (form or JSON: api_key, api_secret, from, to, text). */
export function readVonageSms(operation: ProviderOperation, credentials: CallerCredentials, body: Params): ProxyCall {
  const apiKey = text(body.api_key);
  return {
    operation,
    caller: vonageCaller(credentials, apiKey),
    phone: text(body.to),
    channel: 'sms',
    sessionId: undefined,
    bodyCredentials: apiKey !== undefined && (text(body.api_secret) !== undefined || text(body.sig) !== undefined),
  };
}
