import { labelsOf, type AlertInput } from './alert-input.ts';
import { matchesAll, parseMatcher, type Matcher } from './matcher.ts';

/** A person's "I know, stop telling me" for alerts matching all of its matchers, for a while. */
export interface Silence {
  id: string;
  matchers: Matcher[];
  author: string;
  /** Why: shown beside every alert it mutes, so nobody wonders who hid it. */
  reason: string;
  startsAt: number;
  endsAt: number;
}

export type SilenceDraft = Omit<Silence, 'matchers'> & { matchers: readonly string[] };

export type SilenceParse = { ok: true; silence: Silence } | { ok: false; errors: string[] };

/** The longest silence accepted: a forgotten silence hides the next attack, so silences expire. */
export const MAX_SILENCE_MS = 7 * 24 * 3_600_000;

/**
 * Validates a silence as it comes from the API or the store: matchers in the routing files'
 * syntax, at least one of them (an empty silence would mute everything), an author and a reason,
 * and a window that ends after it starts and lasts at most `MAX_SILENCE_MS`.
 */
export function parseSilence(draft: SilenceDraft): SilenceParse {
  const errors: string[] = [];
  const matchers: Matcher[] = [];
  if (draft.matchers.length === 0) errors.push('matchers: give at least one matcher, e.g. kind="conversion_drop"');
  draft.matchers.forEach((text, index) => {
    const parsed = parseMatcher(text);
    if (parsed.ok) matchers.push(parsed.matcher);
    else errors.push(`matchers[${index}]: ${parsed.error}`);
  });
  if (draft.author.trim() === '') errors.push('author: say who silences');
  if (draft.reason.trim() === '') errors.push('reason: say why, it is shown beside every muted alert');
  if (!(draft.endsAt > draft.startsAt)) errors.push('endsAt: must be after startsAt');
  else if (draft.endsAt - draft.startsAt > MAX_SILENCE_MS) errors.push('endsAt: a silence lasts at most 7 days');
  return errors.length > 0 ? { ok: false, errors } : { ok: true, silence: { ...draft, matchers } };
}

/** The silences that mute this alert now (in effect at `nowMs` and matching all their matchers). */
export function silencedBy(
  silences: readonly Silence[],
  alert: Pick<AlertInput, 'kind' | 'severity' | 'scope' | 'action'>,
  nowMs: number,
): Silence[] {
  const labels = labelsOf(alert);
  return silences.filter((silence) => silence.startsAt <= nowMs && nowMs < silence.endsAt && matchesAll(silence.matchers, labels));
}
