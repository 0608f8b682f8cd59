/**
 * Hostile and broken input at the HTTP edge, generated over every route with a JSON body:
 * malformed JSON, wrong types, unknown fields, oversized bodies, wrong content types and
 * injection strings all answer a stable 4xx error (never a 5xx), write nothing when refused, and
 * never leak a stack trace or SQL. Also: unknown API paths and the security headers.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { canEver } from '../../src/core/access.ts';
import { allRoutes } from '../../src/server/app/app.ts';
import type { RouteDefinition } from '../../src/server/http/route.ts';
import {
  createMember,
  createOrganization,
  testPassword,
  type TestMember,
} from '../support/accounts.ts';
import {
  startTestApp,
  type TestApp,
  type TestClient,
  type TestResponse,
} from '../support/test-app.ts';
import { defaultChecklistSet } from '../../src/core/safety/checklists.ts';

let testApp: TestApp;
let bodyRoutes: RouteDefinition[];
let patient: TestMember;
let admin: TestMember;
let physician: TestMember;
let halfSignedIn: TestClient;
let organizationSlug: string;
const responses: TestResponse[] = [];

const injections = [`' OR 1=1 --`, '<script>alert(1)</script>', `Robert'); DROP TABLE users;--`];

/** A valid body for every route that takes one. Keyed by "METHOD path". */
function validBodies(): Record<string, Record<string, unknown>> {
  return {
    'POST /api/v1/auth/sign-up': {
      email: 'new-person@example.test',
      password: testPassword,
      name: 'Valid Name',
      acceptTerms: true,
      organization: organizationSlug,
    },
    'POST /api/v1/auth/verify-email': { token: 'x'.repeat(20) },
    'POST /api/v1/auth/sign-in': { email: 'someone@example.test', password: 'whatever-1234' },
    'POST /api/v1/auth/mfa/totp': { code: '123456' },
    'POST /api/v1/auth/mfa/recovery-code': { code: 'AAAA-BBBB-CC' },
    'POST /api/v1/auth/passkeys/authentication-options': {},
    'POST /api/v1/auth/passkeys/authenticate': { response: { id: 'bm9wZQ' } },
    'POST /api/v1/auth/sign-out': { everywhere: false },
    'POST /api/v1/auth/password-reset/request': { email: 'someone@example.test' },
    'POST /api/v1/auth/password-reset/complete': { token: 'x'.repeat(20), password: testPassword },
    'POST /api/v1/auth/reauthenticate': { password: 'whatever-1234' },
    'POST /api/v1/auth/email': { email: 'new-address@example.test' },
    'POST /api/v1/auth/email/confirm': { token: 'x'.repeat(20) },
    'POST /api/v1/auth/totp/enrolment': {},
    'POST /api/v1/auth/totp/enrolment/confirm': { code: '123456' },
    'POST /api/v1/auth/recovery-codes': {},
    'POST /api/v1/auth/passkeys/registration-options': {},
    'POST /api/v1/auth/passkeys': { response: { id: 'bm9wZQ' }, name: 'Key' },
    'POST /api/v1/org/invitations': { email: 'invitee@example.test', role: 'care_team' },
    'POST /api/v1/org/members/:id/deactivate': {},
    'POST /api/v1/invitations/:token/accept': { name: 'Someone', password: testPassword },
    'PATCH /api/v1/patients/:id': { givenName: 'Ana' },
    'PATCH /api/v1/org/settings': { name: 'Renamed Clinic' },
    'PATCH /api/v1/org/case-settings': { followUpQuestionLimit: 4 },
    'POST /api/v1/org/consent': {
      version: '2027-01',
      text: 'I agree that my records are reviewed for a second opinion.',
    },
    'POST /api/v1/cases': { patientId: patient.patientId! },
    'PATCH /api/v1/cases/:id': { conditionDescription: 'Knee pain for six months' },
    'POST /api/v1/cases/:id/transitions': { transition: 'submit' },
    'PUT /api/v1/cases/:id/opinion-draft': { content: {} },
    'POST /api/v1/cases/:id/peer-review': { reviewerUserId: randomUUID() },
    'POST /api/v1/cases/:id/peer-review/decision': { decision: 'approve' },
    'POST /api/v1/cases/:id/patient-questions/:questionId/answer': { answer: 'Yes, daily.' },
    'POST /api/v1/cases/:id/addenda': { text: 'A correction to the dose.' },
    'POST /api/v1/cases/:id/follow-ups': { text: 'Can I exercise?' },
    'POST /api/v1/cases/:id/follow-ups/:followUpId/answer': { text: 'Yes, gently.' },
    'PUT /api/v1/specialists/me': {
      specialties: ['Cardiology'],
      languages: ['en'],
      credentials: 'MD',
    },
    'POST /api/v1/patients': {
      givenName: 'Ana',
      familyName: 'Referida',
      birthDate: '1970-01-31',
      email: 'referred-patient@example.test',
    },
    'POST /api/v1/patients/:id/invitation': {},
    'POST /api/v1/patients/:id/proxies': { email: 'helper@example.test', scope: 'view' },
    'PATCH /api/v1/patients/:id/proxies/:grantId': { scope: 'act' },
    'POST /api/v1/patients/:id/proxies/:grantId/revoke': {},
    'POST /api/v1/patients/:id/proxy-invitations/:invitationId/revoke': {},
    'PATCH /api/v1/cases/:id/documents/:documentId': {
      kind: 'lab_results',
      dateOfService: '2026-01-31',
      source: 'City Laboratory',
    },
    'POST /api/v1/cases/:id/findings/:findingId/decision': {
      outcome: 'dismissed',
      reason: 'Discussed with the patient',
    },
    'POST /api/v1/cases/:id/findings/:findingId/response': {
      kind: 'explanation',
      text: 'I stopped warfarin in June.',
    },
    'POST /api/v1/cases/:id/release-of-information': {
      facility: { name: 'Riverside General Hospital', address: '1 River Road, Springfield' },
      recordsWanted: ['Pathology reports', 'CT images on disc'],
      from: '2024-01-01',
      to: '2024-12-31',
      purpose: 'A second medical opinion on my treatment',
    },
    'PUT /api/v1/org/checklists': structuredClone(defaultChecklistSet),
  };
}

const routeKey = (route: RouteDefinition) => `${route.method} ${route.path}`;

function urlOf(route: RouteDefinition): string {
  return route.path
    .replace(':id', route.path.startsWith('/api/v1/patients') ? patient.patientId! : randomUUID())
    .replace(':token', 'x'.repeat(24))
    .replace(/:[a-zA-Z]+Id\b/g, () => randomUUID());
}

/** The fields of a (possibly defaulted) object schema, and which of them take strings. */
function fieldsOf(schema: z.ZodType): { keys: string[]; stringKeys: string[] } {
  let current: z.ZodType = schema;
  while (current instanceof z.ZodDefault || current instanceof z.ZodOptional)
    current = current.unwrap() as z.ZodType;
  if (!(current instanceof z.ZodObject)) throw new Error('body schema is not an object');
  const shape = current.shape as Record<string, z.ZodType>;
  const isString = (field: z.ZodType): boolean => {
    let inner: z.ZodType = field;
    while (
      inner instanceof z.ZodDefault ||
      inner instanceof z.ZodOptional ||
      inner instanceof z.ZodNullable
    )
      inner = inner.unwrap() as z.ZodType;
    return (inner.def as { type: string }).type === 'string';
  };
  return {
    keys: Object.keys(shape),
    stringKeys: Object.keys(shape).filter((key) => isString(shape[key]!)),
  };
}

/**
 * A caller the route's gate lets through (the gate runs before validation): a patient, a
 * referring physician or an admin for member routes, a session awaiting its second factor for
 * second-factor routes, and anonymous callers for public routes (sign-out included).
 */
function clientFor(route: RouteDefinition): TestClient {
  switch (route.access.kind) {
    case 'public':
      return testApp.client();
    case 'second_factor':
      return halfSignedIn;
    case 'member':
      if (route.access.action === undefined || canEver('patient', route.access.action))
        return patient.client;
      return canEver('referring_physician', route.access.action) ? physician.client : admin.client;
  }
}

async function send(
  client: TestClient,
  route: RouteDefinition,
  body: unknown,
  options: { headers?: Record<string, string>; rawBody?: string } = {},
) {
  const response = await client.request(route.method, urlOf(route), body, options);
  responses.push(response);
  return response;
}

async function countRows() {
  const db = testApp.app.services.db;
  const count = async (table: 'users' | 'patients' | 'audit_events') =>
    Number(
      (await db.selectFrom(table).select(db.fn.countAll().as('n')).executeTakeFirstOrThrow()).n,
    );
  return {
    users: await count('users'),
    patients: await count('patients'),
    audit_events: await count('audit_events'),
  };
}

beforeAll(async () => {
  // The per-address throttle of sign-in and friends would count this file's many attempts.
  testApp = await startTestApp({ AUTH_RATE_LIMIT_PER_MINUTE: '100000' });
  const organization = await createOrganization(testApp);
  organizationSlug = organization.slug;
  patient = await createMember(testApp, organization.id, 'patient');
  admin = await createMember(testApp, organization.id, 'org_admin');
  physician = await createMember(testApp, organization.id, 'referring_physician');
  const withTotp = await createMember(testApp, organization.id, 'patient', {
    withTotp: true,
    signIn: false,
  });
  halfSignedIn = withTotp.client;
  expect(
    (
      await halfSignedIn.post('/api/v1/auth/sign-in', {
        email: withTotp.email,
        password: testPassword,
      })
    ).body.status,
  ).toBe('mfa_required');
  bodyRoutes = allRoutes(testApp.app.services).filter((route) => route.body !== undefined);
});

afterAll(async () => {
  await testApp?.close();
});

describe('every route with a JSON body', () => {
  it('has a valid sample body here (a new body route must be added)', () => {
    expect(Object.keys(validBodies()).sort()).toEqual(bodyRoutes.map(routeKey).sort());
  });

  it('answers malformed JSON with 400 invalid_json', async () => {
    for (const route of bodyRoutes) {
      const response = await send(clientFor(route), route, undefined, {
        rawBody: '{"email": "a@b.c",',
        headers: { 'content-type': 'application/json' },
      });
      expect(response.status, routeKey(route)).toBe(400);
      expect(response.body, routeKey(route)).toEqual({
        error: { code: 'invalid_json', message: 'The request body is not valid JSON.' },
      });
    }
  });

  it('answers wrong types with 400 validation_failed', async () => {
    for (const route of bodyRoutes) {
      const { keys } = fieldsOf(route.body!);
      const wrong =
        keys.length === 0 ? [1, 2, 3] : Object.fromEntries(keys.map((key) => [key, 12_345]));
      const response = await send(clientFor(route), route, wrong);
      expect(response.status, routeKey(route)).toBe(400);
      expect(response.body.error.code, routeKey(route)).toBe('validation_failed');
      expect(response.body.error.details.issues.length, routeKey(route)).toBeGreaterThan(0);
    }
  });

  it('answers unknown fields with 400 validation_failed, though the same body without them passes validation', async () => {
    const bodies = validBodies();
    for (const route of bodyRoutes) {
      const valid = bodies[routeKey(route)]!;
      const refused = await send(clientFor(route), route, { ...valid, isAdmin: true });
      expect(refused.status, routeKey(route)).toBe(400);
      expect(refused.body.error.code, routeKey(route)).toBe('validation_failed');
      // Sign-out would end the patient's session; the anonymous client is used for it.
      const accepted = await send(clientFor(route), route, valid);
      // (A use case may refuse with validation_failed for its own reasons, e.g. an unverifiable
      // passkey; schema validation is the one that lists issues.)
      expect(
        accepted.body?.error?.details?.issues,
        `${routeKey(route)}: ${accepted.text}`,
      ).toBeUndefined();
      expect(accepted.status, routeKey(route)).toBeLessThan(500);
    }
  });

  it('answers a body over 1 MiB with 413 payload_too_large', async () => {
    const huge = JSON.stringify({ name: 'x'.repeat(1024 * 1024 + 10) });
    for (const route of bodyRoutes) {
      const response = await send(clientFor(route), route, undefined, {
        rawBody: huge,
        headers: { 'content-type': 'application/json' },
      });
      expect(response.status, routeKey(route)).toBe(413);
      expect(response.body.error.code, routeKey(route)).toBe('payload_too_large');
    }
  });

  it('answers text/plain with 415 unsupported_media_type', async () => {
    for (const route of bodyRoutes) {
      const response = await send(clientFor(route), route, undefined, {
        rawBody: '{}',
        headers: { 'content-type': 'text/plain' },
      });
      expect(response.status, routeKey(route)).toBe(415);
      expect(response.body.error.code, routeKey(route)).toBe('unsupported_media_type');
    }
  });

  it('handles SQL and HTML injection strings in every string field without a 5xx, writing nothing when refused', async () => {
    const bodies = validBodies();
    let cases = 0;
    for (const route of bodyRoutes.filter(
      (candidate) => routeKey(candidate) !== 'POST /api/v1/auth/sign-out',
    )) {
      const { stringKeys } = fieldsOf(route.body!);
      for (const key of stringKeys) {
        for (const injection of injections) {
          const before = await countRows();
          const response = await send(clientFor(route), route, {
            ...bodies[routeKey(route)],
            [key]: injection,
          });
          const after = await countRows();
          const label = `${routeKey(route)} ${key}=${injection}: ${response.status} ${response.text.slice(0, 200)}`;
          cases += 1;
          expect(response.status, label).toBeLessThan(500);
          if (response.status >= 400) {
            expect({ users: after.users, patients: after.patients }, label).toEqual({
              users: before.users,
              patients: before.patients,
            });
            if (['validation_failed', 'invalid_json'].includes(response.body.error.code))
              expect(after.audit_events, label).toBe(before.audit_events);
          }
        }
      }
    }
    expect(cases).toBeGreaterThan(30);
    // A name is data: stored and returned exactly as sent, never interpreted.
    for (const injection of injections) {
      const response = await patient.client.request(
        'PATCH',
        `/api/v1/patients/${patient.patientId!}`,
        { familyName: injection },
      );
      expect(response.status).toBe(200);
      expect(response.body.familyName).toBe(injection);
      const stored = await testApp.app.services.db
        .selectFrom('patients')
        .select('family_name')
        .where('id', '=', patient.patientId!)
        .executeTakeFirstOrThrow();
      expect(stored.family_name).toBe(injection);
    }
    expect(
      await testApp.app.services.db.selectFrom('users').select('id').limit(1).execute(),
    ).toHaveLength(1);
  });

  it('never answered with a stack trace or SQL', () => {
    expect(responses.length).toBeGreaterThan(100);
    for (const response of responses) {
      expect(response.status).toBeLessThan(500);
      expect(response.text).not.toMatch(
        /\bSELECT\b|\bINSERT\b|\bstack\b|\n\s+at |node_modules|\.ts:\d+/i,
      );
    }
  });
});

describe('every route that takes a file as its body', () => {
  const leaks = /\bSELECT\b|\bINSERT\b|\bstack\b|\n\s+at |node_modules|\.ts:\d+/i;

  it('refuses JSON, HTML and untyped bodies with a stable 4xx, writing nothing, and stores hostile names as inert text', async () => {
    const rawRoutes = allRoutes(testApp.app.services).filter((route) => route.rawBody === true);
    expect(rawRoutes.length).toBeGreaterThan(0);
    const created = await patient.client.post<{ id: string }>('/api/v1/cases', {
      patientId: patient.patientId!,
    });
    expect(created.status, created.text).toBe(201);
    const db = testApp.app.services.db;
    const countAttachments = async () =>
      Number(
        (
          await db
            .selectFrom('case_attachments')
            .select(db.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    for (const route of rawRoutes) {
      const url = route.path.replace(':id', created.body.id);
      const before = await countAttachments();
      for (const [contentType, rawBody, status, code] of [
        ['application/json', '{"fileName":"a.pdf"}', 415, 'unsupported_media_type'],
        ['application/json', '{"fileName": ', 400, 'invalid_json'],
        ['text/html', '<script>alert(1)</script>', 415, 'unsupported_media_type'],
        ['image/svg+xml', '<svg onload="alert(1)"/>', 415, 'unsupported_media_type'],
        [undefined, 'no type at all', 415, 'unsupported_media_type'],
      ] as const) {
        const response = await patient.client.request(route.method, url, undefined, {
          rawBody,
          headers: {
            ...(contentType === undefined ? {} : { 'content-type': contentType }),
            'x-file-name': 'page.html',
          },
        });
        const label = `${routeKey(route)} ${contentType ?? 'untyped'}: ${response.text}`;
        expect(response.status, label).toBe(status);
        expect(response.body.error.code, label).toBe(code);
        expect(response.text, label).not.toMatch(leaks);
      }
      expect(await countAttachments(), routeKey(route)).toBe(before);
      for (const injection of [...injections, '../../../etc/passwd', 'a\u0000b\r\nc']) {
        const response = await patient.client.request(route.method, url, undefined, {
          rawBody: 'plain text',
          headers: {
            'content-type': 'text/plain',
            'x-file-name': encodeURIComponent(injection),
            'x-description': encodeURIComponent(injection),
          },
        });
        const label = `${routeKey(route)} name=${injection}: ${response.text}`;
        expect(response.status, label).toBe(201);
        expect(response.body.fileName, label).not.toMatch(/[/\\]|\p{Cc}/u);
        expect(response.text, label).not.toMatch(leaks);
      }
    }
    expect(await db.selectFrom('users').select('id').limit(1).execute()).toHaveLength(1);
  });
});

describe('the API edge', () => {
  it('answers unknown API paths with a 404 not_found JSON body', async () => {
    for (const [method, url] of [
      ['GET', '/api/v1/nope'],
      ['POST', '/api/v1/nope'],
      ['GET', '/api/nothing-here?x=1'],
      ['DELETE', '/api/v1/patients'],
    ] as const) {
      const response = await testApp
        .client()
        .request(method, url, method === 'GET' ? undefined : {});
      expect(response.status, url).toBe(404);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      expect(response.body).toEqual({ error: { code: 'not_found', message: 'Not found.' } });
    }
  });

  function expectSecurityHeaders(response: TestResponse) {
    const csp = String(response.headers['content-security-policy']);
    expect(csp).toMatch(/script-src 'self' 'wasm-unsafe-eval'(;|$)/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("default-src 'self'");
    expect(String(response.headers['strict-transport-security'])).toMatch(
      /max-age=\d{7,}; includeSubDomains/,
    );
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['referrer-policy']).toBe('no-referrer');
    expect(response.headers['x-frame-options']).toBe('DENY');
  }

  it('sends the security headers and no-store on API answers, successes and errors alike', async () => {
    const client = testApp.client();
    for (const response of [
      await client.get('/api/health'),
      await client.get('/api/v1/auth/session'),
      await client.get('/api/v1/nope'),
      await patient.client.get('/api/v1/patients'),
    ]) {
      expectSecurityHeaders(response);
      expect(response.headers['cache-control']).toBe('no-store');
    }
  });

  it('sends the security headers on the web app index', async () => {
    const response = await testApp.client().get('/cases/123');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/html/);
    expect(response.text).toContain('<html');
    expectSecurityHeaders(response);
  });
});
