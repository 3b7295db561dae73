import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EVENT_SCHEMAS } from '../src/index.ts';

const DOC = readFileSync(new URL('../../../docs/event-contract.md', import.meta.url), 'utf8');

/** The field table of `## kind` in docs/event-contract.md: field name to its "required" column. */
function documentedFields(kind: string): Map<string, string> {
  const start = DOC.indexOf(`\n## ${kind}\n`);
  const end = DOC.indexOf('\n## ', start + 1);
  const section = DOC.slice(start, end < 0 ? undefined : end);
  return new Map([...section.matchAll(/^\| `(\w+)` \| (yes|no) \|/gm)].map((match) => [match[1]!, match[2]!]));
}

describe('docs/event-contract.md', () => {
  it.each(Object.keys(EVENT_SCHEMAS))('lists every field of the %s schema, with whether it is required', (kind) => {
    const schema = EVENT_SCHEMAS[kind as keyof typeof EVENT_SCHEMAS] as {
      properties: Record<string, unknown>;
      required: readonly string[];
    };
    const expected = new Map(Object.keys(schema.properties).map((field) => [field, schema.required.includes(field) ? 'yes' : 'no']));
    expect(documentedFields(kind)).toEqual(expected);
  });
});
