'use client';

import { useState, type FormEvent } from 'react';
import type { ApiResult } from '../../../lib/api.ts';
import type { PolicyBacktestAnswer, PolicyBacktestGroup } from '../../../lib/api-types.ts';
import { formatCount, formatMoney, formatPercent } from '../../../lib/format.ts';
import { Chart } from '../../../components/chart.tsx';

type Run = { state: 'idle' } | { state: 'running' } | { state: 'done'; result: ApiResult<PolicyBacktestAnswer> };

const SHARE_SERIES = [
  { field: 'allowed', label: 'allowed', unit: 'percent' as const },
  { field: 'challenged', label: 'challenged', unit: 'percent' as const },
  { field: 'blocked', label: 'blocked', unit: 'percent' as const },
];

const share = (part: number, whole: number) => (whole === 0 ? null : part / whole);
const verifiedOf = (g: PolicyBacktestGroup) => g.verified.allowed + g.verified.challenged + g.verified.blocked;

/** The draft, the range and the replay's answer: a chart of decisions per app and flow and the table behind it. */
export function PolicyBacktest({ locale, defaultFrom, defaultTo }: { locale: string; defaultFrom: string; defaultTo: string }) {
  const [run, setRun] = useState<Run>({ state: 'idle' });

  async function replay(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setRun({ state: 'running' });
    try {
      const res = await fetch('/policy/backtest', { method: 'POST', body: new FormData(event.currentTarget) });
      setRun({ state: 'done', result: (await res.json()) as ApiResult<PolicyBacktestAnswer> });
    } catch {
      setRun({
        state: 'done',
        result: { ok: false, status: 0, code: 'TG_WEB_UNREACHABLE', message: 'The dashboard did not answer: try again.' },
      });
    }
  }

  return (
    <>
      <form className="stack" onSubmit={replay} data-testid="policy-backtest">
        <label>
          Draft policy (YAML)
          <textarea
            name="policy"
            required
            rows={18}
            spellCheck={false}
            placeholder={'version: 1\nrisk:\n  tiers:\n    defaults: { medium: 40, high: 70, challenge: captcha }'}
          />
        </label>
        <div className="row">
          <label>
            From (UTC)
            <input type="datetime-local" name="from" required defaultValue={defaultFrom} />
          </label>
          <label>
            To (UTC), at most 48 hours later
            <input type="datetime-local" name="to" required defaultValue={defaultTo} />
          </label>
        </div>
        <button type="submit" className="primary" disabled={run.state === 'running'}>
          {run.state === 'running' ? 'Replaying…' : 'Replay history'}
        </button>
      </form>
      {run.state === 'done' && !run.result.ok && (
        <p className="state error" data-state="error" role="alert">
          {run.result.message} ({run.result.code})
        </p>
      )}
      {run.state === 'done' && run.result.ok && <Report answer={run.result.data} locale={locale} />}
    </>
  );
}

function Report({ answer, locale }: { answer: PolicyBacktestAnswer; locale: string }) {
  if (answer.groups.length === 0)
    return (
      <p className="state empty" data-state="empty">
        No sends stored in this range: pick one with traffic.
      </p>
    );
  const rows = answer.groups.map((g) => ({
    scope: `${g.app} ${g.flow}`,
    allowed: share(g.allowed, g.sessions),
    challenged: share(g.challenged, g.sessions),
    blocked: share(g.blocked, g.sessions),
  }));
  return (
    <section data-testid="policy-report">
      <h2>Sessions by decision, per app and flow</h2>
      <Chart kind="bar" rows={rows} x="scope" series={SHARE_SERIES} locale={locale} />
      <table>
        <thead>
          <tr>
            <th>app</th>
            <th>flow</th>
            <th className="num">sessions</th>
            <th className="num">allowed</th>
            <th className="num">challenged</th>
            <th className="num">blocked</th>
            <th className="num">verified sessions that met friction</th>
            <th className="num">spend</th>
            <th className="num">spend stopped</th>
          </tr>
        </thead>
        <tbody>
          {[...answer.groups, answer.total].map((g) => (
            <tr key={`${g.app} ${g.flow}`} data-group={`${g.app} ${g.flow}`}>
              <td>{g.app === '*' ? <strong>all</strong> : g.app}</td>
              <td>{g.flow === '*' ? '' : g.flow}</td>
              <td className="num">{formatCount(g.sessions, locale)}</td>
              <td className="num">{formatPercent(share(g.allowed, g.sessions), locale)}</td>
              <td className="num">{formatPercent(share(g.challenged, g.sessions), locale)}</td>
              <td className="num">{formatPercent(share(g.blocked, g.sessions), locale)}</td>
              <td className="num" data-field="friction" data-value={share(g.verified.challenged + g.verified.blocked, verifiedOf(g)) ?? ''}>
                {formatPercent(share(g.verified.challenged + g.verified.blocked, verifiedOf(g)), locale)}
                <div className="muted small">of {formatCount(verifiedOf(g), locale)}</div>
              </td>
              <td className="num">{formatMoney(g.spend_usd, locale)}</td>
              <td className="num" data-field="stopped" data-value={g.spend_stopped_usd}>
                {formatMoney(g.spend_stopped_usd, locale)}
                <div className="muted small">{formatMoney(g.spend_challenged_usd, locale)} challenged</div>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
