import { describe, expect, it } from 'vitest';
import { FX_RATES_DATE, isKnownCurrency, toUsd, UNITS_PER_USD } from '../src/index.ts';

describe('toUsd', () => {
  it.each([
    ['USD', 0.05, 0.05],
    ['EUR', 0.933, 1],
    ['GBP', 0.791, 1],
    ['INR', 83.4, 1],
    ['BRL', 5.59, 1],
    ['IDR', 16375, 1],
    ['NGN', 1480, 1],
    ['JPY', 0, 0],
  ])('converts %s %f to %f USD', (currency, amount, usd) => {
    expect(toUsd(amount, currency)).toBeCloseTo(usd, 9);
  });

  it.each(['XYZ', 'usd', '', 'constructor', 'toString'])('knows nothing of %j', (currency) => {
    expect(isKnownCurrency(currency)).toBe(false);
    expect(toUsd(1, currency)).toBeUndefined();
  });

  it('dates its reference rates and keeps every rate positive', () => {
    expect(FX_RATES_DATE).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    for (const rate of Object.values(UNITS_PER_USD)) expect(rate).toBeGreaterThan(0);
  });
});
