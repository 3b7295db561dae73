/**
 * The proxy file (`alert-rules/proxy.yaml`): which Twilio service and account SIDs and Vonage API
 * keys and applications Tollgate relays for, and the app and flow each speaks for. Read with the
 * breakers' YAML reader, so a mistake is reported like one in the breaker policy: file, line, path.
 */
import { readYaml, type Located, type PolicyError, type YamlReader } from '@tollgate/vocabulary';
import { FLOWS } from '@tollgate/events';
import type { CallerBinding, ProxyConfig } from './proxy-config.ts';

export type ProxyFileParse = { ok: true; config: ProxyConfig } | { ok: false; errors: PolicyError[] };

const TOP_KEYS = ['twilio', 'vonage'] as const;
const TWILIO_KEYS = ['services', 'accounts'] as const;
const VONAGE_KEYS = ['api_keys', 'applications'] as const;
const BINDING_KEYS = ['app', 'flow', 'handles_challenges'] as const;
/** Twilio SIDs are two letters and 32 hex digits; the letters say what the SID names. */
const SERVICE_SID = /^VA[0-9a-fA-F]{32}$/;
const ACCOUNT_SID = /^AC[0-9a-fA-F]{32}$/;
/** Vonage API keys are 8 hex characters; application ids are UUIDs. */
const VONAGE_API_KEY = /^[0-9a-zA-Z]{6,32}$/;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
/** Same bound as the decision API's `app`. */
const MAX_APP_LENGTH = 64;

export function parseProxyFile(text: string, file: string): ProxyFileParse {
  const reader = readYaml(text, file);
  const config = reader.root === undefined ? undefined : readConfig(reader, reader.root);
  if (config === undefined || reader.errors.length > 0) {
    const errors = [...reader.errors].sort((a, b) => a.line - b.line);
    return { ok: false, errors: errors.length > 0 ? errors : [{ file, line: 1, path: '', message: 'not a proxy file' }] };
  }
  return { ok: true, config };
}

function readConfig(reader: YamlReader, root: Located): ProxyConfig | undefined {
  const config = { twilio: { services: new Map(), accounts: new Map() }, vonage: { apiKeys: new Map(), applications: new Map() } };
  // An empty file (or one with only comments) relays for nobody.
  if (reader.isNone(root)) return config;
  const fields = reader.map(root, TOP_KEYS);
  if (fields === undefined) return undefined;
  const twilio = section(reader, fields.get('twilio'), TWILIO_KEYS);
  readBindings(
    reader,
    twilio?.get('services'),
    SERVICE_SID,
    'a Twilio Verify service SID (VA followed by 32 hex digits)',
    config.twilio.services,
  );
  readBindings(reader, twilio?.get('accounts'), ACCOUNT_SID, 'a Twilio account SID (AC followed by 32 hex digits)', config.twilio.accounts);
  const vonage = section(reader, fields.get('vonage'), VONAGE_KEYS);
  readBindings(reader, vonage?.get('api_keys'), VONAGE_API_KEY, 'a Vonage API key (letters and digits)', config.vonage.apiKeys);
  readBindings(reader, vonage?.get('applications'), UUID, 'a Vonage application id (a UUID)', config.vonage.applications);
  return config;
}

function section<K extends string>(reader: YamlReader, at: Located | undefined, keys: readonly K[]): Map<string, Located> | undefined {
  if (at === undefined || reader.isNone(at)) return undefined;
  return reader.map(at, keys);
}

function readBindings(reader: YamlReader, at: Located | undefined, key: RegExp, what: string, into: Map<string, CallerBinding>): void {
  if (at === undefined || reader.isNone(at)) return;
  const entries = reader.entries(at);
  if (entries === undefined) return;
  for (const [id, value] of entries) {
    if (!key.test(id)) reader.fail(value, `"${id}" is not ${what}`);
    const binding = readBinding(reader, value);
    if (binding !== undefined) into.set(id, binding);
  }
}

function readBinding(reader: YamlReader, at: Located): CallerBinding | undefined {
  const fields = reader.map(at, BINDING_KEYS);
  if (fields === undefined) return undefined;
  const appAt = reader.required(fields, 'app', at);
  const app = appAt && reader.string(appAt);
  if (app !== undefined && app.length > MAX_APP_LENGTH) reader.fail(appAt!, `app names are at most ${MAX_APP_LENGTH} characters`);
  const flowAt = reader.required(fields, 'flow', at);
  const flow = flowAt && reader.oneOf(flowAt, FLOWS);
  const handlesAt = fields.get('handles_challenges');
  let handlesChallenges = false;
  if (handlesAt !== undefined) {
    const value =
      handlesAt.node !== null && typeof handlesAt.node === 'object' && 'value' in handlesAt.node ? handlesAt.node.value : undefined;
    if (typeof value === 'boolean') handlesChallenges = value;
    else reader.fail(handlesAt, 'expected true or false');
  }
  if (app === undefined || flow === undefined) return undefined;
  return { app, flow, handlesChallenges };
}
