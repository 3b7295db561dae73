import { formatCount, formatDuration, formatMoney, formatPercent } from './format.ts';
import type { Unit } from './panels.ts';

/** The formatter of a panel unit, for stats, tables, axes and tooltips alike. */
export function formatUnit(unit: Unit, value: number | string | null | undefined, locale: string): string {
  // A text column (a provider's name, an error code) is shown as it is; numbers never are.
  if (unit === 'text') return value === null || value === undefined || value === '' ? '—' : String(value);
  if (typeof value === 'string') return '—';
  switch (unit) {
    case 'duration':
      return formatDuration(value, locale);
    case 'money':
      return formatMoney(value, locale);
    case 'percent':
      return formatPercent(value, locale);
    case 'count':
      return formatCount(value, locale);
  }
}
