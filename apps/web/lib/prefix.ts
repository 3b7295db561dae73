/**
 * A phone prefix as people type it ("+998 901", "00998-901", "+998  901") in the form breakers
 * scope on: "+<calling code> <3 national digits>", the convention of the events package.
 */
export type PrefixParse = { ok: true; prefix: string } | { ok: false; reason: string };

/** Digits a breaker's prefix holds after the calling code. */
const NATIONAL_DIGITS = 3;

export function parsePrefix(typed: string): PrefixParse {
  const text = typed
    .trim()
    .replace(/^00/, '+')
    .replace(/[-.()]/g, ' ')
    .replace(/\s+/g, ' ');
  const match = /^\+([1-9]\d{0,2}) (\d+)$/.exec(text);
  if (!match)
    return {
      ok: false,
      reason: `"${typed}" is not a prefix: write the calling code, a space and ${NATIONAL_DIGITS} digits, e.g. +998 901`,
    };
  const [, code, national] = match as unknown as [string, string, string];
  if (national.length === NATIONAL_DIGITS) return { ok: true, prefix: `+${code} ${national}` };
  if (national.length < NATIONAL_DIGITS) {
    const first = national.padEnd(NATIONAL_DIGITS, '0');
    const last = national.padEnd(NATIONAL_DIGITS, '9');
    return {
      ok: false,
      reason: `+${code} ${national} covers +${code} ${first} to +${code} ${last}: name one of them, or trip the whole country`,
    };
  }
  return {
    ok: false,
    reason: `breakers scope on ${NATIONAL_DIGITS} digits after the calling code: +${code} ${national.slice(0, NATIONAL_DIGITS)} covers +${code} ${national}`,
  };
}
