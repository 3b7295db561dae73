/**
 * The three apps of the simulated company and how their users use OTP: which flows, how often,
 * how reliably they finish, and the clients they send from.
 */
import type { Flow } from '@tollgate/events';

export const APPS = ['shop', 'bank', 'social'] as const;
export type AppName = (typeof APPS)[number];

/** Share of OTP sessions per app: the social app has the most users and the most logins. */
export const APP_SHARE: Readonly<Record<AppName, number>> = { social: 0.5, shop: 0.3, bank: 0.2 };

/**
 * Flow mix per app. Assumption from common OTP deployments (codes at signup, recovery and
 * step-up): consumer apps verify mostly at login and signup; the bank also asks for step-up on
 * payments and new payees.
 */
export const FLOW_MIX: Readonly<Record<AppName, Readonly<Record<Flow, number>>>> = {
  social: { signup: 0.35, login: 0.45, recovery: 0.12, step_up: 0.08 },
  shop: { signup: 0.3, login: 0.55, recovery: 0.1, step_up: 0.05 },
  bank: { signup: 0.1, login: 0.5, recovery: 0.1, step_up: 0.3 },
};

/**
 * Multiplier on the country's conversion: bank users need the code to get at their money and
 * finish more often; social signups are abandoned more.
 */
export const APP_CONVERSION_FACTOR: Readonly<Record<AppName, number>> = { bank: 1.01, shop: 1, social: 0.985 };

/** A few real client strings: the apps' own mobile clients and mobile browsers. */
export const LEGIT_USER_AGENTS: readonly string[] = [
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.6422.165 Mobile Safari/537.36',
  'Mozilla/5.0 (Linux; Android 13; Redmi Note 12) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.179 Mobile Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
  'okhttp/4.12.0',
  'CFNetwork/1496.0.7 Darwin/23.5.0',
];

/** What scripted clients send when they do not bother to spoof a browser. */
export const SCRIPTED_USER_AGENTS: readonly string[] = ['python-requests/2.31.0', 'Go-http-client/2.0', 'axios/1.6.8', 'curl/8.5.0'];
