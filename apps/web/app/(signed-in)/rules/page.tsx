import { api } from '../../../lib/api.ts';
import type { RouteView, RoutingAnswer, RulesAnswer, Unreachable as UnreachableTarget } from '../../../lib/api-types.ts';
import { bodyEnum } from '../../../lib/openapi.ts';
import { AutoRefresh } from '../../../components/auto-refresh.tsx';
import { EmptyState, ErrorState } from '../../../components/states.tsx';
import { kindText, roleText } from '../../../lib/words.ts';
import { formatTime } from '../../../lib/format.ts';
import { viewerLocale } from '../../../lib/locale.ts';

export const dynamic = 'force-dynamic';

/** A rules file (or a name that holds one) as the operator names it in alert-rules/, not the server machine's absolute path. */
function fileName(text: string, dir: string | undefined): string {
  return dir ? text.split(`${dir}/`).join('') : text;
}

const PROBE_FIELDS = ['kind', 'severity', 'app', 'flow', 'country', 'provider'] as const;

/** The routing tree as people read it, and "who gets paged for this?". */
export default async function RulesPage({ searchParams }: { searchParams: Promise<Record<string, string | undefined>> }) {
  const [params, locale] = await Promise.all([searchParams, viewerLocale()]);
  const nowMs = Date.now();
  const probe: Record<string, string> = {};
  for (const field of PROBE_FIELDS) if (params[field]) probe[field] = params[field]!;
  const [rules, kinds, severities, routing] = await Promise.all([
    api<RulesAnswer>('/v1/rules'),
    // The anomaly kinds and severities the API routes, so the form never offers one it refuses.
    bodyEnum('/v1/rules/test', 'post', 'kind'),
    bodyEnum('/v1/rules/test', 'post', 'severity'),
    probe.kind ? api<RoutingAnswer>('/v1/rules/test', { method: 'POST', body: probe }) : Promise.resolve(null),
  ]);
  return (
    <>
      <h1>Rules and owners</h1>
      <AutoRefresh renderedAt={nowMs} intervalMs={10_000} />
      <h2>Who gets paged for this?</h2>
      <ProbeForm params={params} kinds={kinds} severities={severities} />
      {routing && (!routing.ok ? <ErrorState result={routing} what="the routing answer" /> : <RoutingResult answer={routing.data} />)}

      <h2>Routing tree</h2>
      {!rules.ok ? (
        <ErrorState result={rules} what="the alert rules" />
      ) : (
        <>
          <Unreachable targets={rules.data.unreachable} />
          <p className="muted small">
            Loaded {rules.data.loadedAt ? `${formatTime(rules.data.loadedAt, locale)} UTC` : 'never'}
            {rules.data.lastError && (
              <span className="state error">
                {' '}
                · last reload failed at {formatTime(rules.data.lastError.at, locale)} UTC: {rules.data.lastError.errors.length} error(s);
                the previous rules stay in force
              </span>
            )}
          </p>
          {rules.data.lastError && (
            <ul className="state error small" data-testid="rules-errors">
              {rules.data.lastError.errors.map((error, i) => (
                <li key={i}>{fileName(error, rules.data.dir)}</li>
              ))}
            </ul>
          )}
          {rules.data.route ? (
            <div className="tree" data-testid="route-tree">
              <ul>
                <RouteNode route={rules.data.route} dir={rules.data.dir} />
              </ul>
            </div>
          ) : (
            <EmptyState>No valid rules are loaded.</EmptyState>
          )}
          <h2>Owners</h2>
          {(rules.data.owners ?? []).length === 0 ? (
            <EmptyState>No owners defined.</EmptyState>
          ) : (
            <RuleOwners owners={rules.data.owners!} unreachable={rules.data.unreachable} />
          )}
          <h2>Inhibit rules</h2>
          {(rules.data.inhibit ?? []).length === 0 ? (
            <EmptyState>None.</EmptyState>
          ) : (
            <ul>
              {rules.data.inhibit!.map((rule) => (
                <li key={rule.name}>
                  <strong>{fileName(rule.name, rules.data.dir)}</strong>: while <code>{rule.source.join(', ')}</code> fires, mute{' '}
                  <code>{rule.target.join(', ')}</code>
                  {rule.equal.length > 0 && <> with the same {rule.equal.join(', ')}</>}
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </>
  );
}

/**
 * Destinations that would fail if an incident came now (an unset PagerDuty key, Slack without a
 * token): on-call must not believe someone is paged who is not.
 */
function Unreachable({ targets }: { targets: UnreachableTarget[] }) {
  if (targets.length === 0) return null;
  return (
    <div className="banner" role="alert" data-testid="unreachable">
      <strong>
        {targets.length === 1 ? 'One destination' : `${targets.length} destinations`} cannot be reached: these owners would not hear about
        an incident there.
      </strong>
      <ul>
        {targets.map((t) => (
          <li key={`${t.owner} ${t.channel} ${t.target}`} data-unreachable={`${t.owner} ${t.channel}`}>
            {t.owner}: {t.channel === 'pagerduty' ? 'PagerDuty' : t.channel === 'slack' ? `Slack ${t.target}` : 'webhook'} — {t.reason}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** Beside an owner's destination: that it would fail now, and why. */
function Failing({ targets = [], owner, channel }: { targets?: UnreachableTarget[]; owner: string; channel: string }) {
  const failing = targets.filter((t) => t.owner === owner && t.channel === channel);
  if (failing.length === 0) return null;
  return (
    <span className="field-error" data-failing={`${owner} ${channel}`}>
      {failing.map((t) => t.reason).join('; ')}
    </span>
  );
}

function RouteNode({ route, dir }: { route: RouteView; dir: string | undefined }) {
  return (
    <li>
      <strong>{route.receiver ?? '(inherits)'}</strong>{' '}
      {route.matchers.length > 0 ? <code>{route.matchers.join(', ')}</code> : <span className="muted">everything</span>}
      {route.minCostPerHourUsd !== undefined && <span className="muted"> · at least ${route.minCostPerHourUsd}/h</span>}
      <span className="muted small">
        {' '}
        · pages: {route.page}
        {route.continue && ' · continue'} · {fileName(route.file, dir)}:{route.line}
      </span>
      {route.routes.length > 0 && (
        <ul>
          {route.routes.map((child) => (
            <RouteNode key={child.path} route={child} dir={dir} />
          ))}
        </ul>
      )}
    </li>
  );
}

function RoutingResult({ answer }: { answer: RoutingAnswer }) {
  return (
    <section className="panel" data-testid="routing-answer">
      <p>
        Owner: <strong data-testid="routed-owner">{answer.owner ?? 'nobody (no route matched)'}</strong>
        {answer.copies.length > 0 && <> · copied: {answer.copies.join(', ')}</>}
      </p>
      <table>
        <thead>
          <tr>
            <th>route</th>
            <th>receiver</th>
            <th>channels</th>
            <th>pages?</th>
          </tr>
        </thead>
        <tbody>
          {answer.matches.map((match) => (
            <tr key={match.routePath}>
              <td>
                <code>{match.routePath}</code>
              </td>
              <td>
                {match.receiver}
                {match.copy && ' (copy)'}
              </td>
              <td className="small">
                {[match.slack && `Slack ${match.slack}`, match.webhook && 'webhook'].filter(Boolean).join(', ') || '—'}
              </td>
              <td>
                {match.pages ? 'yes' : 'no'} <span className="muted small">({match.pageReason})</span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {answer.inhibitRules.length > 0 && (
        <p className="muted small">Could be muted by: {answer.inhibitRules.map((r) => r.name).join(', ')}</p>
      )}
    </section>
  );
}

/** "Who gets paged for this?": a hypothetical anomaly's kind, severity and scope. */
function ProbeForm({ params, kinds, severities }: { params: Record<string, string | undefined>; kinds: string[]; severities: string[] }) {
  return (
    <form className="filters" method="get" data-testid="who-gets-paged">
      <label>
        Kind
        {kinds.length > 0 ? (
          <select name="kind" defaultValue={params.kind ?? kinds[0]} required>
            {kinds.map((kind) => (
              <option key={kind} value={kind}>
                {kindText(kind)}
              </option>
            ))}
          </select>
        ) : (
          <input name="kind" defaultValue={params.kind ?? ''} required placeholder="volume_spike" />
        )}
      </label>
      <label>
        Severity
        {severities.length > 0 ? (
          <select name="severity" defaultValue={params.severity ?? 'high'}>
            {severities.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        ) : (
          <input name="severity" defaultValue={params.severity ?? 'high'} />
        )}
      </label>
      {(['app', 'flow', 'country', 'provider'] as const).map((field) => (
        <label key={field}>
          {field}
          <input name={field} defaultValue={params[field] ?? ''} size={10} />
        </label>
      ))}
      <button type="submit" className="primary">
        Route it
      </button>
    </form>
  );
}

/** Each owner's destinations, marked where they would fail now, and their escalation. */
function RuleOwners({ owners, unreachable }: { owners: NonNullable<RulesAnswer['owners']>; unreachable: UnreachableTarget[] }) {
  return (
    <table data-testid="owners">
      <thead>
        <tr>
          <th>owner</th>
          <th>role</th>
          <th>Slack</th>
          <th>PagerDuty</th>
          <th>escalation</th>
        </tr>
      </thead>
      <tbody>
        {owners.map((owner) => (
          <tr key={owner.name}>
            <td>{owner.name}</td>
            <td>{roleText(owner.role)}</td>
            <td>
              {owner.slack ?? '—'} <Failing targets={unreachable} owner={owner.name} channel="slack" />
            </td>
            <td>
              {owner.pagerduty ?? '—'} <Failing targets={unreachable} owner={owner.name} channel="pagerduty" />
            </td>
            <td className="small">
              {owner.escalation.map((step) => `${step.name} after ${Math.round(step.afterMs / 60_000)} min`).join(', ') || '—'}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
