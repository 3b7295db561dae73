import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { TRAFFIC_MEASURES } from '@tollgate/store';
import { scopeText, type Incident, type OwnerPerformance, type TimelineEntry } from '../lib/api-types.ts';
import { bandRows, drillInto, fieldsToAsk, levelOf, pivotRows, reduceRows, shapeRows, windowWithin } from '../lib/chart-data.ts';
import { backWithValues, encodeFieldErrors, FIELD_ERROR_PARAM, fieldErrorsOf, invalid, reasonsFor, typed } from '../lib/form-errors.ts';
import {
  dateTimeFormat,
  formatAge,
  formatCount,
  formatDuration,
  formatMoney,
  formatPercent,
  formatUntil,
  localeFrom,
  numberFormat,
} from '../lib/format.ts';
import { meetsTarget, openByOwner, responseRows } from '../lib/owners.ts';
import { drawnSeries, PanelFileError, panelRequest, panelRows, parseDashboard, rankMeasure } from '../lib/panels.ts';
import { plannedEventIdsOf, plannedState, scopeFromForm } from '../lib/planned.ts';
import { matchersFromText, matchersLike } from '../lib/silences.ts';
import { utcFromInput, utcInputValue } from '../lib/time-input.ts';
import { formatUnit } from '../lib/units.ts';
import { safeNext } from '../lib/safe-next.ts';
import { TRAFFIC_VIEWS, viewFields } from '../lib/traffic-views.ts';
import { isSameOrigin } from '../lib/same-origin.ts';
import { panelLink, rowAlert } from '../lib/panel-links.ts';
import { parsePrefix } from '../lib/prefix.ts';
import { timeTickFormatter } from '../lib/time-ticks.ts';
import { anomalySentence, errorText, incidentHeadline, kindText, providerCodeText, roleText, timelineText } from '../lib/words.ts';

const DASHBOARDS = fileURLToPath(new URL('../../../dashboards/', import.meta.url));
const headers = (values: Record<string, string>) => ({ get: (name: string) => values[name] ?? null });

describe('formatting', () => {
  it('builds a formatter once per locale and options, as charts format every tick with the same few', () => {
    expect(numberFormat('de-DE', { maximumFractionDigits: 0 })).toBe(numberFormat('de-DE', { maximumFractionDigits: 0 }));
    expect(numberFormat('de-DE', { maximumFractionDigits: 1 })).not.toBe(numberFormat('de-DE', { maximumFractionDigits: 0 }));
    expect(numberFormat('en-US', { maximumFractionDigits: 0 })).not.toBe(numberFormat('de-DE', { maximumFractionDigits: 0 }));
    const time = { hour: '2-digit', minute: '2-digit', timeZone: 'UTC' } as const;
    expect(dateTimeFormat('en-GB', time)).toBe(dateTimeFormat('en-GB', { ...time }));
    expect(dateTimeFormat('en-GB', time).format(Date.UTC(2026, 10, 29, 23, 5))).toBe('23:05');
  });

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
    expect(
      bandRows([
        { ts: 2, observed: 5, expected: 3, low: 4, high: 2 },
        { ts: 1, observed: 1, expected: 1, low: 0, high: 2 },
      ]),
    ).toEqual([
      { ts: 1, observed: 1, expected: 1, band: [0, 2] },
      { ts: 2, observed: 5, expected: 3, band: [2, 4] },
    ]);
  });

  it('leaves a gap, not a zero, where a minute had no baseline yet', () => {
    expect(bandRows([{ ts: 1, observed: 3 }])).toEqual([{ ts: 1, observed: 3, expected: null, band: null }]);
  });

  it.each([
    [
      { startMs: 5, endMs: 50 },
      { x1: 10, x2: 30 },
    ],
    [
      { startMs: 0, endMs: 15 },
      { x1: 10, x2: 15 },
    ],
    [{ startMs: 40, endMs: 50 }, null],
  ])('clips the anomaly window %j to the charted range', (window, expected) => {
    expect(windowWithin(window, [{ ts: 10 }, { ts: 20 }, { ts: 30 }])).toEqual(expected);
  });

  it('sums grouped traffic per group, largest first, and recomputes conversion from its parts', () => {
    const answer = {
      series: [
        { key: 'GB', points: [{ sends: 4, sessions: 0, verified_sessions: 0, conversion: null }] },
        {
          key: 'UZ',
          points: [
            { sends: 10, sessions: 10, verified_sessions: 0, conversion: 0 },
            { sends: 30, sessions: 30, verified_sessions: 3, conversion: 0.1 },
          ],
        },
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
    expect(
      reduceRows(
        [
          { v: 1, d: 2 },
          { v: 2, d: 4 },
          { v: 3, d: 6 },
        ],
        reduce,
        'v',
        'd',
      ),
    ).toBeCloseTo(expected);
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
    expect(shapeRows({ month: { start: 'x', toDateUsd: 12 } }, { rowsPath: 'month', x: 'start', fields: ['toDateUsd'] })).toEqual([
      { start: 'x', toDateUsd: 12 },
    ]);
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

  const valid = {
    page: 'p',
    title: 'P',
    panels: [
      {
        id: 'a',
        title: 'A',
        query: { path: '/v1/metrics/traffic', params: { interval: '1h' }, range: '24h' },
        chart: 'line',
        x: 'ts',
        series: [{ field: 'sends', label: 'Sends' }],
      },
    ],
  };
  const broken = (change: Record<string, unknown>) => ({ ...valid, panels: [{ ...valid.panels[0], ...change }] });

  it.each([
    [broken({ chart: 'pie' }), 'panels[0].chart must be one of stat, line, area, bar, table'],
    [broken({ query: { path: 'http://elsewhere/x' } }), 'panels[0].query.path must be an API path'],
    [broken({ query: { path: '/v1/x', range: '2y' } }), 'panels[0].query.range must be one of'],
    [broken({ chart: 'stat' }), 'panels[0].reduce is required for a stat panel'],
    [broken({ series: [] }), 'panels[0].series needs at least one series'],
    [broken({ limit: 0 }), 'panels[0].limit must be a positive integer'],
    [
      broken({ query: { path: '/v1/metrics/traffic', params: { fields: 'sends' } } }),
      'panels[0].query.params.fields is asked for from the series',
    ],
    [broken({ sortBy: 'cost_est_usd' }), 'panels[0].sortBy must be the field of one of the series'],
    [{ ...valid, panels: [valid.panels[0], valid.panels[0]] }, 'panels[1].id "a" is used twice'],
  ])('names the file and the path of a mistake (%#)', (value, message) => {
    expect(() => parseDashboard(value, 'x.json')).toThrow(PanelFileError);
    expect(() => parseDashboard(value, 'x.json')).toThrow(`x.json: ${message}`);
  });

  it('draws at most `limit` rows, largest first, with the denominator kept for ratios', () => {
    const panel = parseDashboard(
      broken({
        rows: 'series',
        x: 'key',
        totalsOf: 'points',
        limit: 1,
        chart: 'stat',
        reduce: 'ratio',
        denominator: 'sessions',
        series: [{ field: 'verified_sessions', label: 'C' }],
      }),
      'x.json',
    ).panels[0]!;
    const answer = {
      series: [
        { key: 'GB', points: [{ verified_sessions: 1, sessions: 2 }] },
        { key: 'UZ', points: [{ verified_sessions: 3, sessions: 30 }] },
      ],
    };
    expect(panelRows(panel, answer)).toEqual([{ key: 'UZ', verified_sessions: 3, sessions: 30 }]);
  });

  it('keeps the largest rows by `sortBy`, whatever order the API answers in', () => {
    const panel = parseDashboard(
      broken({
        chart: 'table',
        rows: 'lines',
        x: 'key',
        sortBy: 'expectedUsd',
        limit: 2,
        series: [
          { field: 'billedUsd', label: 'B' },
          { field: 'expectedUsd', label: 'E' },
        ],
      }),
      'x.json',
    ).panels[0]!;
    const lines = [
      { key: '2026-11 sinch AR', billedUsd: 1, expectedUsd: 1 },
      { key: '2026-11 twilio US', billedUsd: 2, expectedUsd: 90 },
      { key: '2026-11 vonage UZ', billedUsd: 80, expectedUsd: 40 },
    ];
    expect(panelRows(panel, { lines }).map((row) => row.key)).toEqual(['2026-11 twilio US', '2026-11 vonage UZ']);
  });

  it('asks the API for the fields drawn, over the panel range ending now, with the page filters', () => {
    const panel = parseDashboard(valid, 'x.json').panels[0]!;
    expect(panelRequest(panel, 90_000_000, { app: 'signup', country: undefined })).toBe(
      '/v1/metrics/traffic?interval=1h&fields=sends&from=3600000&to=90000000&app=signup',
    );
  });

  it("asks for a ratio's parts with it, since summed rows recompute it from them", () => {
    expect(fieldsToAsk(['sends', 'conversion', 'sessions'])).toEqual(['sends', 'conversion', 'verified_sessions', 'sessions']);
  });

  it('asks once for the fields of every panel of one query on a page, so they share one answer', () => {
    const { panels } = parseDashboard(JSON.parse(readFileSync(`${DASHBOARDS}overview.json`, 'utf8')), 'overview.json');
    const day = ['spend-today', 'sends-24h', 'conversion-24h'].map((id) =>
      panelRequest(
        panels.find((p) => p.id === id)!,
        90_000_000,
      ),
    );
    expect(new Set(day).size).toBe(1);
    expect(new URL(day[0]!, 'http://api').searchParams.get('fields')).toBe('cost_est_usd,sends,verified_sessions,sessions');
  });

  // Every field GET /v1/metrics/traffic can answer, each with its own values: a panel that drew a
  // field it did not ask for would find it missing from the answer cut to what it asked.
  const TRAFFIC_FIELDS = [...Object.keys(TRAFFIC_MEASURES), 'conversion'];
  const point = (ts: number) => Object.fromEntries([['ts', ts], ...TRAFFIC_FIELDS.map((field, i) => [field, (i + 1) * (ts + 2)])]);
  const fullAnswer = {
    series: [
      { key: 'GB', points: [point(1), point(2)] },
      { key: 'UZ', points: [point(3)] },
    ],
  };
  const cutTo = (fields: string[]) => ({
    series: fullAnswer.series.map(({ key, points }) => ({
      key,
      points: points.map((p) => Object.fromEntries(['ts', ...fields].map((f) => [f, p[f]]))),
    })),
  });
  const trafficPanels = readdirSync(DASHBOARDS)
    .filter((f) => f.endsWith('.json'))
    .flatMap((file) =>
      parseDashboard(JSON.parse(readFileSync(`${DASHBOARDS}${file}`, 'utf8')), file).panels.map(
        (panel) => [`${file} ${panel.id}`, panel] as const,
      ),
    )
    .filter(([, panel]) => panel.query.path === '/v1/metrics/traffic');

  it.each(trafficPanels)('%s draws only fields it asks the traffic API for', (_, panel) => {
    const asked = new URL(panelRequest(panel, 90_000_000), 'http://api').searchParams.get('fields')?.split(',');
    expect(asked).toBeDefined();
    expect(asked).not.toContain('phones');
    expect(panelRows(panel, cutTo(asked!))).toEqual(panelRows(panel, fullAnswer));
  });

  it.each([
    ['explorerTotals', { rowsPath: 'series.0.points', x: 'ts' }],
    ['explorerGroups', { rowsPath: 'series', x: 'key', totalsOf: 'points' }],
    ['incidentScope', { rowsPath: 'series.0.points', x: 'ts' }],
  ] as const)('the %s view draws only fields it asks the traffic API for', (view, shape) => {
    const spec = { ...shape, fields: TRAFFIC_VIEWS[view] };
    expect(shapeRows(cutTo(viewFields(view).split(',')), spec)).toEqual(shapeRows(fullAnswer, spec));
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

describe('durations', () => {
  it.each([
    [850, '850 ms'],
    [4_240, '4.2 s'],
    [12 * 60_000 + 10_000, '12 min'],
    [3_600_000, '1 h'],
    [80 * 60_000, '1 h 20 min'],
    [51 * 3_600_000, '2 d 3 h'],
    [null, '—'],
    [undefined, '—'],
  ])('%s ms reads %s', (ms, expected) => {
    expect(formatDuration(ms, 'en-US')).toBe(expected);
  });

  it('says how long until a window ends, and never a negative time', () => {
    expect(formatUntil(2 * 3_600_000, 0, 'en-US')).toBe('in 2 hr.');
    expect(formatUntil(0, 60_000, 'en-US')).toBe('now');
  });

  it.each([
    ['duration', 1_500, '1.5 s'],
    ['text', 'twilio', 'twilio'],
    ['text', '', '—'],
    ['count', 'twilio', '—'],
  ] as const)('formats a %s cell %j as %s', (unit, value, expected) => {
    expect(formatUnit(unit, value, 'en-US')).toBe(expected);
  });
});

describe('field errors from the API', () => {
  it.each([
    [
      'silence details ("field: reason")',
      { field: 'matchers', message: 'x', details: ['matchers[1]: unknown label "colour"', 'endsAt: a silence lasts at most 7 days'] },
      [
        { field: 'matchers[1]', reason: 'unknown label "colour"' },
        { field: 'endsAt', reason: 'a silence lasts at most 7 days' },
      ],
    ],
    [
      'planned event details ({ field, reason })',
      {
        field: 'scope',
        message: 'x',
        details: [
          { field: 'scope', reason: 'name at least one' },
          { field: 'note', reason: 'say what is planned' },
        ],
      },
      [
        { field: 'scope', reason: 'name at least one' },
        { field: 'note', reason: 'say what is planned' },
      ],
    ],
    [
      'a field without details',
      { field: 'password', message: 'must NOT have fewer than 12 characters' },
      [{ field: 'password', reason: 'must NOT have fewer than 12 characters' }],
    ],
    ['details that name no field', { message: 'x', details: { code: 'unknown_owner' } }, []],
    ['the same error twice', { details: ['endsAt: after', 'endsAt: after'] }, [{ field: 'endsAt', reason: 'after' }]],
    ['no error body', undefined, []],
  ])('reads %s', (_case, error, expected) => {
    expect(fieldErrorsOf(error)).toEqual(expected);
  });

  it('carries them in the query and finds each under its form field', () => {
    const query = encodeFieldErrors([
      { field: 'matchers[1]', reason: 'unknown label "colour"' },
      { field: 'scope.country', reason: 'must be two capital letters: GB' },
      { field: 'endsAt', reason: 'must be after startsAt' },
    ]);
    const params = { [FIELD_ERROR_PARAM]: query.getAll(FIELD_ERROR_PARAM) };
    expect(reasonsFor(params[FIELD_ERROR_PARAM], 'matchers')).toEqual(['unknown label "colour"']);
    expect(reasonsFor(params[FIELD_ERROR_PARAM], 'scope')).toEqual(['must be two capital letters: GB']);
    expect(reasonsFor(params[FIELD_ERROR_PARAM], 'ends')).toEqual([]);
    expect(reasonsFor('endsAt:must be after startsAt', 'endsAt')).toEqual(['must be after startsAt']);
    expect(invalid(params, 'endsAt')).toEqual({ 'aria-invalid': true });
    expect(invalid(params, 'reason')).toEqual({});
  });

  it('brings back what was typed, but never a password and never a blank', () => {
    const form = new FormData();
    form.set('name', 'ana');
    form.set('role', 'oncall');
    form.set('password', 'the secret one');
    form.set('note', '');
    expect(backWithValues('/users', form, ['name', 'role', 'note'])).toBe('/users?name=ana&role=oncall');
    expect(backWithValues('/users?x=1', form, ['name'])).toBe('/users?x=1&name=ana');
    expect(backWithValues('/users', form, [])).toBe('/users');
    expect(typed({ name: 'ana', role: ['a', 'b'] }, 'name')).toBe('ana');
    expect(typed({ role: ['a', 'b'] }, 'role', 'viewer')).toBe('viewer');
  });
});

describe('windows typed in UTC', () => {
  it('shows an instant as a datetime-local value in UTC and reads it back as the same instant', () => {
    const ms = Date.UTC(2026, 10, 29, 21, 5);
    expect(utcInputValue(ms + 42_000)).toBe('2026-11-29T21:05');
    expect(Date.parse(utcFromInput(utcInputValue(ms)))).toBe(ms);
  });

  it.each([
    ['2026-11-29T21:05', '2026-11-29T21:05Z'],
    ['2026-11-29T21:05:30', '2026-11-29T21:05:30Z'],
    [' 2026-11-29T21:05 ', '2026-11-29T21:05Z'],
    ['tomorrow', 'tomorrow'],
    ['2026-11-29T21:05+02:00', '2026-11-29T21:05+02:00'],
    ['', ''],
  ])('sends %j to the API as %j', (typedValue, sent) => {
    expect(utcFromInput(typedValue)).toBe(sent);
  });
});

describe('silences', () => {
  it('silences alerts like an anomaly by its kind and the scope labels a silence can match', () => {
    expect(matchersLike({ kind: 'volume_spike', scope: { country: 'UZ', prefix: '+998 90', asn: 64500, app: 'shop' } })).toEqual([
      'kind="volume_spike"',
      'app="shop"',
      'country="UZ"',
    ]);
    expect(matchersLike({ kind: 'conversion_drop', scope: { app: 'a"b' } })).toEqual(['kind="conversion_drop"', 'app="a\\"b"']);
  });

  it('reads one matcher per line, skipping blank lines', () => {
    expect(matchersFromText('kind="volume_spike"\r\n\n  country=~"UZ|TJ"  \n')).toEqual(['kind="volume_spike"', 'country=~"UZ|TJ"']);
  });
});

describe('planned events', () => {
  const entry = (type: string, detail: Record<string, unknown>): TimelineEntry => ({
    at: '2026-11-29T20:00:00Z',
    actor: 'tollgate',
    type,
    ...detail,
  });
  const ID = 'plan_0b5c3a4e-8d1f-4c2b-9a6e-7f1e2d3c4b5a';

  it('finds the planned events an incident carries on its timeline, each once', () => {
    expect(
      plannedEventIdsOf([
        entry('opened', { summary: `mentions ${ID} but is no planned note` }),
        entry('reassigned', {
          from: 'fraud-oncall',
          to: 'growth',
          reason: `planned campaign ${ID} until 2026-11-30 20:00 UTC: Black Friday`,
        }),
        entry('note', { text: `During planned campaign ${ID} until 2026-11-30 20:00 UTC: Black Friday` }),
      ]),
    ).toEqual([ID]);
    expect(plannedEventIdsOf([entry('note', { text: 'no plan here' })])).toEqual([]);
  });

  it.each([
    [0, 'scheduled'],
    [1_000, 'in effect'],
    [2_000, 'ended'],
  ] as const)('at %i ms an event of [1000, 2000) is %s', (nowMs, state) => {
    expect(plannedState({ startsAt: new Date(1_000).toISOString(), endsAt: new Date(2_000).toISOString() }, nowMs)).toBe(state);
  });

  it('builds the scope from the filled fields, the ASN as a number', () => {
    const form = new FormData();
    form.set('country', ' BR ');
    form.set('asn', '64500');
    form.set('app', '');
    expect(scopeFromForm(form)).toEqual({ country: 'BR', asn: 64500 });
    form.set('asn', 'AS64500');
    expect(scopeFromForm(form)).toEqual({ country: 'BR', asn: 'AS64500' });
  });
});

describe('owners', () => {
  const owner = (name: string, change: Partial<OwnerPerformance> = {}): OwnerPerformance => ({
    owner: name,
    role: 'anomaly_response',
    targets: { acknowledgeMs: 300_000, mitigateMs: 1_800_000 },
    incidents: 4,
    open: 1,
    acknowledge: { measured: 3, medianMs: 120_000, p90Ms: 400_000, withinTarget: 2 / 3 },
    mitigate: { measured: 2, medianMs: 600_000, p90Ms: 900_000, withinTarget: 1 },
    overdue: [],
    ...change,
  });

  it("draws median and p90 as shares of each owner's target, leaving out owners without a target or a measure", () => {
    const owners = [owner('fraud-oncall'), owner('finance', { targets: {} }), owner('iam', { acknowledge: { measured: 0 } })];
    expect(responseRows(owners, 'acknowledge')).toEqual([{ owner: 'fraud-oncall', median: 0.4, p90: 400_000 / 300_000 }]);
    expect(responseRows(owners, 'mitigate')).toEqual([
      { owner: 'fraud-oncall', median: 1 / 3, p90: 0.5 },
      { owner: 'iam', median: 1 / 3, p90: 0.5 },
    ]);
  });

  it('judges a target by the p90, and not at all without a target or a measure', () => {
    expect(meetsTarget(owner('a'), 'acknowledge')).toBe(false);
    expect(meetsTarget(owner('a'), 'mitigate')).toBe(true);
    expect(meetsTarget(owner('a', { targets: {} }), 'mitigate')).toBeNull();
    expect(meetsTarget(owner('a', { acknowledge: { measured: 0 } }), 'acknowledge')).toBeNull();
  });

  it('lists open incidents per owner, the longest waiting first, without resolved ones', () => {
    const incident = (id: string, owner: string, openedAt: string, state: Incident['state'] = 'triggered') =>
      ({ id, owner, openedAt, state }) as Incident;
    const byOwner = openByOwner([
      incident('b', 'iam', '2026-11-29T10:00:00Z'),
      incident('a', 'iam', '2026-11-29T09:00:00Z'),
      incident('c', 'fraud', '2026-11-29T08:00:00Z', 'resolved'),
    ]);
    expect([...byOwner.keys()]).toEqual(['iam']);
    expect(byOwner.get('iam')!.map((i) => i.id)).toEqual(['a', 'b']);
  });
});

describe('delivery shaping', () => {
  const answer = {
    series: [
      {
        key: 'twilio',
        points: [
          { ts: 2, p90_ms: 900, receipts: 10, delivered: 9, undelivered: 1, failed: 0, unknown: 0 },
          { ts: 1, p90_ms: 800, receipts: 10, delivered: 10, undelivered: 0, failed: 0, unknown: 0 },
        ],
      },
      { key: '', points: [{ ts: 2, p90_ms: null, receipts: 30, delivered: 15, undelivered: 0, failed: 12, unknown: 3 }] },
    ],
  };

  it('draws one line per group, every row with every group, null where a group has no point', () => {
    expect(pivotRows(answer, { rowsPath: 'series', x: 'ts', field: 'p90_ms', nested: 'points' })).toEqual([
      { ts: 1, twilio: 800, '(unknown)': null },
      { ts: 2, twilio: 900, '(unknown)': null },
    ]);
  });

  it('recomputes outcome shares of a group from its receipts, never summing shares', () => {
    expect(
      shapeRows(answer, {
        rowsPath: 'series',
        x: 'key',
        totalsOf: 'points',
        fields: ['receipts', 'delivered_share', 'failed_share', 'unknown_share'],
      }),
    ).toEqual([
      { key: '', receipts: 30, delivered_share: 0.5, failed_share: 0.4, unknown_share: 0.1 },
      { key: 'twilio', receipts: 20, delivered_share: 19 / 20, failed_share: 0, unknown_share: 0 },
    ]);
  });

  it("names a pivot panel's lines after the groups, in the unit of its one series", () => {
    const panel = parseDashboard(
      {
        page: 'd',
        title: 'D',
        panels: [
          {
            id: 'p',
            title: 'P',
            query: { path: '/v1/metrics/delivery', params: { group_by: 'provider', limit: '5' } },
            chart: 'line',
            rows: 'series',
            x: 'ts',
            pivot: 'points',
            series: [{ field: 'p90_ms', label: 'P90', unit: 'duration' }],
          },
        ],
      },
      'd.json',
    ).panels[0]!;
    const rows = panelRows(panel, answer);
    expect(drawnSeries(panel, rows)).toEqual([
      { field: 'twilio', label: 'twilio', unit: 'duration' },
      { field: '(unknown)', label: '(unknown)', unit: 'duration' },
    ]);
    expect(drawnSeries(panel, [])).toEqual([]);
  });

  it("reads every delivery panel for the page's range and filters instead of its own", () => {
    const { panels } = parseDashboard(JSON.parse(readFileSync(`${DASHBOARDS}delivery.json`, 'utf8')), 'delivery.json');
    const byProvider = panels.find((p) => p.id === 'p90-by-provider')!;
    const request = new URL(
      panelRequest(byProvider, 90_000_000, { from: '1000', to: '2000', interval: '1m', country: 'ID', carrier: undefined }),
      'http://api',
    );
    expect(Object.fromEntries(request.searchParams)).toEqual({
      interval: '1m',
      group_by: 'provider',
      limit: '8',
      from: '1000',
      to: '2000',
      country: 'ID',
    });
    // Panels of one query share one API call per render (the page's GETs are cached by URL).
    expect(new Set(panels.map((p) => panelRequest(p, 90_000_000)))).toHaveProperty('size', 4);
  });

  it.each([
    [
      {
        series: [
          { field: 'a', label: 'A' },
          { field: 'b', label: 'B' },
        ],
      },
    ],
    [{ chart: 'table' }],
    [{ limit: 5 }],
  ])('refuses a pivot panel that cannot draw one field per group (%j)', (change) => {
    const panel = {
      id: 'p',
      title: 'P',
      query: { path: '/v1/metrics/delivery' },
      chart: 'line',
      rows: 'series',
      x: 'ts',
      pivot: 'points',
      series: [{ field: 'p90_ms', label: 'P90' }],
      ...change,
    };
    expect(() => parseDashboard({ page: 'd', title: 'D', panels: [panel] }, 'd.json')).toThrow(
      'd.json: panels[0].pivot draws one series field as a line per group',
    );
  });
});

describe('words for people', () => {
  it.each([
    [
      { kind: 'volume_spike', scope: { country: 'UZ', prefix: '+998 901' }, observed: 450, expected: 0, costPerHourUsd: 154 },
      'Send volume spike in Uzbekistan (+998 901): 450 sends where almost none were expected; $154 an hour.',
    ],
    [
      { kind: 'volume_spike', scope: { country: 'PG' }, observed: 100, expected: 12.4, unit: 'sends per 30 min' },
      'Send volume spike in Papua New Guinea: 100 sends in 30 min where about 12 were expected.',
    ],
    [
      { kind: 'conversion_drop', scope: { country: 'KW', app: 'social' }, observed: 0.08, expected: 0.86 },
      'Verify conversion collapsed in Kuwait, app social: 8% of sessions verified, against 86% normally.',
    ],
    [
      { kind: 'verify_bruteforce', scope: { app: 'bank', flow: 'login' }, observed: 40, expected: 4 },
      'Verify brute force in app bank, login flow: 40 wrong codes tried on one session, address or phone (the limit is 5).',
    ],
    [
      { kind: 'delivery_latency', scope: { provider: 'sinch', country: 'GB' }, observed: 42_000, expected: 3_500 },
      'Deliveries slow in United Kingdom, provider sinch: 90 % of messages delivered within 42 s, against 3.5 s usually.',
    ],
    [
      { kind: 'budget_burn', scope: {}, observed: 1250, expected: 1000 },
      'Budget burning fast in all traffic: $1,250 spent this month of a $1,000 budget.',
    ],
  ])('writes a finding as a sentence with units (%#)', (anomaly, sentence) => {
    expect(anomalySentence(anomaly, 'en-US')).toBe(sentence);
  });

  it('heads an incident with its first finding and counts the others', () => {
    const incident = {
      title: 'country=UZ: 450 sends in 5 min, 450.0x the 0.0 expected',
      anomalies: [
        {
          id: 'a',
          kind: 'volume_spike',
          severity: 'high',
          state: 'open',
          scope: { country: 'UZ' },
          summary: '',
          observed: 450,
          expected: 0,
        },
        { id: 'b', kind: 'conversion_drop', severity: 'high', state: 'open', scope: { country: 'UZ' }, summary: '' },
      ],
    };
    expect(incidentHeadline(incident as never, 'en-US')).toBe(
      'Send volume spike in Uzbekistan: 450 sends where almost none were expected (and 1 more finding).',
    );
    expect(incidentHeadline({ title: 'kept as it is', anomalies: [] }, 'en-US')).toBe('kept as it is');
  });

  it.each([
    ['twilio', '30006', 'Landline or unreachable carrier'],
    ['sinch', '407', 'Unknown number'],
    ['vonage', '6', 'Rejected by anti-spam'],
    [undefined, '30003', 'Handset unreachable (off or out of coverage)'],
    ['twilio', '99999', undefined],
  ])('reads %s error code %s as its meaning', (provider, code, meaning) => {
    expect(providerCodeText(provider, code)).toBe(meaning);
  });

  it('says TG_* codes and roles in words', () => {
    expect(errorText('TG_BREAKER_VERSION_CONFLICT')).toMatch(/^Someone changed this breaker/);
    expect(errorText('HTTP_502')).toBe('The API answered 502.');
    expect(errorText('TG_SOMETHING_NEW')).not.toContain('TG_');
    expect([roleText('oncall'), roleText(null), roleText('messaging-vendor')]).toEqual(['on-call', 'API key', 'messaging vendor']);
    expect(kindText('verify_bruteforce')).toBe('Verify brute force');
    expect(kindText('a_new_kind')).toBe('A new kind');
  });

  it.each([
    [
      {
        type: 'notify_failed',
        actor: 'tollgate',
        channel: 'pagerduty',
        target: 'PD_FRAUD_KEY',
        event: 'trigger',
        error: 'environment variable PD_FRAUD_KEY (the PagerDuty routing key) is not set',
        retrying: false,
      },
      'Alert to PagerDuty PD_FRAUD_KEY failed: environment variable PD_FRAUD_KEY (the PagerDuty routing key) is not set. Nobody was reached there.',
      true,
    ],
    [
      {
        type: 'notify_failed',
        actor: 'tollgate',
        channel: 'slack',
        target: '#fraud',
        event: 'trigger',
        error: 'Slack unreachable',
        retrying: true,
      },
      'Alert to Slack #fraud failed (retrying): Slack unreachable.',
      true,
    ],
    [{ type: 'paged', actor: 'tollgate', target: 'PD_FRAUD_KEY', event: 'trigger' }, 'Paged through PagerDuty (PD_FRAUD_KEY).', false],
    [{ type: 'acknowledged', actor: 'oncall-ana' }, 'Acknowledged by oncall-ana.', false],
  ])('writes a timeline entry as a sentence, failures marked (%#)', (entry, text, failed) => {
    expect(timelineText(entry)).toEqual({ text, failed });
  });
});

describe('prefixes as people type them', () => {
  it.each([
    ['+998 901', '+998 901'],
    ['00998-901', '+998 901'],
    [' +44  740 ', '+44 740'],
  ])('takes %j as %j', (typed, prefix) => {
    expect(parsePrefix(typed)).toEqual({ ok: true, prefix });
  });

  it.each([
    ['+998 90', /covers \+998 900 to \+998 909/],
    ['+998 9012', /\+998 901 covers \+998 9012/],
    ['998901', /calling code, a space and 3 digits/],
  ])('explains why %j is not a prefix', (typed, reason) => {
    const parsed = parsePrefix(typed);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.reason).toMatch(reason);
  });
});

describe('time axes', () => {
  const DAY = 86_400_000;
  const midnight = Date.UTC(2026, 11, 1);
  it.each([
    ['daily buckets by date', [midnight, midnight + DAY, midnight + 2 * DAY], ['Dec 1', 'Dec 2', 'Dec 3']],
    ['minutes by time', [midnight + 60_000, midnight + 120_000], ['12:01 AM', '12:02 AM']],
    [
      'hours over days by date and hour',
      [midnight, midnight + 3_600_000, midnight + 2 * DAY],
      ['Dec 1, 12 AM', 'Dec 1, 01 AM', 'Dec 3, 12 AM'],
    ],
  ])('labels %s', (_what, times, labels) => {
    const tick = timeTickFormatter('en-US', times);
    expect(times.map(tick)).toEqual(labels);
  });
});

describe('top groups by the measure shown', () => {
  it("asks the traffic route for a grouped panel's groups by the first measure it shows", () => {
    const file = parseDashboard(JSON.parse(readFileSync(`${DASHBOARDS}overview.json`, 'utf8')), 'overview.json');
    const byCountry = file.panels.find((p) => p.id === 'cost-by-country')!;
    expect(rankMeasure(byCountry)).toBe('cost_est_usd');
    expect(new URL(panelRequest(byCountry, Date.UTC(2026, 11, 6)), 'http://x').searchParams.get('rank_by')).toBe('cost_est_usd');
    expect(rankMeasure(file.panels.find((p) => p.id === 'sends-24h')!)).toBeUndefined();
  });

  it('links overview panels to the page that explains them, and marks a budget forecast at 95 %', () => {
    expect(panelLink('overview', 'spend-today')).toBe('/spend');
    expect(panelLink('overview', 'nothing')).toBeUndefined();
    expect(rowAlert('budgets')).toMatchObject({ field: 'forecastShare', atLeast: 0.95 });
  });
});
