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

export function compose(book: TrafficBook, asns: ReadonlyMap<number, AsnProfile>, scope: Scope, fromMs: number, toMs: number): Composition {
  const composition: Composition = {
    total: zeroCounters(),
    hostingSends: 0,
    byDimension: { prefix: new Map(), asn: new Map(), provider: new Map(), country: new Map(), app: new Map() },
  };
  const bump = (map: Map<string, number>, key: string, by: number) => map.set(key, (map.get(key) ?? 0) + by);
  for (let m = fromMs; m < toMs; m += MS_PER_MINUTE) {
    for (const cell of book.cellsOf(m)) {
      if (!cellInScope(cell, scope)) continue;
      const sends = cell.counters.sends;
      addCounters(composition.total, cell.counters);
      if (asns.get(cell.asn)?.hosting) composition.hostingSends += sends;
      bump(composition.byDimension.prefix, cell.prefix, sends);
      bump(composition.byDimension.asn, String(cell.asn), sends);
      bump(composition.byDimension.provider, cell.provider, sends);
      bump(composition.byDimension.country, cell.country, sends);
      bump(composition.byDimension.app, `${cell.app}/${cell.flow}`, sends);
    }
  }
  return composition;
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
