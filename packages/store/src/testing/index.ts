/** What other packages' tests take from the store: a throwaway store, and the rows the collectors write. */
export * from './temp-store.ts';
export * from './event-rows.ts';
