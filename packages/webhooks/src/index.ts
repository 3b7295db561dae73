export * from './webhook-dispatcher.ts';
export * from './retry-schedule.ts';
export * from './webhook-secret.ts';
