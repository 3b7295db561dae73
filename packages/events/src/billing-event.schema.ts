import { COST_FIELD, COUNTRY_FIELD, CURRENCY_FIELD, identifier, MAX_NAME_LENGTH, SEGMENTS_FIELD, TS_FIELD } from './schema-fields.ts';

/** Longest prefix a provider reports: a calling code and a handful of national digits, with separators. */
const MAX_PHONE_PREFIX_LENGTH = 20;

/** One line of a provider's bill (wire.ts `BillingInput`), by webhook or CSV export. */
export const BILLING_EVENT_SCHEMA = {
  $id: 'tollgate/billing-event',
  title: 'Billing line',
  type: 'object',
  required: ['event_id', 'ts', 'provider', 'country', 'cost'],
  properties: {
    event_id: identifier("the provider's message id the line charges for"),
    ts: TS_FIELD,
    provider: identifier('the provider that billed it', MAX_NAME_LENGTH),
    country: COUNTRY_FIELD,
    phone_prefix: {
      type: 'string',
      maxLength: MAX_PHONE_PREFIX_LENGTH,
      description: 'leading digits of the number in international form (+44791)',
    },
    segments: SEGMENTS_FIELD,
    cost: COST_FIELD,
    currency: CURRENCY_FIELD,
  },
} as const;
