/**
 * Hand-made wire events with known answers. Numbers are valid mobile numbers in their countries;
 * times are fixed so rollup minutes are predictable.
 */
export const T0 = Date.parse('2026-11-20T10:00:00Z');

export function sendEvent(i: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    event_id: `send-${i}`,
    ts: new Date(T0 + i * 1000).toISOString(),
    app: 'shop',
    flow: 'signup',
    session_id: `sess-${i}`,
    phone: `+4474001${String(10000 + i).slice(-5)}`,
    ip: '81.2.69.160',
    provider: 'twilio',
    message_id: `SM${String(i).padStart(32, '0')}`,
    status: 'accepted',
    cost: 0.04,
    currency: 'USD',
    ...overrides,
  };
}

export function verifyEvent(i: number, success: boolean, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    event_id: `verify-${i}`,
    ts: new Date(T0 + i * 1000 + 20_000).toISOString(),
    app: 'shop',
    session_id: `sess-${i}`,
    ip: '81.2.69.160',
    success,
    ...overrides,
  };
}

export function ndjson(events: unknown[]): string {
  return `${events.map((e) => JSON.stringify(e)).join('\n')}\n`;
}
