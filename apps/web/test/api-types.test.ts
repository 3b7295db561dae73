import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { API_DOCUMENT_FILE, API_SCHEMA_FILE, apiDocument, apiSchemaText, documentText } from '../scripts/api-types.ts';

describe("the dashboard's API types", () => {
  it('are generated from the OpenAPI document the server builds now (npm run api:types rewrites both)', async () => {
    const document = await apiDocument();
    expect(readFileSync(API_DOCUMENT_FILE, 'utf8'), 'apps/web/lib/api-document.json is stale: run npm run api:types').toBe(
      documentText(document),
    );
    expect(readFileSync(API_SCHEMA_FILE, 'utf8'), 'apps/web/lib/api-schema.ts is stale: run npm run api:types').toBe(
      await apiSchemaText(document),
    );
  });
});
