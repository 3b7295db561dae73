import Link from 'next/link';
import { api } from '../../../lib/api.ts';
import type { TrafficAnswer } from '../../../lib/api-types.ts';
import { DRILL_LEVELS, drillInto, levelOf, shapeRows, type DrillLevel, type Row } from '../../../lib/chart-data.ts';
import { formatCount, formatMoney, formatPercent } from '../../../lib/format.ts';
import { viewerLocale } from '../../../lib/locale.ts';
import { INTERVAL_FOR, RANGES } from '../../../lib/panels.ts';
import { TRAFFIC_VIEWS, viewFields } from '../../../lib/traffic-views.ts';
import { AutoRefresh } from '../../../components/auto-refresh.tsx';
import { Chart } from '../../../components/chart.tsx';
import { RangeSelect } from '../../../components/range-select.tsx';
import { EmptyState, ErrorState } from '../../../components/states.tsx';

export const dynamic = 'force-dynamic';

type TrafficRange = keyof typeof RANGES;

/** Country -> prefix -> ASN: where the sends go and whether they verify, within a range, provider and app. */
export default async function TrafficPage({ searchParams }: { searchParams: Promise<Record<string, string | undefined>> }) {
  const params = await searchParams;
  const locale = await viewerLocale();
  const range: TrafficRange = params.range && params.range in RANGES ? (params.range as TrafficRange) : '24h';
  const nowMs = Date.now();
  const drill: Partial<Record<DrillLevel, string>> = {};
  for (const level of DRILL_LEVELS) if (params[level]) drill[level] = params[level];
  const level = levelOf(drill);
  const base = new URLSearchParams({ interval: INTERVAL_FOR[range], from: String(nowMs - RANGES[range]), to: String(nowMs) });
  for (const name of ['provider', 'app'] as const) if (params[name]) base.set(name, params[name]!);
  for (const [name, value] of Object.entries(drill)) base.set(name, value);
  const totals = new URLSearchParams({ ...Object.fromEntries(base), fields: viewFields('explorerTotals') });
  // A toll-fraud tool lists the costliest places first: ranked by sends, a quiet expensive country hides behind busy cheap ones.
  const rank = params.rank === 'sends' ? 'sends' : 'cost';
  const grouped = level
    ? new URLSearchParams({
        ...Object.fromEntries(base),
        group_by: level,
        limit: '25',
        rank_by: rank === 'cost' ? 'cost_est_usd' : 'sends',
        fields: viewFields('explorerGroups'),
      })
    : null;
  const [total, groups] = await Promise.all([
    api<TrafficAnswer>(`/v1/metrics/traffic?${totals}`),
    grouped ? api<TrafficAnswer>(`/v1/metrics/traffic?${grouped}`) : Promise.resolve(null),
  ]);
  const keep = (extra: Record<string, string | undefined>) => {
    const next = new URLSearchParams();
    for (const [k, v] of Object.entries({ range, provider: params.provider, app: params.app, rank: params.rank, ...drill, ...extra }))
      if (v) next.set(k, v);
    return `/traffic?${next}`;
  };
  const rows = total.ok ? shapeRows(total.data, { rowsPath: 'series.0.points', x: 'ts', fields: TRAFFIC_VIEWS.explorerTotals }) : [];
  const groupRows = groups?.ok
    ? shapeRows(groups.data, {
        rowsPath: 'series',
        x: 'key',
        totalsOf: 'points',
        fields: TRAFFIC_VIEWS.explorerGroups,
        sortBy: rank === 'cost' ? 'cost_est_usd' : 'sends',
      })
    : [];
  return (
    <>
      <h1>Traffic explorer</h1>
      <AutoRefresh renderedAt={nowMs} />
      <form className="filters" method="get">
        <RangeSelect range={range} />
        <label>
          Provider
          <input name="provider" defaultValue={params.provider ?? ''} placeholder="any" />
        </label>
        <label>
          App
          <input name="app" defaultValue={params.app ?? ''} placeholder="any" />
        </label>
        <label>
          Largest by
          <select name="rank" defaultValue={rank}>
            <option value="cost">estimated cost</option>
            <option value="sends">sends</option>
          </select>
        </label>
        {Object.entries(drill).map(([k, v]) => (
          <input key={k} type="hidden" name={k} value={v} />
        ))}
        <button type="submit">Apply</button>
      </form>
      <p className="crumbs" data-testid="drill">
        <Link href={keep({ country: undefined, prefix: undefined, asn: undefined })}>all countries</Link>
        {drill.country && (
          <>
            {' '}
            / <Link href={keep({ prefix: undefined, asn: undefined })}>{drill.country}</Link>
          </>
        )}
        {drill.prefix && (
          <>
            {' '}
            / <Link href={keep({ asn: undefined })}>{drill.prefix}</Link>
          </>
        )}
        {drill.asn && <> / AS{drill.asn}</>}
      </p>
      {!total.ok ? (
        <ErrorState result={total} what="traffic" />
      ) : rows.length === 0 ? (
        <EmptyState>No sends in this range and scope.</EmptyState>
      ) : (
        <TrafficCharts rows={rows} locale={locale} />
      )}
      {level && groups && (
        <>
          <h2>By {level}</h2>
          <p className="muted small">
            The 25 {level === 'asn' ? 'networks' : `${level === 'country' ? 'countries' : 'prefixes'}`} with the most{' '}
            {rank === 'cost' ? 'estimated cost' : 'sends'}.
          </p>
          {!groups.ok ? (
            <ErrorState result={groups} what={`traffic by ${level}`} />
          ) : groupRows.length === 0 ? (
            <EmptyState>No {level} to show.</EmptyState>
          ) : (
            <GroupsTable rows={groupRows} drill={drill} level={level} keep={keep} locale={locale} />
          )}
        </>
      )}
    </>
  );
}

/** Sends against verified sessions, and the conversion between them, over the range. */
function TrafficCharts({ rows, locale }: { rows: Row[]; locale: string }) {
  return (
    <div className="grid wide">
      <section className="panel">
        <h3>Sends and verified sessions</h3>
        <Chart
          kind="area"
          rows={rows}
          x="ts"
          series={[
            { field: 'sends', label: 'Sends', unit: 'count' },
            { field: 'verified_sessions', label: 'Verified', unit: 'count' },
          ]}
          locale={locale}
        />
      </section>
      <section className="panel">
        <h3>Conversion</h3>
        <Chart kind="line" rows={rows} x="ts" series={[{ field: 'conversion', label: 'Conversion', unit: 'percent' }]} locale={locale} />
      </section>
    </div>
  );
}

/** The largest countries, prefixes or networks at this level, each a link one level down. */
function GroupsTable({
  rows,
  drill,
  level,
  keep,
  locale,
}: {
  rows: Row[];
  drill: Partial<Record<DrillLevel, string>>;
  level: DrillLevel;
  keep: (extra: Record<string, string | undefined>) => string;
  locale: string;
}) {
  return (
    <div className="table-wrap">
      <table data-testid="groups">
        <thead>
          <tr>
            <th>{level}</th>
            <th className="num">sends</th>
            <th className="num">conversion</th>
            <th className="num">estimated cost</th>
            <th className="num">billed</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => {
            const value = String(row.key ?? '');
            const next = drillInto(drill, level, value);
            return (
              <tr key={value}>
                <td>{value ? <Link href={keep(next.filters)}>{level === 'asn' ? `AS${value}` : value}</Link> : '(unknown)'}</td>
                <td className="num">{formatCount(row.sends as number, locale)}</td>
                <td className="num">{formatPercent(row.conversion as number | null, locale)}</td>
                <td className="num">{formatMoney(row.cost_est_usd as number, locale)}</td>
                <td className="num">{formatMoney(row.cost_billed_usd as number, locale)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
