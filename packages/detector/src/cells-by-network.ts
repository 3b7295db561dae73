/**
 * The recent fine cells by destination country and client network, kept as the window slides. A
 * country's own people reach it through a few hundred networks, nearly all of them familiar; the
 * sessions that matter to the unfamiliar-network test come from the handful that are not. Grouped
 * this way, a step asks once per network whether it is familiar and reads the cells of the
 * unfamiliar ones only, where walking two hours of cells every minute cost a replay of days more
 * than the rest of the sparse-scope test together. Each step adds the minute that entered and drops
 * the one that left; a minute the book replaced (the live cycle re-reads its mutable minutes) is
 * indexed again.
 */
import { MS_PER_MINUTE, type MinuteCell, type TrafficBook } from './traffic-book.ts';

/** One destination country and client network: its cells by minute, over the span last asked for. */
export interface NetworkCells {
  country: string;
  asn: number;
  minutes: Map<number, MinuteCell[]>;
}

export interface CellsByNetwork {
  /**
   * The book's cells of [fromMs, toMs) by country and network, leaving out those with no known
   * network (no client address). Read-only, and valid until the next call.
   */
  over(book: TrafficBook, fromMs: number, toMs: number): Iterable<NetworkCells>;
}

export function createCellsByNetwork(): CellsByNetwork {
  /** The book's cell list each indexed minute was built from: a replaced minute has a new one. */
  const indexed = new Map<number, readonly MinuteCell[]>();
  const byCountry = new Map<string, Map<number, NetworkCells>>();
  const networks = new Set<NetworkCells>();

  const drop = (minuteMs: number, cells: readonly MinuteCell[]): void => {
    indexed.delete(minuteMs);
    for (const cell of cells) {
      const network = byCountry.get(cell.country)?.get(cell.asn);
      if (!network?.minutes.delete(minuteMs) || network.minutes.size > 0) continue;
      networks.delete(network);
      byCountry.get(cell.country)?.delete(cell.asn);
    }
  };

  const add = (minuteMs: number, cells: readonly MinuteCell[]): void => {
    indexed.set(minuteMs, cells);
    for (const cell of cells) {
      if (cell.asn === 0) continue;
      let ofCountry = byCountry.get(cell.country);
      if (!ofCountry) byCountry.set(cell.country, (ofCountry = new Map()));
      let network = ofCountry.get(cell.asn);
      if (!network) {
        ofCountry.set(cell.asn, (network = { country: cell.country, asn: cell.asn, minutes: new Map() }));
        networks.add(network);
      }
      const list = network.minutes.get(minuteMs);
      if (list) list.push(cell);
      else network.minutes.set(minuteMs, [cell]);
    }
  };

  return {
    over(book, fromMs, toMs) {
      for (const [minuteMs, cells] of indexed) if (minuteMs < fromMs || minuteMs >= toMs) drop(minuteMs, cells);
      for (let m = fromMs; m < toMs; m += MS_PER_MINUTE) {
        const cells = book.cellsOf(m);
        const known = indexed.get(m);
        if (known === cells || (known === undefined && cells.length === 0)) continue;
        if (known) drop(m, known);
        add(m, cells);
      }
      return networks;
    },
  };
}
