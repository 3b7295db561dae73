import type { CallerBinding, ProxyConfig } from './proxy-config.ts';
import type { CallerList, ProxyCall } from './provider-request.ts';

/** The app a call speaks for, or undefined: the call is refused and never relayed. */
export function bindCaller(config: ProxyConfig, call: ProxyCall): CallerBinding | undefined {
  if (call.caller === undefined) return undefined;
  return listOf(config, call.caller.list).get(call.caller.id);
}

function listOf(config: ProxyConfig, list: CallerList): ReadonlyMap<string, CallerBinding> {
  switch (list) {
    case 'twilio_services':
      return config.twilio.services;
    case 'twilio_accounts':
      return config.twilio.accounts;
    case 'vonage_api_keys':
      return config.vonage.apiKeys;
    case 'vonage_applications':
      return config.vonage.applications;
  }
}

/** How proxy.yaml names a caller list, for the refusal that tells the operator what to add. */
export const CALLER_LIST_PATHS: Readonly<Record<CallerList, string>> = {
  twilio_services: 'twilio.services',
  twilio_accounts: 'twilio.accounts',
  vonage_api_keys: 'vonage.api_keys',
  vonage_applications: 'vonage.applications',
};
