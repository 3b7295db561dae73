import { formatCount, formatMoney, formatPercent } from './format.ts';
import type { Unit } from './panels.ts';

/** The formatter of a panel unit, for stats, tables, axes and tooltips alike. */
export function formatUnit(unit: Unit, value: number | null | undefined, locale: string): string {
  switch (unit) {
    case 'money':
      return formatMoney(value, locale);
    case 'percent':
      return formatPercent(value, locale);
    case 'count':
      return formatCount(value, locale);
  }
}
