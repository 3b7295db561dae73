import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { scopeText } from '../lib/api-types.ts';
import { bandRows, drillInto, levelOf, reduceRows, shapeRows, windowWithin } from '../lib/chart-data.ts';
import { formatAge, formatCount, formatMoney, formatPercent, localeFrom } from '../lib/format.ts';
import { PanelFileError, panelRequest, panelRows, parseDashboard } from '../lib/panels.ts';
import { safeNext } from '../lib/safe-next.ts';
import { isSameOrigin } from '../lib/same-origin.ts';

const DASHBOARDS = fileURLToPath(new URL('../../../dashboards/', import.meta.url));
const headers = (values: Record<string, string>) => ({ get: (name: string) => values[name] ?? null });

describe('formatting', () => {
  it.each([
    [1234.5, 'en-US', '$1,235'],
    [0.0456, 'en-US', '$0.05'],
    [1234.5, 'de-DE', '1.235 $'],
    [-12.5, 'en-GB', '-US$12.50'],
    [null, 'en-US', '—'],
    [Number.NaN, 'en-US', '—'],
  ])('money %s in %s reads %s', (amount, locale, expected) => {
    expect(formatMoney(amount, locale).replace(/\u00a0/g, ' ')).toBe(expected);
  });

  it('shows no conversion as a dash, not 0 %', () => {
    expect(formatPercent(null, 'en-US')).toBe('—');
    expect(formatPercent(0.123, 'en-US')).toBe('12.3%');
    expect(formatCount(15625, 'en-US')).toBe('15,625');
  });

  it.each([
    ['fr-CH, fr;q=0.9, en;q=0.8', 'fr-CH'],
    ['*', 'en-US'],
    ['', 'en-US'],
    ['not a tag!!, de', 'de'],
  ])('takes the locale of Accept-Language %j as %s', (header, locale) => {
    expect(localeFrom(header)).toBe(locale);
  });

  it('says how long ago in words', () => {
    expect(formatAge(0, 90 * 60_000, 'en-US')).toBe('2 hr. ago');
    expect(formatAge(0, 30_000, 'en-US')).toBe('30 sec. ago');
  });
});

describe('chart data', () => {
  it('sorts band points by time and never draws a band upside down', () => {
    expect(bandRows([{ ts: 2, observed: 5, expected: 3, low: 4, high: 2 }, { ts: 1, observed: 1, expected: 1, low: 0, high: 2 }])).toEqual([
      { ts: 1, observed: 1, expected: 1, band: [0, 2] },
      { ts: 2, observed: 5, expected: 3, band: [2, 4] },
    ]);
  });

  it.each([
    [{ startMs: 5, endMs: 50 }, { x1: 10, x2: 30 }],
    [{ startMs: 0, endMs: 15 }, { x1: 10, x2: 15 }],
    [{ startMs: 40, endMs: 50 }, null],
  ])('clips the anomaly window %j to the charted range', (window, expected) => {
    expect(windowWithin(window, [{ ts: 10 }, { ts: 20 }, { ts: 30 }])).toEqual(expected);
  });

  it('sums grouped traffic per group, largest first, and recomputes conversion from its parts', () => {
    const answer = {
      series: [
        { key: 'GB', points: [{ sends: 4, sessions: 0, verified_sessions: 0, conversion: null }] },
        { key: 'UZ', points: [{ sends: 10, sessions: 10, verified_sessions: 0, conversion: 0 }, { sends: 30, sessions: 30, verified_sessions: 3, conversion: 0.1 }] },
      ],
    };
    expect(shapeRows(answer, { rowsPath: 'series', x: 'key', totalsOf: 'points', fields: ['sends', 'conversion'] })).toEqual([
      { key: 'UZ', sends: 40, conversion: 3 / 40 },
      { key: 'GB', sends: 4, conversion: null },
    ]);
  });

  it('finds no rows where the answer has none, rather than failing', () => {
    expect(shapeRows({ series: [] }, { rowsPath: 'series.0.points', x: 'ts', fields: ['sends'] })).toEqual([]);
  });

  it.each([
    ['sum', 6],
    ['last', 3],
    ['mean', 2],
    ['count', 3],
    ['ratio', 6 / 12],
  ] as const)('reduces rows with %s', (reduce, expected) => {
    expect(reduceRows([{ v: 1, d: 2 }, { v: 2, d: 4 }, { v: 3, d: 6 }], reduce, 'v', 'd')).toBeCloseTo(expected);
  });

  it('has no ratio without a denominator', () => {
    expect(reduceRows([{ v: 1, d: 0 }], 'ratio', 'v', 'd')).toBeNull();
  });

  it('drills country, then prefix, then ASN, and stops there', () => {
    const prefix = drillInto({}, 'country', 'UZ');
    expect(prefix).toEqual({ filters: { country: 'UZ' }, level: 'prefix' });
    const asn = drillInto(prefix.filters, 'prefix', '+998 90');
    expect(asn.level).toBe('asn');
    expect(drillInto(asn.filters, 'asn', '14061').level).toBeNull();
    expect(levelOf({ country: 'UZ', prefix: '+998 90' })).toBe('asn');
  });

  it('reads a summary object as one row', () => {
    expect(shapeRows({ month: { start: 'x', toDateUsd: 12 } }, { rowsPath: 'month', x: 'start', fields: ['toDateUsd'] })).toEqual([{ start: 'x', toDateUsd: 12 }]);
  });

  it('writes a scope the way on-call reads it', () => {
    expect(scopeText({ country: 'UZ', prefix: '+998 90' })).toBe('country=UZ prefix=+998 90');
    expect(scopeText({})).toBe('everything');
  });
});

describe('panel files', () => {
  it.each(readdirSync(DASHBOARDS).filter((f) => f.endsWith('.json')))('dashboards/%s is valid', (file) => {
    const dashboard = parseDashboard(JSON.parse(readFileSync(`${DASHBOARDS}${file}`, 'utf8')), file);
    expect(dashboard.panels.length).toBeGreaterThan(0);
  });

  const valid = { page: 'p', title: 'P', panels: [{ id: 'a', title: 'A', query: { path: '/v1/metrics/traffic', params: { interval: '1h' }, range: '24h' }, chart: 'line', x: 'ts', series: [{ field: 'sends', label: 'Sends' }] }] };
  const broken = (change: Record<string, unknown>) => ({ ...valid, panels: [{ ...valid.panels[0], ...change }] });

  it.each([
    [broken({ chart: 'pie' }), 'panels[0].chart must be one of stat, line, area, bar, table'],
    [broken({ query: { path: 'http://elsewhere/x' } }), 'panels[0].query.path must be an API path'],
    [broken({ query: { path: '/v1/x', range: '2y' } }), 'panels[0].query.range must be one of'],
    [broken({ chart: 'stat' }), 'panels[0].reduce is required for a stat panel'],
    [broken({ series: [] }), 'panels[0].series needs at least one series'],
    [broken({ limit: 0 }), 'panels[0].limit must be a positive integer'],
    [{ ...valid, panels: [valid.panels[0], valid.panels[0]] }, 'panels[1].id "a" is used twice'],
  ])('names the file and the path of a mistake (%#)', (value, message) => {
    expect(() => parseDashboard(value, 'x.json')).toThrow(PanelFileError);
    expect(() => parseDashboard(value, 'x.json')).toThrow(`x.json: ${message}`);
  });

  it('draws at most `limit` rows, largest first, with the denominator kept for ratios', () => {
    const panel = parseDashboard(broken({ rows: 'series', x: 'key', totalsOf: 'points', limit: 1, chart: 'stat', reduce: 'ratio', denominator: 'sessions', series: [{ field: 'verified_sessions', label: 'C' }] }), 'x.json').panels[0]!;
    const answer = { series: [{ key: 'GB', points: [{ verified_sessions: 1, sessions: 2 }] }, { key: 'UZ', points: [{ verified_sessions: 3, sessions: 30 }] }] };
    expect(panelRows(panel, answer)).toEqual([{ key: 'UZ', verified_sessions: 3, sessions: 30 }]);
  });

  it('asks the API for the panel range ending now, with the page filters', () => {
    const panel = parseDashboard(valid, 'x.json').panels[0]!;
    expect(panelRequest(panel, 90_000_000, { app: 'signup', country: undefined })).toBe('/v1/metrics/traffic?interval=1h&from=3600000&to=90000000&app=signup');
  });
});

describe('same-origin posts', () => {
  it.each([
    [{ origin: 'http://127.0.0.1:3000', host: '127.0.0.1:3000' }, undefined, true],
    [{ origin: 'http://evil.example', host: '127.0.0.1:3000' }, undefined, false],
    [{ origin: 'http://127.0.0.1:4000', host: '127.0.0.1:3000' }, undefined, false],
    [{ host: '127.0.0.1:3000' }, undefined, false],
    [{ origin: 'null', host: '127.0.0.1:3000' }, undefined, false],
    [{ origin: 'https://tollgate.example', host: 'web:3000', 'x-forwarded-host': 'tollgate.example' }, undefined, true],
    [{ origin: 'https://tollgate.example', host: 'web:3000' }, 'https://tollgate.example', true],
    [{ origin: 'http://tollgate.example', host: 'web:3000' }, 'https://tollgate.example', false],
  ])('%j (public URL %s) is same-origin: %s', (values, publicUrl, expected) => {
    expect(isSameOrigin(headers(values), publicUrl)).toBe(expected);
  });

  it.each([
    ['/incidents/inc_1', '/incidents/inc_1'],
    ['//evil.example/x', '/'],
    ['/\\evil.example', '/'],
    ['https://evil.example', '/'],
    [undefined, '/'],
  ])('goes back to %s after sign-in as %s', (next, expected) => {
    expect(safeNext(next)).toBe(expected);
  });
});
