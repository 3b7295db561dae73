export * from './panel-definition.ts';
export * from './grafana-dashboard.ts';
