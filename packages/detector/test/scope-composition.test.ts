/**
 * Compositions carried from step to step against `compose` afresh: stepping minute by minute (a
 * replay), with minutes replaced between steps (the live cycle), with a scope read over a window
 * whose length changes (a finding named on another window), and with an ASN found to be hosting
 * between steps, every composition read at a step holds what walking its cells gives.
 */
import { describe, expect, it } from 'vitest';
import type { AsnProfile } from '@tollgate/store';
import { compose, createCompositions, hostingShare, topContributors, type Composition } from '../src/scope-composition.ts';
import type { Scope } from '../src/scope.ts';
import { createTrafficBook, MS_PER_HOUR, MS_PER_MINUTE } from '../src/traffic-book.ts';
import { random, randomCells } from './random-cells.ts';

const START_MS = Date.parse('2026-11-02T00:00:00Z');
const COUNTRIES = ['KG', 'TJ', 'US'];
const ASNS = [1, 2, 3, 4];
const SCOPES: Scope[] = [{ country: 'KG' }, { country: 'TJ', prefix: 'TJ 1' }, {}, { asn: 2 }];

const profile = (asn: number, hosting: boolean): AsnProfile => ({ asn, org: `AS${asn}`, hosting });

/** What attribution reads of a composition: every part with sends, the totals and the hosting share. */
function readable(composition: Composition) {
  const parts = Object.fromEntries(
    (['prefix', 'asn', 'provider', 'country', 'app'] as const).map((dimension) => [
      dimension,
      topContributors(composition, dimension, 100),
    ]),
  );
  return { total: composition.total, hostingSends: composition.hostingSends, hosting: hostingShare(composition), parts };
}

describe('compositions carried from step to step', () => {
  it.each([
    { name: 'a replay stepping over loaded minutes', replaceEvery: 0 },
    { name: 'a live cycle replacing its recent minutes', replaceEvery: 4 },
  ])('equal compositions walked afresh: $name', ({ replaceEvery }) => {
    const next = random(11);
    const book = createTrafficBook({ recentMs: 3 * MS_PER_HOUR, historyMs: 35 * 24 * MS_PER_HOUR });
    const asns = new Map<number, AsnProfile>([[1, profile(1, false)]]);
    const compositions = createCompositions(book, asns);
    const stepsMs = 160;
    for (let m = START_MS; m < START_MS + stepsMs * MS_PER_MINUTE; m += MS_PER_MINUTE)
      book.setMinute(m, randomCells(next, COUNTRIES, ASNS));
    let carried = 0;
    for (let step = 40; step < stepsMs; step += 1) {
      const nowMs = START_MS + step * MS_PER_MINUTE;
      if (replaceEvery > 0 && step % replaceEvery === 0) book.setMinute(nowMs - 2 * MS_PER_MINUTE, randomCells(next, COUNTRIES, ASNS));
      // A bot farm's ASN is profiled while its scope stays named.
      if (step === 90) asns.set(2, profile(2, true));
      // Windows of fixed length, one whose length changes every few steps, and one of an open run.
      const switching = (step % 7 < 3 ? 10 : 30) * MS_PER_MINUTE;
      for (const scope of SCOPES) {
        for (const [fromMs, toMs] of [
          [nowMs - 30 * MS_PER_MINUTE, nowMs],
          [nowMs - switching, nowMs],
          [START_MS + 30 * MS_PER_MINUTE, nowMs],
        ] as const) {
          const got = readable(compositions.at(nowMs, scope, fromMs, toMs));
          expect(got).toEqual(readable(compose(book, asns, scope, fromMs, toMs)));
          if (got.total.sends > 0) carried += 1;
        }
      }
    }
    // The comparisons were on traffic, not on empty windows.
    expect(carried).toBeGreaterThan(1000);
  });
});
