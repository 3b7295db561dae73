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
  return relative(-Math.max(0, Math.round((nowMs - new Date(ms).getTime()) / 1000)), locale);
}

/** "in 2 hr.": how long until a silence or a planned event ends. */
export function formatUntil(ms: number | string, nowMs: number, locale: string): string {
  return relative(Math.max(0, Math.round((new Date(ms).getTime() - nowMs) / 1000)), locale);
}

function relative(deltaS: number, locale: string): string {
  const rtf = new Intl.RelativeTimeFormat(locale, { numeric: 'auto', style: 'short' });
  const abs = Math.abs(deltaS);
  // Rounded on the size, so 90 minutes ago and in 90 minutes both read as 2 hours.
  const inUnits = (unitS: number) => Math.sign(deltaS) * Math.round(abs / unitS);
  if (abs < 60) return rtf.format(deltaS, 'second');
  if (abs < 3600) return rtf.format(inUnits(60), 'minute');
  if (abs < 86_400) return rtf.format(inUnits(3600), 'hour');
  return rtf.format(inUnits(86_400), 'day');
}

/**
 * A span of time as people say it: "850 ms", "4.2 s", "12 min", "1 h 20 min", "2 d 3 h". Delivery
 * latency lives in the seconds, response times in minutes and hours; one scale would hide either.
 */
export function formatDuration(ms: number | null | undefined, locale: string): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  const number = (value: number, digits = 0) => new Intl.NumberFormat(locale, { maximumFractionDigits: digits }).format(value);
  const abs = Math.abs(ms);
  if (abs < 1000) return `${number(ms)} ms`;
  if (abs < 60_000) return `${number(ms / 1000, 1)} s`;
  if (abs < 3_600_000) return `${number(Math.round(ms / 60_000))} min`;
  if (abs < 86_400_000) {
    const minutes = Math.round(ms / 60_000);
    const rest = minutes % 60;
    return rest === 0 ? `${number(minutes / 60)} h` : `${number(Math.floor(minutes / 60))} h ${number(rest)} min`;
  }
  const hours = Math.round(ms / 3_600_000);
  const rest = hours % 24;
  return rest === 0 ? `${number(hours / 24)} d` : `${number(Math.floor(hours / 24))} d ${number(rest)} h`;
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
