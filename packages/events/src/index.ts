export * from "./rows.ts";
export type * from "./wire.ts";
