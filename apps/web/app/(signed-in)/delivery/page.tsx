import Link from 'next/link';
import { loadDashboard } from '../../../lib/dashboards.ts';
import { viewerLocale } from '../../../lib/locale.ts';
import { INTERVAL_FOR, RANGES } from '../../../lib/panels.ts';
import { AutoRefresh } from '../../../components/auto-refresh.tsx';
import { PanelGrid } from '../../../components/panel-grid.tsx';
import { RangeSelect } from '../../../components/range-select.tsx';

export const dynamic = 'force-dynamic';

type DeliveryRange = keyof typeof RANGES;
const FILTERS = ['provider', 'country', 'carrier'] as const;

/**
 * For the messaging-vendor owner: whether OTPs arrive and how fast, by provider, country and
 * carrier, and the error codes to take to a provider (all panels of dashboards/delivery.json, read
 * for the range and filters chosen here).
 */
export default async function DeliveryPage({ searchParams }: { searchParams: Promise<Record<string, string | undefined>> }) {
  const [params, locale, dashboard] = await Promise.all([searchParams, viewerLocale(), loadDashboard('delivery')]);
  const range: DeliveryRange = params.range && params.range in RANGES ? (params.range as DeliveryRange) : '24h';
  const nowMs = Date.now();
  const filters: Record<string, string | undefined> = {
    from: String(nowMs - RANGES[range]),
    to: String(nowMs),
    interval: INTERVAL_FOR[range],
  };
  for (const name of FILTERS) if (params[name]) filters[name] = params[name];
  return (
    <>
      <h1>Delivery</h1>
      <AutoRefresh renderedAt={nowMs} />
      <p className="muted small">
        From providers&apos; delivery receipts (Twilio status callbacks, Vonage DLRs, the receipt event). Carrier is the receipt&apos;s
        mobile network code, or the number&apos;s carrier prefix.
      </p>
      <form className="filters" method="get">
        <RangeSelect range={range} />
        <label>
          Provider
          <input name="provider" defaultValue={params.provider ?? ''} placeholder="any" size={10} />
        </label>
        <label>
          Country
          <input name="country" defaultValue={params.country ?? ''} placeholder="any" pattern="[A-Z]{2}" size={4} />
        </label>
        <label>
          Carrier
          <input name="carrier" defaultValue={params.carrier ?? ''} placeholder="any" size={8} />
        </label>
        <button type="submit">Apply</button>
        <Link href="/delivery">clear</Link>
      </form>
      {!dashboard.ok ? (
        <p className="state error">Panel file error: {dashboard.error}</p>
      ) : (
        <PanelGrid page="delivery" dashboard={dashboard.dashboard} locale={locale} nowMs={nowMs} filters={filters} />
      )}
    </>
  );
}
