/**
 * What a scope's window traffic is made of, read from the fine cells: which prefixes, ASNs and
 * providers carry it, and how much of it comes from hosting networks. This is the drill-down
 * (country to prefix to ASN) and the bot-farm evidence a spike is judged by.
 */
import type { AsnProfile } from '@tollgate/store';
import { addCounters, zeroCounters, type Counters } from './counters.ts';
import type { Contributor } from './finding.ts';
import { cellInScope, type Scope } from './scope.ts';
import { MS_PER_MINUTE, type TrafficBook } from './traffic-book.ts';

export interface Composition {
  total: Counters;
  hostingSends: number;
  byDimension: Record<'prefix' | 'asn' | 'provider' | 'country' | 'app', Map<string, number>>;
}

function emptyComposition(): Composition {
  return {
    total: zeroCounters(),
    hostingSends: 0,
    byDimension: { prefix: new Map(), asn: new Map(), provider: new Map(), country: new Map(), app: new Map() },
  };
}

/** Moves one part's sends by `by`; a part taken out down to nothing is dropped, so a carried window lists only what it holds. */
function bump(map: Map<string, number>, key: string, by: number, sign: 1 | -1): void {
  const count = (map.get(key) ?? 0) + by;
  if (count === 0 && sign < 0) map.delete(key);
  else map.set(key, count);
}

/** Adds (or with `sign` -1 takes out) one minute's cells of `scope`; a part whose sends fall to nothing is dropped. */
function addMinute(
  composition: Composition,
  book: TrafficBook,
  scope: Scope,
  minuteMs: number,
  sign: 1 | -1,
  asns?: ReadonlyMap<number, AsnProfile>,
): void {
  for (const cell of book.cellsOf(minuteMs)) {
    if (!cellInScope(cell, scope)) continue;
    const sends = sign * cell.counters.sends;
    addCounters(composition.total, cell.counters, sign);
    if (asns?.get(cell.asn)?.hosting) composition.hostingSends += sends;
    bump(composition.byDimension.prefix, cell.prefix, sends, sign);
    bump(composition.byDimension.asn, String(cell.asn), sends, sign);
    bump(composition.byDimension.provider, cell.provider, sends, sign);
    bump(composition.byDimension.country, cell.country, sends, sign);
    bump(composition.byDimension.app, `${cell.app}/${cell.flow}`, sends, sign);
  }
}

export function compose(book: TrafficBook, asns: ReadonlyMap<number, AsnProfile>, scope: Scope, fromMs: number, toMs: number): Composition {
  const composition = emptyComposition();
  for (let m = fromMs; m < toMs; m += MS_PER_MINUTE) addMinute(composition, book, scope, m, 1, asns);
  return composition;
}

/** A scope's composition over a window, as read at step `nowMs`. */
interface HeldComposition {
  nowMs: number;
  version: number;
  scope: Scope;
  fromMs: number;
  toMs: number;
  /** Without its hosting sends, which are counted from its ASNs when read (a profile may arrive between steps). */
  composition: Composition;
}

export interface Compositions {
  /** `compose` of `scope` over [fromMs, toMs) at step `nowMs`. Read-only, and valid for that step only. */
  at(nowMs: number, scope: Scope, fromMs: number, toMs: number): Composition;
}

/**
 * Compositions carried from step to step. A finding that stays named (a pumped country for hours)
 * is attributed again every minute over a window of up to two hours; walking every cell of that
 * window each time made a long attack cost more per step than all the quiet scopes. A window of
 * the same scope read at the step before with the same end is moved instead: the minute that
 * entered is added and the minutes its start moved by are taken out, as long as the book has not
 * changed since (the live cycle re-reads its mutable minutes each cycle, and is composed afresh).
 */
export function createCompositions(book: TrafficBook, asns: ReadonlyMap<number, AsnProfile>): Compositions {
  let previous = new Map<string, HeldComposition[]>();
  let current = new Map<string, HeldComposition[]>();
  let stepMs = Number.NaN;

  const addMinutes = (held: HeldComposition, fromMs: number, toMs: number, sign: 1 | -1) => {
    for (let m = fromMs; m < toMs; m += MS_PER_MINUTE) addMinute(held.composition, book, held.scope, m, sign);
  };

  /** The window of the step before that is cheapest to move to [fromMs, toMs), taken from the pool. */
  const takeNearest = (key: string, fromMs: number, toMs: number): HeldComposition | undefined => {
    const pool = previous.get(key);
    if (!pool) return undefined;
    let best: HeldComposition | undefined;
    for (const held of pool) {
      if (held.version !== book.version || held.nowMs !== stepMs - MS_PER_MINUTE) continue;
      if (!best || Math.abs(held.fromMs - fromMs) < Math.abs(best.fromMs - fromMs)) best = held;
    }
    // Moving costs the minutes between the two starts; composing afresh costs the window's length.
    if (!best || Math.abs(best.fromMs - fromMs) >= toMs - fromMs) return undefined;
    pool.splice(pool.indexOf(best), 1);
    return best;
  };

  return {
    at(nowMs, scope, fromMs, toMs) {
      if (nowMs !== stepMs) {
        // Windows not carried over to this step are dropped: findings that ended would pile up.
        previous = nowMs === stepMs + MS_PER_MINUTE ? current : new Map();
        current = new Map();
        stepMs = nowMs;
      }
      const key = `${JSON.stringify(scope)}@${nowMs - toMs}`;
      let pool = current.get(key);
      if (!pool) current.set(key, (pool = []));
      let held = pool.find((h) => h.fromMs === fromMs && h.version === book.version);
      if (!held) {
        held = toMs > fromMs ? takeNearest(key, fromMs, toMs) : undefined;
        if (held) {
          addMinutes(held, held.toMs, toMs, 1);
          if (fromMs > held.fromMs) addMinutes(held, held.fromMs, fromMs, -1);
          else addMinutes(held, fromMs, held.fromMs, 1);
        } else {
          held = { nowMs, version: book.version, scope, fromMs, toMs, composition: emptyComposition() };
          addMinutes(held, fromMs, toMs, 1);
        }
        held.nowMs = nowMs;
        held.fromMs = fromMs;
        held.toMs = toMs;
        pool.push(held);
      }
      let hostingSends = 0;
      for (const [asn, sends] of held.composition.byDimension.asn) if (asns.get(Number(asn))?.hosting) hostingSends += sends;
      held.composition.hostingSends = hostingSends;
      return held.composition;
    },
  };
}

/** The largest parts of one dimension, with their share of the scope's sends. */
export function topContributors(
  composition: Composition,
  dimension: keyof Composition['byDimension'],
  limit: number,
  asns?: ReadonlyMap<number, AsnProfile>,
): Contributor[] {
  const total = Math.max(1, composition.total.sends);
  return [...composition.byDimension[dimension]]
    .filter(([, count]) => count > 0)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, limit)
    .map(([value, count]) => {
      const contributor: Contributor = { dimension, value, count, share: count / total };
      const profile = dimension === 'asn' ? asns?.get(Number(value)) : undefined;
      if (profile) contributor.label = `${profile.org}${profile.hosting ? ' (hosting)' : ''}`;
      return contributor;
    });
}

export function hostingShare(composition: Composition): number {
  return composition.total.sends > 0 ? composition.hostingSends / composition.total.sends : 0;
}
