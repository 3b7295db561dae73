/** The shapes of `GET /v1/breakers/snapshot` and of breaker webhooks, as the server sends them. */

export interface BreakerScope {
  app?: string;
  flow?: string;
  country?: string;
  prefix?: string;
  asn?: number;
  provider?: string;
}

export interface SnapshotBreaker {
  id: string;
  version?: number;
  scope: BreakerScope;
  action: 'block' | 'challenge' | 'throttle';
  throttle_per_minute?: number;
  mode: 'enforce' | 'shadow';
  state: 'open' | 'half_open' | 'closed';
  probe_share: number;
  expires_at: number | null;
}

export interface BreakerSnapshot {
  version: number;
  generated_at: number;
  breakers: SnapshotBreaker[];
}

export interface BreakerWebhookEvent {
  id: string;
  type: 'breaker.opened' | 'breaker.half_open' | 'breaker.closed' | 'breaker.updated';
  created_at: number;
  data: { breaker: SnapshotBreaker };
}
