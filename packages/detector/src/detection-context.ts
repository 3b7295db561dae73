/**
 * Everything one detection step reads, at event time `nowMs` (exclusive end of the last complete
 * minute). Detectors are pure functions of it, so the live cycle and the backtest run the same code.
 */
import type { AsnProfile, NumberBlockMinute, VerifyFailureMinute } from '@tollgate/store';
import type { ActivityLog } from './activity-log.ts';
import type { HostingAddresses } from './hosting-addresses.ts';
import type { DetectorConfig } from './detector-config.ts';
import type { PlannedEvent } from './planned-event.ts';
import type { Composition } from './scope-composition.ts';
import type { Counters } from './counters.ts';
import type { LatencyBook } from './latency-book.ts';
import type { CellScope, Scope } from './scope.ts';
import type { ScopeSeries, TrafficBook } from './traffic-book.ts';
import type { UnfamiliarStep } from './unfamiliar-tallies.ts';

export interface DetectionContext {
  nowMs: number;
  book: TrafficBook;
  /** Delivery latency per provider in a country. */
  latency: LatencyBook;
  config: DetectorConfig;
  asns: ReadonlyMap<number, AsnProfile>;
  /**
   * Unverified sessions from networks nobody verified from into their country in the last week,
   * per prefix and country over `unfamiliarWindowsMs` (`unfamiliar-tallies.ts`): brought to this
   * step when asked, so one caller per step.
   */
  unfamiliar(): UnfamiliarStep;
  blocks: ActivityLog<NumberBlockMinute>;
  verifyFailures: ActivityLog<VerifyFailureMinute>;
  /**
   * Sessions from hosting networks per minute and client address over the recent span, and their
   * verified sessions per address and hour over the last week. Read-only.
   */
  addresses: HostingAddresses;
  /** Declared campaigns, launches, migrations and holidays: their volume is expected. */
  planned: readonly PlannedEvent[];
  /**
   * Sums per active scope over [fromMs, toMs), computed once per step and window. Sessions of a
   * verify brute force are left out (they are the `verify_bruteforce` finding's, not traffic).
   */
  window(fromMs: number, toMs: number): ReadonlyMap<ScopeSeries, Counters>;
  /**
   * What a scope's traffic over [fromMs, toMs) is made of (`compose`, brute-force sessions left
   * in), carried from the step before for a scope read again. Read-only.
   */
  compose(scope: Scope, fromMs: number, toMs: number): Composition;
  /** One scope's minute, brute-force sessions left out like `window`'s. */
  minute(series: ScopeSeries, minuteMs: number): Counters | undefined;
  /**
   * The same from one step to the next as long as `minute` gives the same for every minute both
   * steps hold (a replay between its loads); undefined while brute-force sessions are being taken
   * out, since those move with each step.
   */
  minutesVersion: number | undefined;
  /** Sessions of a verify brute force sent in [fromMs, toMs), left out of `window` and `minute`. */
  guessedSessions(fromMs: number, toMs: number): number;
  /** Sessions of a verify brute force sent in one minute from one fine cell (`book.cellsOf` leaves them in). */
  guessedInCell(minuteMs: number, cell: CellScope): number;
}
