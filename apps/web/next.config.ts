import type { NextConfig } from 'next';

// The dashboard is a separate process that reads only the Tollgate API (TOLLGATE_API_URL).
const config: NextConfig = {
  poweredByHeader: false,
  reactStrictMode: true,
};

export default config;
