import Link from 'next/link';
import { api } from '../lib/api.ts';
import { panelRequest, panelRows, type Panel } from '../lib/panels.ts';
import { PanelBody } from './panel-body.tsx';
import { ErrorState } from './states.tsx';

/** One panel of a dashboards/ file: its query through the API with the viewer's session, drawn as declared. */
export async function PanelView({
  panel,
  locale,
  nowMs,
  filters = {},
  href,
}: {
  panel: Panel;
  locale: string;
  nowMs: number;
  filters?: Record<string, string | undefined>;
  href?: string;
}) {
  const result = await api<unknown>(panelRequest(panel, nowMs, filters));
  return (
    <section className={`panel panel-${panel.chart}`} data-panel={panel.id}>
      <PanelTitle title={panel.title} href={href} />
      {panel.description && <p className="muted small">{panel.description}</p>}
      {result.ok ? (
        <PanelBody panel={panel} rows={panelRows(panel, result.data)} locale={locale} />
      ) : (
        <ErrorState result={result} what={panel.title.toLowerCase()} />
      )}
    </section>
  );
}

/** A panel's title, leading to the page that explains its number when there is one. */
export function PanelTitle({ title, href }: { title: string; href?: string }) {
  return <h3>{href ? <Link href={href}>{title} →</Link> : title}</h3>;
}
