/**
 * The messaging providers the simulated services route OTPs through, and what differs between
 * them: list price, how their message ids look, and which error codes their receipts carry.
 */

export const PROVIDERS = ['twilio', 'vonage', 'sinch'] as const;
export type ProviderName = (typeof PROVIDERS)[number];

export type ProviderRouting = Readonly<Record<ProviderName, number>>;

/**
 * Relative price against the country's list price. Assumption: the larger wholesale buyers
 * (Vonage, Sinch) undercut Twilio's public price list by a few percent on the same route.
 */
export const PRICE_FACTOR: Readonly<Record<ProviderName, number>> = {
  twilio: 1,
  vonage: 0.97,
  sinch: 0.94,
};

/**
 * Routing presets: services send most traffic through a primary provider per region and keep
 * the others warm for failover, so no country is single-homed.
 */
export const ROUTING = {
  twilioFirst: { twilio: 0.65, vonage: 0.25, sinch: 0.1 },
  vonageFirst: { twilio: 0.25, vonage: 0.6, sinch: 0.15 },
  sinchFirst: { twilio: 0.2, vonage: 0.2, sinch: 0.6 },
} as const satisfies Record<string, ProviderRouting>;

/**
 * Error codes on undelivered / failed receipts, from the providers' public references:
 * Twilio 30003 unreachable, 30005 unknown destination, 30006 landline or unreachable carrier,
 * 30008 unknown error; Vonage DLR err-code 1 unknown, 4 call barred, 5 portability error,
 * 6 anti-spam rejection; Sinch status codes 402 unreachable, 405 blocked, 407 unknown number.
 */
export const RECEIPT_ERROR_CODES: Readonly<Record<ProviderName, readonly string[]>> = {
  twilio: ['30003', '30005', '30006', '30008'],
  vonage: ['1', '4', '5', '6'],
  sinch: ['402', '405', '407'],
};
