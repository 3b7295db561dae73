export * from './address-ranges.ts';
export * from './egress-allow.ts';
export * from './egress-guard.ts';
