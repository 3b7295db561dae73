import type { Dashboard } from '../lib/panels.ts';
import { PanelSlot } from './panel-slot.tsx';

/** A dashboards/ file drawn whole: its stat panels in a row of numbers, then its charts and tables, each streaming in on its own. */
export function PanelGrid({
  page,
  dashboard,
  locale,
  nowMs,
  filters,
}: {
  page: string;
  dashboard: Dashboard;
  locale: string;
  nowMs: number;
  filters?: Record<string, string | undefined>;
}) {
  const stats = dashboard.panels.filter((p) => p.chart === 'stat');
  const others = dashboard.panels.filter((p) => p.chart !== 'stat');
  return (
    <>
      <div className="grid">
        {stats.map((panel) => (
          <PanelSlot key={panel.id} page={page} panel={panel} locale={locale} nowMs={nowMs} filters={filters} />
        ))}
      </div>
      <div className="grid wide" style={{ marginTop: '1rem' }}>
        {others.map((panel) => (
          <PanelSlot key={panel.id} page={page} panel={panel} locale={locale} nowMs={nowMs} filters={filters} />
        ))}
      </div>
    </>
  );
}
