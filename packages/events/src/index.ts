export * from './rows.ts';
export type * from './wire.ts';

export { parseBatch, MAX_BATCH_EVENTS, MAX_NESTING_DEPTH, MAX_STRING_LENGTH } from './batch-parser.ts';
export type { BatchFormat, BatchItem, ParsedBatch } from './batch-parser.ts';

export { EVENT_SCHEMAS, validateEvent } from './event-validator.ts';
export type { EventValidator, ValidEvent } from './event-validator.ts';
export { SEND_EVENT_SCHEMA } from './send-event.schema.ts';
export { VERIFY_EVENT_SCHEMA } from './verify-event.schema.ts';
export { BILLING_EVENT_SCHEMA } from './billing-event.schema.ts';
export { RECEIPT_EVENT_SCHEMA } from './receipt-event.schema.ts';
export { parseWireTime, EARLIEST_EVENT_MS, MAX_FUTURE_SKEW_MS } from './wire-time.ts';
export type { Checked, FieldProblem } from './rejection.ts';

export { createPhoneNormalizer, E164_PATTERN, BLOCK_SUFFIX_DIGITS, DEFAULT_MAX_CACHED_BLOCKS } from './phone-number.ts';
export type { NormalizedPhone, PhoneNormalizer } from './phone-number.ts';
export { normalizePhonePrefix, PREFIX_NATIONAL_DIGITS } from './phone-prefix.ts';
export { isKnownCountry, NON_GEOGRAPHIC_COUNTRY } from './country-code.ts';

export { createHasher, MIN_HMAC_KEY_BYTES } from './phone-hasher.ts';
export type { Hasher } from './phone-hasher.ts';
export { loadOrCreateHmacKey, HMAC_KEY_FILE } from './hmac-key.ts';
export type { HmacKeySource } from './hmac-key.ts';

export { loadAsnDatabase } from './asn-lookup.ts';
export type { AsnDatabase, AsnDatabaseFiles, AsnInfo } from './asn-lookup.ts';
export { HOSTING_ASN_PATTERNS, isHostingNetwork } from './hosting-asn-patterns.ts';
export type { HostingPattern } from './hosting-asn-patterns.ts';
export { canonicalIp, ipSubnet, isValidIp } from './ip-address.ts';

export { toUsd, isKnownCurrency, UNITS_PER_USD, FX_RATES_DATE } from './currency.ts';

export { createNormalizer } from './normalizer.ts';
export type { Normalizer, NormalizerDeps, NormalizeFn, NormalizeResult } from './normalizer.ts';

export { twilioStatusToReceipt, TWILIO_PROVIDER } from './twilio-status.receipt.ts';
export { vonageDlrToReceipt, VONAGE_PROVIDER } from './vonage-dlr.receipt.ts';
export type { TranslatedReceipt } from './provider-receipt.ts';
export { verifyTwilioSignature } from './twilio-signature.ts';
export type { TwilioSignatureCheck } from './twilio-signature.ts';

export { parseBillingCsv } from './billing-csv.ts';
export type { BillingCsvValue, ParsedBillingCsv } from './billing-csv.ts';

export { EventsError, EVENTS_ERROR_CODES } from './events-error.ts';
export type { EventsErrorCode } from './events-error.ts';
export { readCsvTable } from './csv-table.ts';
export type { CsvColumn, CsvTable } from './csv-table.ts';
