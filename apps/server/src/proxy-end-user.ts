import type { IncomingHttpHeaders } from 'node:http';
import type { Refusal } from '@tollgate/proxy';
import { endUserFieldProblem, type EndUser, type EndUserField } from './decisions/end-user-fields.ts';

/** One header: the field of `POST /v1/decide` it carries, and what a service sends in it. */
interface EndUserHeader {
  /** As node gives it (lower case); `name` is how a service writes it and how refusals name it. */
  header: string;
  name: string;
  field: EndUserField;
  what: string;
}

/** The headers a service sets to tell Tollgate who asked for the code: `POST /v1/decide`'s fields of the same names. */
export const END_USER_HEADERS: readonly EndUserHeader[] = [
  {
    header: 'x-tollgate-account-id',
    name: 'X-Tollgate-Account-Id',
    field: 'account_id',
    what: "the end user's account id in your service (its id, not its profile)",
  },
  { header: 'x-tollgate-device-id', name: 'X-Tollgate-Device-Id', field: 'device_id', what: "the end user's device id or fingerprint" },
  {
    header: 'x-tollgate-user-agent',
    name: 'X-Tollgate-User-Agent',
    field: 'user_agent',
    what: "the User-Agent header of the end user's request",
  },
  {
    header: 'x-tollgate-timezone',
    name: 'X-Tollgate-Timezone',
    field: 'timezone',
    what: 'the IANA time zone the client reports (Europe/London)',
  },
  { header: 'x-tollgate-platform', name: 'X-Tollgate-Platform', field: 'platform', what: 'the client platform (ios, android, web)' },
];

const NON_ASCII = /[\u0080-\uffff]/;
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A header's text. Node reads header bytes as Latin-1, which is how most HTTP clients write
 * characters up to U+00FF; a value whose bytes are valid UTF-8 was written as UTF-8 (the only
 * way to send other characters) and is read as such, so an account id hashes here as it does in
 * a `POST /v1/decide` body.
 */
function headerText(raw: string): string {
  if (!NON_ASCII.test(raw)) return raw;
  try {
    return UTF8.decode(Buffer.from(raw, 'latin1'));
  } catch {
    return raw;
  }
}

/**
 * Reads the end-user headers with the limits `POST /v1/decide` puts on the same fields, and
 * hashes the account id at once: the raw id goes no further than this function.
 */
export function readEndUser(
  headers: IncomingHttpHeaders,
  hashAccount: (accountId: string) => string,
): { ok: true; value: EndUser } | { ok: false; refusal: Refusal } {
  const values: Partial<Record<EndUserField, string>> = {};
  for (const { header, name, field, what } of END_USER_HEADERS) {
    const raw = headers[header];
    if (typeof raw !== 'string') continue;
    const value = headerText(raw);
    const problem = endUserFieldProblem(field, value);
    if (problem !== undefined) {
      return {
        ok: false,
        refusal: { kind: 'invalid', field: header, detail: `${name}: ${problem}; send ${what}, or leave the header out.` },
      };
    }
    values[field] = value;
  }
  return {
    ok: true,
    value: {
      accountHash: values.account_id === undefined ? undefined : hashAccount(values.account_id),
      deviceId: values.device_id,
      userAgent: values.user_agent,
      timezone: values.timezone,
      platform: values.platform,
    },
  };
}
