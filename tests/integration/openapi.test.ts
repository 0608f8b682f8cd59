import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from '../../src/server/http/openapi-document.ts';

describe('OpenAPI document', () => {
  it('is OpenAPI 3.1 and documents every API route', async () => {
    const document = (await buildOpenApiDocument()) as {
      openapi: string;
      paths: Record<string, Record<string, unknown>>;
    };
    expect(document.openapi).toBe('3.1.0');
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/auth/sign-in',
        '/api/v1/org/members',
        '/api/v1/patients/{id}',
        '/api/v1/audit/events',
      ]),
    );
    expect(Object.keys(document.paths['/api/v1/patients/{id}'] ?? {}).sort()).toEqual([
      'get',
      'patch',
    ]);
  });

  it('matches the checked-in copy the web client is generated from (run npm run gen:client)', async () => {
    const checkedIn = JSON.parse(
      await fs.readFile(path.resolve('docs/openapi.json'), 'utf8'),
    ) as unknown;
    expect(await buildOpenApiDocument()).toEqual(checkedIn);
  });
});
