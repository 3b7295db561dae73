/**
 * Kept tallies of unverified sessions from unfamiliar networks against a fresh count of the book's
 * cells at every step: stepping minute by minute (a replay), with minutes replaced between steps
 * (the live cycle), with hourly pruning, a jump ahead (a restart), networks turning familiar and
 * others forgotten a week after their last verified session. A scope whose tally grew is due.
 */
import type { AsnProfile } from '@tollgate/store';
import { describe, expect, it } from 'vitest';
import { reachableSessions, zeroCounters } from '../src/counters.ts';
import { createFamiliarNetworks, FAMILIAR_MS, type FamiliarNetworks } from '../src/familiar-networks.ts';
import type { CellScope } from '../src/scope.ts';
import {
  createTrafficBook,
  levelKey,
  MS_PER_HOUR,
  MS_PER_MINUTE,
  type MinuteCell,
  type ScopeSeries,
  type TrafficBook,
} from '../src/traffic-book.ts';
import { createUnfamiliarTallies, type UnfamiliarTally } from '../src/unfamiliar-tallies.ts';
import { unverified } from '../src/unverified-sessions.ts';
import { random, randomCells } from './random-cells.ts';

const START_MS = Date.parse('2026-11-02T00:00:00Z');
const COUNTRIES = ['KG', 'TJ', 'US'];
/** 0: no client address; 9: hosting; 7 and 8: verified from as they go; 10-15: last verified from a week before, forgotten one by one. */
const ASNS = [0, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17];
const ASN_PROFILES = new Map<number, AsnProfile>(ASNS.map((asn) => [asn, { asn, org: `AS${asn}`, hosting: asn === 9 }]));
const WINDOWS_MS = [10, 30, 60, 120].map((minutes) => minutes * MS_PER_MINUTE);
const GRACE_MS = 2 * MS_PER_MINUTE;

type Guessed = (minuteMs: number, cell: CellScope) => number;
const NONE: Guessed = () => 0;

/** Each prefix's and country's tally over one window, counted from the book's cells. */
function fresh(
  book: TrafficBook,
  networks: FamiliarNetworks,
  nowMs: number,
  windowMs: number,
  guessed: Guessed,
): Map<ScopeSeries, UnfamiliarTally> {
  const counts = new Map<ScopeSeries, { sessions: number; networks: Set<number>; matured: number; lastMs: number }>();
  for (let m = nowMs - windowMs; m < nowMs; m += MS_PER_MINUTE) {
    for (const cell of book.cellsOf(m)) {
      if (cell.asn === 0 || ASN_PROFILES.get(cell.asn)?.hosting || networks.isFamiliar(cell.country, cell.asn, nowMs)) continue;
      const young = m >= nowMs - GRACE_MS;
      const sessions = (young ? reachableSessions(cell.counters) : unverified(cell.counters)) - guessed(m, cell);
      if (sessions <= 0) continue;
      for (const level of ['prefix', 'country'] as const) {
        const series = book.levels.get(level)?.get(levelKey(level, cell)) as ScopeSeries;
        const count = counts.get(series) ?? { sessions: 0, networks: new Set<number>(), matured: 0, lastMs: m };
        count.sessions += sessions;
        count.networks.add(cell.asn);
        if (!young) count.matured += sessions;
        count.lastMs = m;
        counts.set(series, count);
      }
    }
  }
  const tallies = new Map<ScopeSeries, UnfamiliarTally>();
  for (const [series, c] of counts) {
    tallies.set(series, {
      sessions: c.sessions,
      networks: c.networks.size,
      matured: c.matured,
      arriving: c.lastMs >= nowMs - windowMs / 4,
    });
  }
  return tallies;
}

/** Whether a tally has more sessions or networks than before, or its sessions arrive again. */
function grew(before: UnfamiliarTally | undefined, after: UnfamiliarTally | undefined): boolean {
  if (!after) return false;
  if (!before) return true;
  return after.sessions > before.sessions || after.networks > before.networks || (after.arriving && !before.arriving);
}

function sparseScopes(book: TrafficBook): ScopeSeries[] {
  return [...(book.levels.get('prefix')?.values() ?? []), ...(book.levels.get('country')?.values() ?? [])];
}

describe('unfamiliar tallies', () => {
  it.each([
    { name: 'a replay stepping over loaded minutes', replaceEvery: 0 },
    { name: 'a live cycle replacing its recent minutes', replaceEvery: 3 },
  ])('equal a fresh count at every step: $name', ({ replaceEvery }) => {
    const next = random(17);
    // Minutes are kept for less than the longest window, so pruning takes some from under the tallies.
    const book = createTrafficBook({ recentMs: 100 * MS_PER_MINUTE, historyMs: 35 * 24 * MS_PER_HOUR });
    const networks = createFamiliarNetworks();
    for (const asn of [10, 11, 12, 13, 14, 15]) {
      for (const country of COUNTRIES) networks.recordHour(START_MS - FAMILIAR_MS + (asn - 9) * 40 * MS_PER_MINUTE, country, asn, 1);
    }
    const tallies = createUnfamiliarTallies({ book, networks, asns: ASN_PROFILES, windowsMs: WINDOWS_MS, graceMs: GRACE_MS });
    const stepsMs = 400;
    for (let m = START_MS; m < START_MS + stepsMs * MS_PER_MINUTE; m += MS_PER_MINUTE)
      book.setMinute(m, randomCells(next, COUNTRIES, ASNS));
    // Guessing sessions: one in each cell of network 16 sent in an even minute.
    const guessed: Guessed = (m, cell) => (cell.asn === 16 && (m / MS_PER_MINUTE) % 2 === 0 ? 1 : 0);
    let previous = new Map<number, Map<ScopeSeries, UnfamiliarTally>>();
    let compared = 0;
    for (let step = 20; step < stepsMs; step += step === 200 ? 90 : 1) {
      const nowMs = START_MS + step * MS_PER_MINUTE;
      if (replaceEvery > 0 && step % replaceEvery === 0) {
        book.setMinute(nowMs - 2 * MS_PER_MINUTE, randomCells(next, COUNTRIES, ASNS));
        book.setMinute(nowMs - MS_PER_MINUTE, []);
      }
      if (step % 60 === 0) {
        book.commitUntil(nowMs - 2 * MS_PER_MINUTE);
        book.prune(nowMs);
      }
      // Networks 7 and 8 are verified from as they go, and network 10 again once it was forgotten.
      const verifying = step > 300 ? [7, 8, 10] : [7, 8];
      networks.record(
        nowMs - MS_PER_MINUTE,
        book.cellsOf(nowMs - MS_PER_MINUTE).filter((cell) => verifying.includes(cell.asn)),
      );
      const at = tallies.at(nowMs);
      const current = new Map<number, Map<ScopeSeries, UnfamiliarTally>>();
      for (const windowMs of WINDOWS_MS) {
        const want = fresh(book, networks, nowMs, windowMs, NONE);
        const wantWithout = fresh(book, networks, nowMs, windowMs, guessed);
        for (const series of sparseScopes(book)) {
          expect(at.tally(series, windowMs), `${series.key} over ${windowMs / MS_PER_MINUTE} min at ${step}`).toEqual(want.get(series));
          expect(at.recount(series, windowMs, guessed)).toEqual(wantWithout.get(series));
          if (grew(previous.get(windowMs)?.get(series), want.get(series)))
            expect(at.due.has(series), `${series.key} due at ${step}`).toBe(true);
        }
        current.set(windowMs, want);
        compared += want.size;
      }
      previous = current;
    }
    expect(compared).toBeGreaterThan(5000);
  });
});

describe('familiar networks', () => {
  it('hand over a network when someone first verifies from it and when it is forgotten a week after the last', () => {
    const networks = createFamiliarNetworks();
    const cell = { app: 'a', flow: 'f', country: 'KG', prefix: 'KG 1', asn: 7, provider: 'p' };
    const verified = (n: number): MinuteCell => ({ ...cell, counters: { ...zeroCounters(), sends: 2, sessions: 2, verifiedSessions: n } });
    networks.record(START_MS, [verified(1)]);
    expect(networks.changesAt(START_MS + MS_PER_MINUTE)).toEqual([{ country: 'KG', asn: 7 }]);
    // Verified from again a day later: still familiar a week after the first, and nothing to hand over.
    networks.record(START_MS + 24 * MS_PER_HOUR, [verified(2)]);
    expect(networks.changesAt(START_MS + FAMILIAR_MS + MS_PER_MINUTE)).toEqual([]);
    expect(networks.isFamiliar('KG', 7, START_MS + FAMILIAR_MS + MS_PER_MINUTE)).toBe(true);
    // A week after the last, forgotten, and handed over once.
    const forgottenMs = START_MS + 24 * MS_PER_HOUR + FAMILIAR_MS + MS_PER_MINUTE;
    expect(networks.changesAt(forgottenMs)).toEqual([{ country: 'KG', asn: 7 }]);
    expect(networks.isFamiliar('KG', 7, forgottenMs)).toBe(false);
    expect(networks.changesAt(forgottenMs + MS_PER_MINUTE)).toEqual([]);
    // Sessions that did not verify make nothing familiar.
    networks.record(forgottenMs, [verified(0)]);
    expect(networks.changesAt(forgottenMs + 2 * MS_PER_MINUTE)).toEqual([]);
  });
});
