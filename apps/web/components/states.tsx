import type { ApiResult } from '../lib/api.ts';
import { errorText } from '../lib/words.ts';

/** An API failure said plainly: what failed and why in words, the code in a tooltip, and for a 403 what role it takes. */
export function ErrorState({ result, what }: { result: Extract<ApiResult<unknown>, { ok: false }>; what: string }) {
  const forbidden = result.status === 403;
  return (
    <div className={forbidden ? 'state forbidden' : 'state error'} role="status" data-state={forbidden ? 'forbidden' : 'error'}>
      <strong>{forbidden ? `Your role cannot see ${what}.` : `Could not load ${what}.`}</strong>{' '}
      <span className="muted" title={`${result.code}: ${result.message}`} data-code={result.code}>
        {forbidden ? '' : errorText(result.code)}
      </span>
    </div>
  );
}

export function EmptyState({ children }: { children: React.ReactNode }) {
  return (
    <div className="state empty" role="status" data-state="empty">
      {children}
    </div>
  );
}
