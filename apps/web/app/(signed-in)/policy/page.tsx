import { canOperate, currentViewer } from '../../../lib/api.ts';
import { viewerLocale } from '../../../lib/locale.ts';
import { utcInputValue } from '../../../lib/time-input.ts';
import { PolicyBacktest } from './policy-backtest.tsx';
import { roleText } from '../../../lib/words.ts';

export const dynamic = 'force-dynamic';

const HOUR_MS = 3_600_000;
/** A day holds every hour's traffic pattern once; the API replays at most 48 hours. */
const DEFAULT_RANGE_MS = 24 * HOUR_MS;

/**
 * Policy: try a draft breaker policy (risk tiers, limits) on stored history before saving it, and
 * see per app and flow what it would have allowed, challenged and blocked, how many legitimate
 * (verified) users would have met friction, and the spend it would have stopped.
 */
export default async function PolicyPage() {
  const [viewer, locale] = await Promise.all([currentViewer(), viewerLocale()]);
  const toMs = Math.floor(Date.now() / HOUR_MS) * HOUR_MS;
  return (
    <>
      <h1>Policy</h1>
      <p className="muted small">
        Paste a draft of <code>alert-rules/breaker-policy.yaml</code> and replay stored sends through the decision path it describes:
        velocity and account limits, the risk score and its tiers per app and flow, and the breakers as they stood. Nothing is saved; the
        same replay runs with <code>tollgate backtest --policy FILE</code>. Choose thresholds where the blocked share of verified sessions
        (real users) stays near zero while the spend stopped is high.
      </p>
      {!canOperate(viewer) ? (
        <p className="state forbidden" data-state="forbidden">
          Policy replays are run by on-call and admins: your role ({roleText(viewer.role)}) cannot run one.
        </p>
      ) : (
        <PolicyBacktest locale={locale} defaultFrom={utcInputValue(toMs - DEFAULT_RANGE_MS)} defaultTo={utcInputValue(toMs)} />
      )}
    </>
  );
}
