import type { NextConfig } from 'next';

// The dashboard is a separate process that reads only the Tollgate API (TOLLGATE_API_URL).
const config: NextConfig = {
  poweredByHeader: false,
  reactStrictMode: true,
  // The panel files' schema, shared with the Grafana dashboards, is a workspace package in TypeScript.
  transpilePackages: ['@tollgate/panels'],
};

export default config;
