/**
 * How numbers read on the dashboard. Amounts come from the API in USD; they are shown in the
 * user's locale (separators, symbol position). Converting to another currency would need a rate
 * the API does not have, so a figure is never silently converted.
 */
export const API_CURRENCY = 'USD';

// Building an Intl formatter costs tens of microseconds, and a chart formats every tick, point and
// tooltip with the same few: they are built once per locale and options (the overview's first
// chart spent 100 ms of a 600 ms task building date formatters). Bounded, as locales come from requests.
const MAX_FORMATTERS = 500;
const formatters = new Map<string, Intl.NumberFormat | Intl.DateTimeFormat | Intl.RelativeTimeFormat>();

function cached<F extends Intl.NumberFormat | Intl.DateTimeFormat | Intl.RelativeTimeFormat>(
  kind: string,
  locale: string,
  options: object,
  make: () => F,
): F {
  const key = `${kind} ${locale} ${JSON.stringify(options)}`;
  let formatter = formatters.get(key) as F | undefined;
  if (!formatter) {
    if (formatters.size >= MAX_FORMATTERS) formatters.clear();
    formatter = make();
    formatters.set(key, formatter);
  }
  return formatter;
}

export function numberFormat(locale: string, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  return cached('number', locale, options, () => new Intl.NumberFormat(locale, options));
}

export function dateTimeFormat(locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  return cached('date', locale, options, () => new Intl.DateTimeFormat(locale, options));
}

function relativeTimeFormat(locale: string, options: Intl.RelativeTimeFormatOptions): Intl.RelativeTimeFormat {
  return cached('relative', locale, options, () => new Intl.RelativeTimeFormat(locale, options));
}

export function formatMoney(amount: number | null | undefined, locale: string, currency: string = API_CURRENCY): string {
  if (amount === null || amount === undefined || !Number.isFinite(amount)) return '—';
  // Cents matter under a hundred (a pumping send costs cents); above, they are noise at 3 a.m.
  const digits = Math.abs(amount) < 100 ? 2 : 0;
  return numberFormat(locale, { style: 'currency', currency, minimumFractionDigits: digits, maximumFractionDigits: digits }).format(amount);
}

export function formatCount(value: number | null | undefined, locale: string): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return numberFormat(locale, { maximumFractionDigits: 0 }).format(value);
}

/** A share (0..1) as a percentage; null (no sessions yet) is a dash, not 0 %. */
export function formatPercent(share: number | null | undefined, locale: string): string {
  if (share === null || share === undefined || !Number.isFinite(share)) return '—';
  return numberFormat(locale, { style: 'percent', maximumFractionDigits: 1 }).format(share);
}

export function formatTime(ms: number | string | null | undefined, locale: string, timeZone = 'UTC'): string {
  if (ms === null || ms === undefined) return '—';
  const date = new Date(ms);
  if (Number.isNaN(date.getTime())) return '—';
  return dateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(date);
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
  const rtf = relativeTimeFormat(locale, { numeric: 'auto', style: 'short' });
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
  const number = (value: number, digits = 0) => numberFormat(locale, { maximumFractionDigits: digits }).format(value);
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
