/**
 * The files of the rules directory (`TOLLGATE_RULES_DIR`, `alert-rules/` as shipped) that are not
 * alert routing: the routing loader skips them, the breakers read the policy and the detector the
 * budgets. Named here so each reader and the loader agree on one spelling.
 */

/** The breaker policy: velocity limits per app, allowlists, auto-trip rules. */
export const BREAKER_POLICY_FILE = 'breaker-policy.yaml';

/** Monthly spend budgets per app, country or provider, next to the breaker policy and the routing files. */
export const BUDGETS_FILE = 'budgets.yaml';

/** Who may call the provider proxy: Twilio service and account SIDs and Vonage keys mapped to an app and flow. */
export const PROXY_FILE = 'proxy.yaml';
