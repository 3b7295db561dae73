import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseDashboard, type Dashboard } from './panels.ts';

// Read at request time, so a panel edited in dashboards/ shows on the next load without a build.
const DASHBOARDS_DIR = process.env.TOLLGATE_DASHBOARDS_DIR ?? resolve(process.cwd(), '../../dashboards');

export type DashboardResult = { ok: true; dashboard: Dashboard } | { ok: false; error: string };

export async function loadDashboard(page: string): Promise<DashboardResult> {
  const file = `${page}.json`;
  try {
    const text = await readFile(join(DASHBOARDS_DIR, file), 'utf8');
    return { ok: true, dashboard: parseDashboard(JSON.parse(text), file) };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}
