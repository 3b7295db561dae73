/**
 * Where each panel leads: a number on the overview is a question ("why is spend up?"), and its
 * answer is one click away on the page that explains it. Keyed by `page/panel id` of dashboards/.
 */
const PANEL_LINKS: Readonly<Record<string, string>> = {
  'overview/spend-today': '/spend',
  'overview/spend-month': '/spend',
  'overview/forecast': '/spend',
  'overview/budgets': '/spend',
  'overview/sends-24h': '/traffic?range=24h',
  'overview/conversion-24h': '/traffic?range=24h',
  'overview/traffic-6h': '/traffic?range=6h',
  'overview/cost-by-country': '/traffic?range=24h',
  'overview/saved-24h': '/breakers',
  'overview/decisions-24h': '/breakers',
  'overview/breakers-active': '/breakers',
  'overview/anomalies-24h': '/incidents',
  'spend/spend-by-country': '/traffic?range=30d',
  'spend/spend-by-provider': '/delivery',
};

export function panelLink(page: string, id: string): string | undefined {
  return PANEL_LINKS[`${page}/${id}`];
}

/**
 * Rows a table panel marks as needing attention: a budget forecast at 95 % or more of itself is
 * what finance must see before the month runs out.
 */
const ROW_ALERTS: Readonly<Record<string, { field: string; atLeast: number; label: string }>> = {
  budgets: { field: 'forecastShare', atLeast: 0.95, label: 'forecast at 95 % of the budget or more' },
};

export function rowAlert(panelId: string): { field: string; atLeast: number; label: string } | undefined {
  return ROW_ALERTS[panelId];
}
