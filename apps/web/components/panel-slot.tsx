import { Suspense } from 'react';
import type { Panel } from '../lib/panels.ts';
import { DeferredPanel } from './deferred-panel.tsx';
import { PanelTitle, PanelView } from './panel-view.tsx';

/**
 * A panel that streams in on its own: the page and its fast panels show at once, a slow query
 * shows "loading" under its title instead of holding up everything else. A deferred panel is
 * loaded by the browser after the page is up.
 */
export function PanelSlot({
  page,
  ...props
}: {
  page: string;
  panel: Panel;
  locale: string;
  nowMs: number;
  filters?: Record<string, string | undefined>;
  href?: string;
}) {
  if (props.panel.defer)
    return <DeferredPanel page={page} panel={props.panel} locale={props.locale} renderedAt={props.nowMs} href={props.href} />;
  return (
    <Suspense
      fallback={
        <section className={`panel panel-${props.panel.chart}`} data-panel={props.panel.id} data-state="loading">
          <PanelTitle title={props.panel.title} href={props.href} />
          <p className="muted small" role="status">
            Loading…
          </p>
        </section>
      }
    >
      <PanelView {...props} />
    </Suspense>
  );
}
