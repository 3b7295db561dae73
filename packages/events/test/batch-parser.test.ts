import { describe, expect, it } from 'vitest';
import { MAX_BATCH_EVENTS, MAX_NESTING_DEPTH, MAX_STRING_LENGTH, parseBatch } from '../src/index.ts';

function nested(depth: number): unknown {
  let value: unknown = 'leaf';
  for (let level = 0; level < depth; level++) value = { a: value };
  return value;
}

describe('parseBatch (json)', () => {
  it.each([
    ['an array of objects, numbered by index + 1', '[{"a":1},{"b":2}]', [1, 2], []],
    ['a single object as one item', '{"a":1}', [1], []],
    ['an empty array as no items', '[]', [], []],
    ['a non-object element as a rejection for its index', '[{"a":1},3,null,{"b":2}]', [1, 4], [2, 3]],
    ['a body that is not JSON as a rejection of line 0', '[{"a":1},', [], [0]],
    ['a scalar body as a rejection of line 0', '"hello"', [], [0]],
  ])('reads %s', (_name, body, itemLines, rejectedLines) => {
    const batch = parseBatch(body, 'json');
    expect(batch.items.map((item) => item.line)).toEqual(itemLines);
    expect(batch.rejected.map((rejection) => rejection.line)).toEqual(rejectedLines);
  });
});

describe('parseBatch (ndjson)', () => {
  it.each([
    ['one object per line', '{"a":1}\n{"a":2}\n', [1, 2], []],
    ['CRLF line ends', '{"a":1}\r\n{"a":2}\r\n', [1, 2], []],
    ['blank lines skipped but counted', '{"a":1}\n\n   \n{"a":2}', [1, 4], []],
    ['a broken middle line rejected alone', '{"a":1}\n{"a":\n{"a":3}', [1, 3], [2]],
    ['a truncated last line rejected alone', '{"a":1}\n{"a":2}\n{"phone":"+4479', [1, 2], [3]],
    ['an array line rejected as not an object', '{"a":1}\n[1,2]', [1], [2]],
  ])('reads %s', (_name, body, itemLines, rejectedLines) => {
    const batch = parseBatch(body, 'ndjson');
    expect(batch.items.map((item) => item.line)).toEqual(itemLines);
    expect(batch.rejected.map((rejection) => rejection.line)).toEqual(rejectedLines);
  });

  it('names the JSON problem without echoing the input back', () => {
    const [rejection] = parseBatch('{"phone":"+447911123456","b":tru}', 'ndjson').rejected;
    expect(rejection).toMatchObject({ line: 1, field: '' });
    expect(rejection?.reason).toMatch(/^not valid JSON: /);
    expect(rejection?.reason).not.toContain('447911');
  });
});

describe('parseBatch guards', () => {
  it.each([
    ['values nested deeper than the limit', { meta: nested(MAX_NESTING_DEPTH) }, 'meta.a.a.a.a.a.a.a', /nested deeper than 8 levels/],
    ['strings longer than the cap', { user_agent: 'x'.repeat(MAX_STRING_LENGTH + 1) }, 'user_agent', /longer than 4096 characters/],
    ['long strings inside arrays', { tags: ['ok', 'y'.repeat(MAX_STRING_LENGTH + 1)] }, 'tags.1', /longer than/],
  ])('rejects %s, naming the path', (_name, event, field, reason) => {
    const batch = parseBatch(JSON.stringify([event]), 'json');
    expect(batch.items).toEqual([]);
    expect(batch.rejected).toEqual([{ line: 1, field, reason: expect.stringMatching(reason) }]);
  });

  it.each([
    ['nesting up to the limit', { meta: nested(MAX_NESTING_DEPTH - 1) }],
    ['strings up to the cap', { user_agent: 'x'.repeat(MAX_STRING_LENGTH) }],
  ])('accepts %s', (_name, event) => {
    expect(parseBatch(JSON.stringify(event), 'json').items).toHaveLength(1);
  });

  it('survives nesting far beyond the limit without a stack overflow', () => {
    const body = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    expect(() => parseBatch(`{"a":${body}}`, 'ndjson')).not.toThrow();
  });

  it('exports the batch size cap the server enforces', () => {
    expect(MAX_BATCH_EVENTS).toBe(10_000);
  });
});

describe('rejections never echo the input', () => {
  it.each(['abc+447400123456def', '{"x": tru, "phone": "+447400123456"}', `${'+447400123456'.repeat(20)}`])(
    'not-JSON reason for %j holds no digits of the body',
    (body) => {
      const { rejected } = parseBatch(body, 'ndjson');
      expect(rejected).toHaveLength(1);
      expect(rejected[0]!.reason).not.toMatch(/7400123456/);
      expect(rejected[0]!.reason).toMatch(/^not valid JSON: /);
    },
  );
});
