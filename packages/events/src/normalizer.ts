import type { AsnDatabase, AsnInfo } from './asn-lookup.ts';
import { createCappedMap } from '@tollgate/vocabulary';
import { toUsd } from './currency.ts';
import { validateEvent } from './event-validator.ts';
import { canonicalIp, ipSubnet } from './ip-address.ts';
import type { Hasher } from './phone-hasher.ts';
import { createPhoneNormalizer, DEFAULT_MAX_CACHED_BLOCKS, type NormalizedPhone, type PhoneNormalizer } from './phone-number.ts';
import { normalizePhonePrefix } from './phone-prefix.ts';
import { atLine, type Checked, type FieldProblem } from './rejection.ts';
import type { BillingRow, EventKind, ReceiptRow, Rejection, RowsByKind, SendRow, VerifyRow } from './rows.ts';

export type NormalizeResult<K extends EventKind> = { ok: true; row: RowsByKind[K] } | { ok: false; rejected: Rejection[] };

/** One wire item (already JSON-parsed) and its batch line in, one row or its rejections out. */
export type NormalizeFn<K extends EventKind> = (input: unknown, line: number) => NormalizeResult<K>;

export type Normalizer = { [K in EventKind]: NormalizeFn<K> };

export interface NormalizerDeps {
  hasher: Hasher;
  asn: Pick<AsnDatabase, 'lookup' | 'byAsn'>;
  /** Bounds how far in the future `ts` may be; replays and tests pass their own. Default Date.now. */
  clock?: () => number;
  /** Size of the number-block cache (see phone-number.ts). */
  maxCachedBlocks?: number;
}

const DEFAULT_CURRENCY = 'USD';
const DEFAULT_CHANNEL = 'sms';
/** A billed line is at least one message part; providers that omit segments bill single-part OTPs. */
const DEFAULT_SEGMENTS = 1;
const UNKNOWN_NETWORK: AsnInfo = { asn: 0, org: '', hosting: false };

/** What every kind's normalizer shares: the clock, the hasher, the phone and network lookups. */
interface NormalizerContext {
  clock: () => number;
  hasher: Hasher;
  phones: PhoneNormalizer;
  blockHash(block: string): string;
  networkOf(ip: string, givenAsn: number | undefined): AsnInfo;
  optionalPhone(phone: string | undefined): Checked<NormalizedPhone | undefined>;
}

/**
 * Turns wire events into the rows of rows.ts: validates, hashes the phone number (the raw number
 * goes no further), derives country, prefix and number type, finds the client's network and
 * converts cost to USD. It owns the number-block cache; the hasher and ASN database are shared.
 * Functions do not use `this`, so callers can pass `normalizer.send` around on its own.
 */
export function createNormalizer({
  hasher,
  asn,
  clock = Date.now,
  maxCachedBlocks = DEFAULT_MAX_CACHED_BLOCKS,
}: NormalizerDeps): Normalizer {
  const phones = createPhoneNormalizer({ maxCachedBlocks });
  // An HMAC costs ~2 µs, a fifth of an event's budget; consecutive sends share blocks (and
  // pumping concentrates on a few), so a block's hash is computed once while it stays warm.
  const blockHashes = createCappedMap<string>(maxCachedBlocks);

  const context: NormalizerContext = {
    clock,
    hasher,
    phones,
    blockHash(block) {
      let hash = blockHashes.get(block);
      if (hash === undefined) {
        hash = hasher.block(block);
        blockHashes.addAbsent(block, hash);
      }
      return hash;
    },
    /**
     * The network of the client. An `asn` sent with the event wins (the service may know better,
     * e.g. behind its own proxy), but its name and hosting flag still come from the database.
     */
    networkOf(ip, givenAsn) {
      const found = asn.lookup(ip);
      if (givenAsn === undefined) return found ?? UNKNOWN_NETWORK;
      if (found !== null && found.asn === givenAsn) return found;
      return asn.byAsn(givenAsn) ?? { asn: givenAsn, org: '', hosting: false };
    },
    /** Phone facts for events where the phone is optional: '' and no hash when it is absent. */
    optionalPhone(phone) {
      return phone === undefined ? { ok: true, value: undefined } : phones.normalize(phone);
    },
  };
  return {
    send: normalizeSend(context),
    verify: normalizeVerify(context),
    billing: normalizeBilling(context),
    receipt: normalizeReceipt(context),
  };
}

function normalizeSend({ clock, hasher, phones, blockHash, networkOf }: NormalizerContext): NormalizeFn<'send'> {
  return (input, line) => {
    const checked = validateEvent.send(input, clock());
    if (!checked.ok) return rejected(line, checked.problems);
    const { event, tsMs } = checked.value;
    const phone = phones.normalize(event.phone, event.country);
    if (!phone.ok) return rejected(line, phone.problems);
    const network = networkOf(event.ip, event.asn);
    const currency = event.currency ?? DEFAULT_CURRENCY;
    const row: SendRow = {
      event_id: event.event_id,
      ts: tsMs,
      app: event.app,
      flow: event.flow,
      session_id: event.session_id,
      phone_hash: hasher.phone(phone.value.e164),
      block_hash: blockHash(phone.value.block),
      country: phone.value.country,
      prefix: phone.value.prefix,
      number_type: phone.value.numberType,
      ip: canonicalIp(event.ip),
      ip_subnet: ipSubnet(event.ip),
      asn: network.asn,
      asn_org: network.org,
      asn_hosting: network.hosting ? 1 : 0,
      channel: event.channel ?? DEFAULT_CHANNEL,
      provider: event.provider,
      message_id: event.message_id ?? '',
      status: event.status,
      cost: event.cost,
      currency,
      // Validation accepted the currency, so the table has it.
      cost_usd: toUsd(event.cost, currency) as number,
      device_id: event.device_id ?? '',
      user_agent: event.user_agent ?? '',
      session_start: 1,
    };
    return { ok: true, row };
  };
}

function normalizeVerify({ clock, hasher, optionalPhone }: NormalizerContext): NormalizeFn<'verify'> {
  return (input, line) => {
    const checked = validateEvent.verify(input, clock());
    if (!checked.ok) return rejected(line, checked.problems);
    const { event, tsMs } = checked.value;
    const phone = optionalPhone(event.phone);
    if (!phone.ok) return rejected(line, phone.problems);
    const row: VerifyRow = {
      event_id: event.event_id,
      ts: tsMs,
      session_id: event.session_id,
      phone_hash: phone.value === undefined ? '' : hasher.phone(phone.value.e164),
      ip: event.ip === undefined ? '' : canonicalIp(event.ip),
      ip_subnet: event.ip === undefined ? '' : ipSubnet(event.ip),
      success: event.success ? 1 : 0,
      session_verified: event.success ? 1 : 0,
      send_ts: 0,
      app: event.app,
      flow: '',
      country: phone.value?.country ?? '',
      prefix: phone.value?.prefix ?? '',
      // The verifier's own network is not the send's: left unknown so the send's ASN fills it.
      asn: 0,
      provider: '',
    };
    return { ok: true, row };
  };
}

function normalizeBilling({ clock }: NormalizerContext): NormalizeFn<'billing'> {
  return (input, line) => {
    const checked = validateEvent.billing(input, clock());
    if (!checked.ok) return rejected(line, checked.problems);
    const { event, tsMs } = checked.value;
    const prefix: Checked<string> =
      event.phone_prefix === undefined ? { ok: true, value: '' } : normalizePhonePrefix(event.phone_prefix, event.country);
    if (!prefix.ok) return rejected(line, prefix.problems);
    const currency = event.currency ?? DEFAULT_CURRENCY;
    const row: BillingRow = {
      event_id: event.event_id,
      ts: tsMs,
      segments: event.segments ?? DEFAULT_SEGMENTS,
      cost: event.cost,
      currency,
      cost_usd: toUsd(event.cost, currency) as number,
      send_ts: 0,
      app: '',
      flow: '',
      country: event.country,
      prefix: prefix.value,
      asn: 0,
      provider: event.provider,
    };
    return { ok: true, row };
  };
}

function normalizeReceipt({ clock, hasher, optionalPhone }: NormalizerContext): NormalizeFn<'receipt'> {
  return (input, line) => {
    const checked = validateEvent.receipt(input, clock());
    if (!checked.ok) return rejected(line, checked.problems);
    const { event, tsMs } = checked.value;
    const phone = optionalPhone(event.phone);
    if (!phone.ok) return rejected(line, phone.problems);
    const row: ReceiptRow = {
      // Derived so that a provider re-delivering the same callback is recognised as a duplicate.
      event_id: event.event_id ?? `${event.provider}:${event.message_id}:${event.status}`,
      ts: tsMs,
      message_id: event.message_id,
      status: event.status,
      error_code: event.error_code ?? '',
      phone_hash: phone.value === undefined ? '' : hasher.phone(phone.value.e164),
      mcc_mnc: event.mcc_mnc ?? '',
      send_ts: 0,
      app: '',
      flow: '',
      country: phone.value?.country ?? '',
      prefix: phone.value?.prefix ?? '',
      asn: 0,
      provider: event.provider,
    };
    return { ok: true, row };
  };
}

function rejected(line: number, problems: readonly FieldProblem[]): { ok: false; rejected: Rejection[] } {
  return { ok: false, rejected: atLine(line, problems) };
}
