import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseProxyFile } from '../src/proxy-file.parser.ts';

const SHIPPED = fileURLToPath(new URL('../../../alert-rules/proxy.yaml', import.meta.url));
const MISTAKES = fileURLToPath(new URL('./fixtures/proxy-mistakes.yaml', import.meta.url));

describe('proxy.yaml', () => {
  it('parses the shipped example, which relays for nobody until callers are added', () => {
    const parsed = parseProxyFile(readFileSync(SHIPPED, 'utf8'), SHIPPED);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect([
      parsed.config.twilio.services.size,
      parsed.config.twilio.accounts.size,
      parsed.config.vonage.apiKeys.size,
      parsed.config.vonage.applications.size,
    ]).toEqual([0, 0, 0, 0]);
  });

  it('reads callers with their app, flow and challenge handling', () => {
    const parsed = parseProxyFile(
      'twilio:\n  services:\n    VA0123456789abcdef0123456789abcdef: {app: shop, flow: signup, handles_challenges: true}\n' +
        'vonage:\n  applications:\n    c0ffee00-0000-4000-8000-000000000001: {app: games, flow: login}\n',
      'proxy.yaml',
    );
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.config.twilio.services.get('VA0123456789abcdef0123456789abcdef')).toEqual({
      app: 'shop',
      flow: 'signup',
      handlesChallenges: true,
    });
    expect(parsed.config.vonage.applications.get('c0ffee00-0000-4000-8000-000000000001')).toEqual({
      app: 'games',
      flow: 'login',
      handlesChallenges: false,
    });
  });

  it('reports every mistake with its file, line and key path', () => {
    const parsed = parseProxyFile(readFileSync(MISTAKES, 'utf8'), MISTAKES);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.errors.map((e) => [e.file, e.line, e.path])).toEqual([
      [MISTAKES, 6, 'twilio.services.VAshort'],
      [MISTAKES, 12, 'twilio.accounts.AC0123456789abcdef0123456789abcdef.flow'],
      [MISTAKES, 13, 'twilio.accounts.AC0123456789abcdef0123456789abcdef.handles_challenges'],
      [MISTAKES, 16, 'vonage.api_keys.a1b2c3d4'],
      [MISTAKES, 18, 'vonage.aplications'],
    ]);
    expect(parsed.errors[0]!.message).toContain('Twilio Verify service SID');
    expect(parsed.errors[3]!.message).toBe('missing key "app"');
    expect(parsed.errors[4]!.message).toContain('unknown key "aplications"');
  });

  it.each([
    ['an empty file', ''],
    ['only comments', '# nothing yet\n'],
  ])('accepts %s as relaying for nobody', (_label, text) => {
    expect(parseProxyFile(text, 'proxy.yaml').ok).toBe(true);
  });

  it('says where a file that is not YAML breaks', () => {
    const parsed = parseProxyFile('twilio:\n  services: [\n', 'proxy.yaml');
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.errors[0]!.line).toBeGreaterThanOrEqual(2);
  });
});
