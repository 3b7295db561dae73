/**
 * How numbers read on the dashboard. Amounts come from the API in USD; they are shown in the
 * user's locale (separators, symbol position). Converting to another currency would need a rate
 * the API does not have, so a figure is never silently converted.
 */
export const API_CURRENCY = 'USD';

export function formatMoney(amount: number | null | undefined, locale: string, currency: string = API_CURRENCY): string {
  if (amount === null || amount === undefined || !Number.isFinite(amount)) return '—';
  // Cents matter under a hundred (a pumping send costs cents); above, they are noise at 3 a.m.
  const digits = Math.abs(amount) < 100 ? 2 : 0;
  return new Intl.NumberFormat(locale, { style: 'currency', currency, minimumFractionDigits: digits, maximumFractionDigits: digits }).format(amount);
}

export function formatCount(value: number | null | undefined, locale: string): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return new Intl.NumberFormat(locale, { maximumFractionDigits: 0 }).format(value);
}

/** A share (0..1) as a percentage; null (no sessions yet) is a dash, not 0 %. */
export function formatPercent(share: number | null | undefined, locale: string): string {
  if (share === null || share === undefined || !Number.isFinite(share)) return '—';
  return new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 }).format(share);
}

export function formatTime(ms: number | string | null | undefined, locale: string, timeZone = 'UTC'): string {
  if (ms === null || ms === undefined) return '—';
  const date = new Date(ms);
  if (Number.isNaN(date.getTime())) return '—';
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(date);
}

/** "5 min ago", "3 h ago": how long an incident has been open matters more than the clock time. */
export function formatAge(ms: number | string, nowMs: number, locale: string): string {
  const elapsedS = Math.max(0, Math.round((nowMs - new Date(ms).getTime()) / 1000));
  const rtf = new Intl.RelativeTimeFormat(locale, { numeric: 'auto', style: 'short' });
  if (elapsedS < 60) return rtf.format(-elapsedS, 'second');
  if (elapsedS < 3600) return rtf.format(-Math.round(elapsedS / 60), 'minute');
  if (elapsedS < 86_400) return rtf.format(-Math.round(elapsedS / 3600), 'hour');
  return rtf.format(-Math.round(elapsedS / 86_400), 'day');
}

/** The first language of an Accept-Language header that Intl knows, else en-US. */
export function localeFrom(acceptLanguage: string | null | undefined): string {
  for (const part of (acceptLanguage ?? '').split(',')) {
    const tag = part.split(';')[0]!.trim();
    if (!tag || tag === '*') continue;
    try {
      return Intl.getCanonicalLocales(tag)[0]!;
    } catch {
      // not a language tag: try the next one
    }
  }
  return 'en-US';
}
