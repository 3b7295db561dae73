import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadPolicyFile } from '../src/policy-file.ts';

const shipped = fileURLToPath(new URL('../../../alert-rules', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'tollgate-policy-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('breaker policy file', () => {
  it('loads the policy shipped in alert-rules/ as it is', () => {
    const policy = loadPolicyFile({ TOLLGATE_RULES_DIR: shipped });
    expect(policy?.autoTrip.length).toBeGreaterThan(0);
    expect(policy?.allowlist.apps).toContain('loadtest');
  });

  it('runs on built-in defaults when there is no policy file', () => {
    expect(loadPolicyFile({ TOLLGATE_RULES_DIR: join(scratch, 'none') })).toBeUndefined();
  });

  it('refuses to start on a broken file, naming the file and the line', () => {
    writeFileSync(join(scratch, 'breaker-policy.yaml'), 'version: 1\nauto_trip:\n  - name: x\n    action: explode\n');
    expect(() => loadPolicyFile({ TOLLGATE_RULES_DIR: scratch })).toThrow(/breaker-policy\.yaml:4 /);
  });
});
