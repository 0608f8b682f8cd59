/**
 * The authorization matrix, generated over the route table: every route of `allRoutes()` is
 * called by nobody, by each role of two organizations, and by the two half-way session states,
 * on resources of the caller's own organization, of another organization and of another patient.
 * The expected answer is computed from the access policy in core (`canEver`, `can`), never
 * written per route: what a caller may not see answers 404, exactly like what does not exist.
 *
 * A route added without a sample input here fails the coverage test.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { can, canEver, type ResourceAccessFacts } from '../../src/core/access.ts';
import { caseTransitions } from '../../src/core/case-lifecycle.ts';
import { defaultChecklistSet } from '../../src/core/safety/checklists.ts';
import { allRoutes } from '../../src/server/app/app.ts';
import type { RouteDefinition } from '../../src/server/http/route.ts';
import { createMember, testPassword } from '../support/accounts.ts';
import {
  createFixtureAttachment,
  createMatrixFixtures,
  mayAttachTo,
  patientFacts,
  type FixtureAttachment,
  type FixturePatient,
  type MatrixFixtures,
  type Subject,
} from '../support/matrix-fixtures.ts';
import { startTestApp, type TestApp, type TestResponse } from '../support/test-app.ts';

/** The parts of JSON answers the checks read. */
interface AnswerBody {
  id?: string;
  slug?: string;
  membership?: { id: string; role: string };
  organization?: { id: string };
  passkeys?: Array<{ id: string }>;
  members?: Array<{ userId: string }>;
  patients?: Array<{ id: string }>;
  cases?: Array<{ id: string }>;
  attachments?: Array<{ id: string }>;
  events?: Array<{ patientId: string | null }>;
  notifications?: Array<{ id: string }>;
  specialists?: Array<{ userId: string }>;
  error?: { code: string; message: string };
}

interface Outcome {
  status: number;
  code?: string;
}

interface Call {
  label: string;
  url: string;
  body?: unknown;
  /** The resource the call targets, as the policy sees it from the actor (default: the actor's organization). */
  resource?: (actor: Extract<Subject, { actor: unknown }>['actor']) => ResourceAccessFacts;
  /** The answers the route gives once the gate and the policy let the caller through. */
  permitted: Outcome[];
  /** Extra checks on a permitted answer. */
  check?: (response: TestResponse<AnswerBody>, subject: Subject) => void;
}

interface RouteSample {
  calls: (subject: Subject) => Promise<Call[]> | Call[];
  /** Ends the caller's session: run after every other route. */
  endsSession?: boolean;
}

let testApp: TestApp;
let fixtures: MatrixFixtures;
let routes: RouteDefinition[];
let otherTenantPasskeyId: string;
/** One submitted case per fixture patient: the relations to it are those to its patient. */
let fixtureCases: Array<{ id: string; patient: FixturePatient }>;
/** One document on each fixture case, uploaded by its patient, by case id. */
const fixtureAttachments = new Map<string, FixtureAttachment>();

const freshEmail = (prefix: string) => `${prefix}-${randomBytes(5).toString('hex')}@example.test`;
const freshToken = () => randomBytes(24).toString('base64url');
const ok = (status: number): Outcome[] => [{ status }];
const refused = (status: number, code: string): Outcome[] => [{ status, code }];

function patientCalls(method: 'GET' | 'PATCH'): (subject: Subject) => Call[] {
  return () =>
    fixtures.patients.map((patient: FixturePatient) => ({
      label: patient.label,
      url: `/api/v1/patients/${patient.id}`,
      ...(method === 'PATCH' ? { body: {} } : {}),
      resource: (actor) => patientFacts(actor, patient),
      permitted: ok(200),
      check: (response) => expect(response.body.id).toBe(patient.id),
    }));
}

type CaseMethod = 'GET' | 'PATCH' | 'TRANSITION';

/**
 * Calls on each fixture case. They change nothing: the cases are submitted, so a draft change
 * answers 409; `mark_ready` on a submitted case answers 409 to the roles that may take it some
 * time (the lifecycle's permits) and 404 to everyone else.
 */
function caseCalls(method: CaseMethod): (subject: Subject) => Call[] {
  return (subject) =>
    fixtureCases.map(({ id, patient }) => {
      const mayMarkReady =
        'actor' in subject &&
        caseTransitions.mark_ready.by.some((permit) => permit.role === subject.actor.role);
      const common = {
        label: patient.label,
        resource: (actor: Extract<Subject, { actor: unknown }>['actor']) =>
          patientFacts(actor, patient),
      };
      switch (method) {
        case 'GET':
          return {
            ...common,
            url: `/api/v1/cases/${id}`,
            permitted: ok(200),
            check: (response: TestResponse<AnswerBody>) => expect(response.body.id).toBe(id),
          };
        case 'PATCH':
          return {
            ...common,
            url: `/api/v1/cases/${id}`,
            body: {},
            permitted: refused(409, 'conflict'),
          };
        case 'TRANSITION':
          return {
            ...common,
            url: `/api/v1/cases/${id}/transitions`,
            body: { transition: 'mark_ready' },
            permitted: mayMarkReady ? refused(409, 'conflict') : refused(404, 'not_found'),
          };
      }
    });
}

/** A fresh member of `organizationId` to be deactivated (one per call: deactivation is final). */
async function freshMembership(organizationId: string) {
  const member = await createMember(testApp, organizationId, 'care_team', {
    signIn: false,
    withTotp: false,
  });
  return member.membershipId;
}

let fixtureNotification: Promise<string> | null = null;

/** One notification of the Org A patient (created once, on first use): only they may read it. */
function patientANotification(): Promise<string> {
  fixtureNotification ??= testApp.app.services.db
    .insertInto('notifications')
    .values({
      organization_id: fixtures.a.id,
      user_id: fixtures.a.members.patient.userId,
      case_id: null,
      kind: 'case_submitted',
      created_at: testApp.clock.now(),
    })
    .returning('id')
    .executeTakeFirstOrThrow()
    .then((row) => row.id);
  return fixtureNotification;
}

const isPatientA = (subject: Subject) =>
  'member' in subject && subject.member.userId === fixtures.a.members.patient.userId;

/** One call per fixture patient, on the patient's proxies or invitation. */
function proxyCalls(
  call: (
    patient: FixturePatient,
  ) => Pick<Call, 'url' | 'body' | 'permitted'> | Promise<Pick<Call, 'url' | 'body' | 'permitted'>>,
): (subject: Subject) => Promise<Call[]> {
  return () =>
    Promise.all(
      fixtures.patients.map(async (patient) => ({
        label: patient.label,
        resource: (actor: Extract<Subject, { actor: unknown }>['actor']) =>
          patientFacts(actor, patient),
        ...(await call(patient)),
      })),
    );
}

/** The fixture proxy's grant of `patient` (a made-up id when the patient has no proxy). */
async function fixtureGrant(patient: FixturePatient): Promise<string> {
  const [proxyUserId] = patient.proxyUserIds;
  if (proxyUserId === undefined) return randomUUID();
  const row = await testApp.app.services.db
    .selectFrom('patient_proxies')
    .select('id')
    .where('patient_id', '=', patient.id)
    .where('proxy_user_id', '=', proxyUserId)
    .where('revoked_at', 'is', null)
    .executeTakeFirstOrThrow();
  return row.id;
}

/**
 * A fresh grant of `patient` to revoke (one per call: revoking is final). Its holder is the
 * organization's care team member, whose role holds no proxy relation, so a grant left active
 * by a refused call changes nobody's access.
 */
async function freshGrant(patient: FixturePatient): Promise<string> {
  const organization = patient.organizationId === fixtures.a.id ? fixtures.a : fixtures.b;
  const row = await testApp.app.services.db
    .insertInto('patient_proxies')
    .values({
      organization_id: patient.organizationId,
      patient_id: patient.id,
      proxy_user_id: organization.members.care_team.userId,
      scope: 'view',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** A fresh unanswered proxy invitation of `patient` to withdraw (one per call). */
async function freshProxyInvitation(patient: FixturePatient): Promise<string> {
  const row = await testApp.app.services.db
    .insertInto('invitations')
    .values({
      organization_id: patient.organizationId,
      patient_id: patient.id,
      email: freshEmail('invited-helper'),
      role: 'proxy',
      proxy_scope: 'view',
      token_hash: randomBytes(32).toString('hex'),
      expires_at: new Date(testApp.clock.now().getTime() + 86_400_000),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

type AttachmentCall = 'UPLOAD' | 'LIST' | 'DOWNLOAD' | 'DELETE';

/**
 * Calls on each fixture case's attachment list. They change nothing: the cases are submitted, so
 * an upload answers 409 to whoever may add documents (`attachmentUploadAction`) and 404 to
 * everyone else, and taking a document back answers 409 to its uploader and 404 to anyone else.
 */
function attachmentCalls(kind: AttachmentCall): (subject: Subject) => Call[] {
  return (subject) =>
    fixtureCases.map(({ id, patient }) => {
      const attachment = fixtureAttachments.get(id)!;
      const common = {
        label: patient.label,
        resource: (actor: Extract<Subject, { actor: unknown }>['actor']) =>
          patientFacts(actor, patient),
      };
      switch (kind) {
        case 'UPLOAD':
          return {
            ...common,
            url: `/api/v1/cases/${id}/attachments`,
            permitted:
              'actor' in subject && mayAttachTo(subject.actor, patient)
                ? refused(409, 'conflict')
                : refused(404, 'not_found'),
          };
        case 'LIST':
          return {
            ...common,
            url: `/api/v1/cases/${id}/attachments`,
            permitted: ok(200),
            check: (response: TestResponse<AnswerBody>) =>
              expect((response.body.attachments ?? []).map((entry) => entry.id)).toEqual([
                attachment.id,
              ]),
          };
        case 'DOWNLOAD':
          return {
            ...common,
            url: `/api/v1/cases/${id}/attachments/${attachment.id}/content`,
            permitted: ok(200),
            check: (response: TestResponse<AnswerBody>) =>
              expect(response.text).toBe(attachment.content),
          };
        case 'DELETE':
          return {
            ...common,
            url: `/api/v1/cases/${id}/attachments/${attachment.id}`,
            permitted:
              'member' in subject && subject.member.userId === attachment.uploadedByUserId
                ? refused(409, 'conflict')
                : refused(404, 'not_found'),
          };
      }
    });
}

/**
 * Calls on each fixture case's records (`/api/v1/cases/:id/<suffix>`): the case's readers get
 * `permitted` (by default 200), everyone else 404.
 */
function recordCalls(
  suffix: string,
  options: {
    body?: unknown;
    permitted?: (subject: Subject) => Outcome[];
    check?: (response: TestResponse<AnswerBody>) => void;
  } = {},
): (subject: Subject) => Call[] {
  return (subject) =>
    caseCalls('GET')(subject).map((call) => ({
      ...call,
      // The case's own check (its id in the body) does not apply to its records.
      check: undefined,
      url: `${call.url}/${suffix}`,
      ...(options.body === undefined ? {} : { body: options.body }),
      ...(options.permitted === undefined ? {} : { permitted: options.permitted(subject) }),
      ...(options.check === undefined ? {} : { check: options.check }),
    }));
}

/** How to call every route with valid-shaped input. Keyed by "METHOD path". */
const samples: Record<string, RouteSample> = {
  'GET /api/v1/auth/csrf': {
    calls: () => [{ label: '', url: '/api/v1/auth/csrf', permitted: ok(200) }],
  },
  'POST /api/v1/auth/sign-up': {
    calls: () => [
      {
        label: 'new patient',
        url: '/api/v1/auth/sign-up',
        body: {
          email: freshEmail('signup'),
          password: testPassword,
          name: 'Matrix Signup',
          acceptTerms: true,
          organization: fixtures.a.slug,
        },
        permitted: ok(202),
      },
    ],
  },
  'POST /api/v1/auth/verify-email': {
    calls: () => [
      {
        label: 'unknown token',
        url: '/api/v1/auth/verify-email',
        body: { token: freshToken() },
        permitted: refused(400, 'invalid_token'),
      },
    ],
  },
  'POST /api/v1/auth/sign-in': {
    calls: () => [
      {
        label: 'unknown account',
        url: '/api/v1/auth/sign-in',
        body: { email: freshEmail('nobody'), password: 'not-the-password-1' },
        permitted: refused(401, 'invalid_credentials'),
      },
    ],
  },
  'POST /api/v1/auth/mfa/totp': {
    calls: () => [
      {
        label: 'wrong code',
        url: '/api/v1/auth/mfa/totp',
        body: { code: '000000' },
        permitted: refused(400, 'invalid_mfa_code'),
      },
    ],
  },
  'POST /api/v1/auth/mfa/recovery-code': {
    calls: () => [
      {
        label: 'wrong code',
        url: '/api/v1/auth/mfa/recovery-code',
        body: { code: 'AAAA-BBBB-CC' },
        permitted: refused(400, 'invalid_mfa_code'),
      },
    ],
  },
  'POST /api/v1/auth/passkeys/authentication-options': {
    calls: () => [
      {
        label: '',
        url: '/api/v1/auth/passkeys/authentication-options',
        body: {},
        permitted: ok(200),
      },
    ],
  },
  'POST /api/v1/auth/passkeys/authenticate': {
    calls: () => [
      {
        label: 'unknown credential',
        url: '/api/v1/auth/passkeys/authenticate',
        body: { response: { id: 'bm9wZQ', rawId: 'bm9wZQ', type: 'public-key', response: {} } },
        permitted: [
          { status: 400, code: 'invalid_token' },
          { status: 401, code: 'invalid_credentials' },
        ],
      },
    ],
  },
  'POST /api/v1/auth/sign-out': {
    endsSession: true,
    calls: () => [
      { label: '', url: '/api/v1/auth/sign-out', body: { everywhere: false }, permitted: ok(204) },
    ],
  },
  'POST /api/v1/auth/password-reset/request': {
    calls: () => [
      {
        label: 'unknown account',
        url: '/api/v1/auth/password-reset/request',
        body: { email: freshEmail('reset') },
        permitted: ok(202),
      },
    ],
  },
  'POST /api/v1/auth/password-reset/complete': {
    calls: () => [
      {
        label: 'unknown token',
        url: '/api/v1/auth/password-reset/complete',
        body: { token: freshToken(), password: testPassword },
        permitted: refused(400, 'invalid_token'),
      },
    ],
  },
  'GET /api/v1/auth/session': {
    calls: () => [
      {
        label: '',
        url: '/api/v1/auth/session',
        permitted: ok(200),
        check: (response, subject) => {
          if ('actor' in subject) {
            expect(response.body.membership).toEqual({
              id: subject.actor.membershipId,
              role: subject.actor.role,
            });
            expect(response.body.organization?.id).toBe(subject.actor.organizationId);
          }
        },
      },
    ],
  },
  // A wrong password keeps the session un-reauthenticated (the sign-in window has passed, see
  // beforeAll), so the guarded routes below answer reauthentication_required in any order.
  'POST /api/v1/auth/reauthenticate': {
    calls: () => [
      {
        label: 'wrong password',
        url: '/api/v1/auth/reauthenticate',
        body: { password: 'not-the-password-1' },
        permitted: refused(401, 'invalid_credentials'),
      },
    ],
  },
  'POST /api/v1/auth/email': {
    calls: () => [
      {
        label: 'new address',
        url: '/api/v1/auth/email',
        body: { email: freshEmail('moved') },
        permitted: refused(403, 'reauthentication_required'),
      },
    ],
  },
  'POST /api/v1/auth/email/confirm': {
    calls: () => [
      {
        label: 'unknown token',
        url: '/api/v1/auth/email/confirm',
        body: { token: freshToken() },
        permitted: refused(400, 'invalid_token'),
      },
    ],
  },
  'POST /api/v1/auth/totp/enrolment': {
    calls: () => [
      {
        label: '',
        url: '/api/v1/auth/totp/enrolment',
        body: {},
        permitted: refused(403, 'reauthentication_required'),
      },
    ],
  },
  'POST /api/v1/auth/totp/enrolment/confirm': {
    calls: () => [
      {
        label: '',
        url: '/api/v1/auth/totp/enrolment/confirm',
        body: { code: '123456' },
        permitted: refused(403, 'reauthentication_required'),
      },
    ],
  },
  'DELETE /api/v1/auth/totp': {
    calls: () => [
      { label: '', url: '/api/v1/auth/totp', permitted: refused(403, 'reauthentication_required') },
    ],
  },
  'POST /api/v1/auth/recovery-codes': {
    calls: () => [
      {
        label: '',
        url: '/api/v1/auth/recovery-codes',
        body: {},
        permitted: refused(403, 'reauthentication_required'),
      },
    ],
  },
  'POST /api/v1/auth/passkeys/registration-options': {
    calls: () => [
      {
        label: '',
        url: '/api/v1/auth/passkeys/registration-options',
        body: {},
        permitted: refused(403, 'reauthentication_required'),
      },
    ],
  },
  'POST /api/v1/auth/passkeys': {
    calls: () => [
      {
        label: '',
        url: '/api/v1/auth/passkeys',
        body: { response: { id: 'bm9wZQ' }, name: 'Key' },
        permitted: refused(403, 'reauthentication_required'),
      },
    ],
  },
  'GET /api/v1/auth/passkeys': {
    calls: () => [
      {
        label: '',
        url: '/api/v1/auth/passkeys',
        permitted: ok(200),
        check: (response, subject) => {
          // Only the caller's own passkeys: the one fixture passkey belongs to coordinator@B.
          const owner =
            'member' in subject && subject.member.userId === fixtures.b.members.coordinator.userId;
          expect((response.body.passkeys ?? []).map((passkey) => passkey.id)).toEqual(
            owner ? [otherTenantPasskeyId] : [],
          );
        },
      },
    ],
  },
  'DELETE /api/v1/auth/passkeys/:id': {
    calls: () => [
      {
        label: "Org B coordinator's passkey",
        url: `/api/v1/auth/passkeys/${otherTenantPasskeyId}`,
        permitted: [...refused(403, 'reauthentication_required'), ...refused(404, 'not_found')],
      },
    ],
  },
  'GET /api/v1/org/settings': {
    calls: () => [
      {
        label: '',
        url: '/api/v1/org/settings',
        permitted: ok(200),
        check: (response, subject) => {
          if ('actor' in subject)
            expect(response.body.slug).toBe(
              subject.actor.organizationId === fixtures.a.id ? fixtures.a.slug : fixtures.b.slug,
            );
        },
      },
    ],
  },
  'PATCH /api/v1/org/settings': {
    calls: () => [
      {
        label: 'same idle timeout',
        url: '/api/v1/org/settings',
        body: { idleTimeoutMinutes: 30 },
        permitted: ok(200),
      },
    ],
  },
  'GET /api/v1/org/members': {
    calls: () => [
      {
        label: '',
        url: '/api/v1/org/members',
        permitted: ok(200),
        check: (response, subject) => {
          if (!('actor' in subject)) return;
          const own = subject.actor.organizationId === fixtures.a.id ? fixtures.a : fixtures.b;
          const other = own === fixtures.a ? fixtures.b : fixtures.a;
          const userIds = (response.body.members ?? []).map((member) => member.userId);
          for (const member of Object.values(own.members)) expect(userIds).toContain(member.userId);
          for (const member of Object.values(other.members))
            expect(userIds).not.toContain(member.userId);
        },
      },
    ],
  },
  'POST /api/v1/org/invitations': {
    calls: () => [
      {
        label: 'new care team member',
        url: '/api/v1/org/invitations',
        body: { email: freshEmail('invitee'), role: 'care_team' },
        permitted: ok(201),
      },
    ],
  },
  'POST /api/v1/org/members/:id/deactivate': {
    calls: async () => [
      {
        label: 'member of Org A',
        url: `/api/v1/org/members/${await freshMembership(fixtures.a.id)}/deactivate`,
        body: {},
        resource: () => ({ organizationId: fixtures.a.id, relations: [] }),
        permitted: ok(200),
      },
      {
        label: 'member of Org B',
        url: `/api/v1/org/members/${await freshMembership(fixtures.b.id)}/deactivate`,
        body: {},
        resource: () => ({ organizationId: fixtures.b.id, relations: [] }),
        permitted: ok(200),
      },
    ],
  },
  'GET /api/v1/invitations/:token': {
    calls: () => [
      {
        label: 'unknown token',
        url: `/api/v1/invitations/${freshToken()}`,
        permitted: refused(400, 'invalid_token'),
      },
    ],
  },
  'POST /api/v1/invitations/:token/accept': {
    calls: () => [
      {
        label: 'unknown token',
        url: `/api/v1/invitations/${freshToken()}/accept`,
        body: { name: 'Someone', password: testPassword },
        permitted: refused(400, 'invalid_token'),
      },
    ],
  },
  'GET /api/v1/patients': {
    calls: () => [
      {
        label: '',
        url: '/api/v1/patients',
        permitted: ok(200),
        check: (response, subject) => {
          if (!('actor' in subject)) return;
          const listed = (response.body.patients ?? []).map((patient) => patient.id);
          for (const patient of fixtures.patients) {
            expect(listed.includes(patient.id), `${subject.label} lists ${patient.label}`).toBe(
              can(subject.actor, 'patient.read', patientFacts(subject.actor, patient)),
            );
          }
        },
      },
    ],
  },
  'GET /api/v1/patients/:id': { calls: patientCalls('GET') },
  'PATCH /api/v1/patients/:id': { calls: patientCalls('PATCH') },
  'POST /api/v1/patients': {
    calls: () => [
      {
        label: 'new referred patient',
        url: '/api/v1/patients',
        body: { givenName: 'Matrix', familyName: 'Referral', email: freshEmail('referred') },
        permitted: ok(201),
      },
    ],
  },
  // The fixture patients have accounts already: sending their invitation again is refused.
  'POST /api/v1/patients/:id/invitation': {
    calls: proxyCalls((patient) => ({
      url: `/api/v1/patients/${patient.id}/invitation`,
      body: {},
      permitted: refused(409, 'conflict'),
    })),
  },
  'GET /api/v1/patients/:id/proxies': {
    calls: proxyCalls((patient) => ({
      url: `/api/v1/patients/${patient.id}/proxies`,
      permitted: ok(200),
    })),
  },
  'POST /api/v1/patients/:id/proxies': {
    calls: proxyCalls((patient) => ({
      url: `/api/v1/patients/${patient.id}/proxies`,
      body: { email: freshEmail('helper'), scope: 'view' },
      permitted: ok(201),
    })),
  },
  // The fixture proxy's grant, set to the scope it has (`act`), so nothing changes.
  'PATCH /api/v1/patients/:id/proxies/:grantId': {
    calls: proxyCalls(async (patient) => ({
      url: `/api/v1/patients/${patient.id}/proxies/${await fixtureGrant(patient)}`,
      body: { scope: 'act' },
      permitted: patient.proxyUserIds.length > 0 ? ok(200) : refused(404, 'not_found'),
    })),
  },
  'POST /api/v1/patients/:id/proxies/:grantId/revoke': {
    calls: proxyCalls(async (patient) => ({
      url: `/api/v1/patients/${patient.id}/proxies/${await freshGrant(patient)}/revoke`,
      body: {},
      permitted: ok(200),
    })),
  },
  'POST /api/v1/patients/:id/proxy-invitations/:invitationId/revoke': {
    calls: proxyCalls(async (patient) => ({
      url: `/api/v1/patients/${patient.id}/proxy-invitations/${await freshProxyInvitation(patient)}/revoke`,
      body: {},
      permitted: ok(200),
    })),
  },
  'POST /api/v1/cases': {
    calls: () =>
      fixtures.patients.map((patient) => ({
        label: patient.label,
        url: '/api/v1/cases',
        body: { patientId: patient.id },
        resource: (actor) => patientFacts(actor, patient),
        permitted: ok(201),
      })),
  },
  'GET /api/v1/cases': {
    calls: () => [
      {
        label: '',
        url: '/api/v1/cases?limit=100',
        permitted: ok(200),
        check: (response, subject) => {
          if (!('actor' in subject)) return;
          const listed = (response.body.cases ?? []).map((entry) => entry.id);
          for (const { id, patient } of fixtureCases) {
            expect(listed.includes(id), `${subject.label} lists the case of ${patient.label}`).toBe(
              can(subject.actor, 'case.read', patientFacts(subject.actor, patient)),
            );
          }
        },
      },
    ],
  },
  'GET /api/v1/cases/:id': { calls: caseCalls('GET') },
  'PATCH /api/v1/cases/:id': { calls: caseCalls('PATCH') },
  'POST /api/v1/cases/:id/transitions': { calls: caseCalls('TRANSITION') },
  'GET /api/v1/audit/events': {
    calls: () => [
      {
        label: '',
        url: '/api/v1/audit/events?limit=20',
        permitted: ok(200),
        check: (response, subject) => {
          if (!('actor' in subject)) return;
          const otherPatients = fixtures.patients
            .filter((patient) => patient.organizationId !== subject.actor.organizationId)
            .map((patient) => patient.id);
          for (const event of response.body.events ?? [])
            expect(otherPatients).not.toContain(event.patientId);
        },
      },
    ],
  },
  'GET /api/v1/audit/events.csv': {
    calls: () => [
      {
        label: '',
        url: '/api/v1/audit/events.csv',
        permitted: ok(200),
        check: (response) => expect(response.headers['content-type']).toMatch(/^text\/csv/),
      },
    ],
  },
  'GET /api/v1/terminology/icd10cm': {
    calls: () => [
      { label: '', url: '/api/v1/terminology/icd10cm?q=diabetes&limit=5', permitted: ok(200) },
    ],
  },
  'GET /api/v1/terminology/icd10cm/:code': {
    calls: () => [{ label: 'E11.9', url: '/api/v1/terminology/icd10cm/E11.9', permitted: ok(200) }],
  },
  'GET /api/v1/notifications': {
    calls: async () => {
      const id = await patientANotification();
      return [
        {
          label: '',
          url: '/api/v1/notifications?limit=100',
          permitted: ok(200),
          check: (response, subject) => {
            const listed = (response.body.notifications ?? []).map((entry) => entry.id);
            expect(listed.includes(id), `${subject.label} lists the Org A patient's`).toBe(
              isPatientA(subject),
            );
          },
        },
      ];
    },
  },
  'GET /api/v1/notifications/unread-count': {
    calls: () => [{ label: '', url: '/api/v1/notifications/unread-count', permitted: ok(200) }],
  },
  'POST /api/v1/notifications/:id/read': {
    calls: async (subject) => [
      {
        label: "Org A patient's notification",
        url: `/api/v1/notifications/${await patientANotification()}/read`,
        permitted: isPatientA(subject) ? ok(200) : refused(404, 'not_found'),
      },
    ],
  },
  'POST /api/v1/notifications/read-all': {
    calls: () => [{ label: '', url: '/api/v1/notifications/read-all', permitted: ok(200) }],
  },
  'POST /api/v1/cases/:id/attachments': { calls: attachmentCalls('UPLOAD') },
  'GET /api/v1/cases/:id/attachments': { calls: attachmentCalls('LIST') },
  'GET /api/v1/cases/:id/attachments/:attachmentId/content': {
    calls: attachmentCalls('DOWNLOAD'),
  },
  'DELETE /api/v1/cases/:id/attachments/:attachmentId': { calls: attachmentCalls('DELETE') },
  // The opinion routes on the submitted fixture cases: nobody writes or reviews an opinion yet, so
  // whoever passes the policy still finds nothing (404), except the patient side, whose steps
  // exist but not at this stage (409). Offered and assigned specialists: tests/integration/case-review.
  'GET /api/v1/cases/:id/opinion-draft': { calls: opinionCalls('GET', 'opinion-draft') },
  'PUT /api/v1/cases/:id/opinion-draft': {
    calls: opinionCalls('PUT', 'opinion-draft', { content: {} }),
  },
  'POST /api/v1/cases/:id/peer-review': {
    calls: opinionCalls('POST', 'peer-review', { reviewerUserId: randomUUID() }),
  },
  'POST /api/v1/cases/:id/peer-review/decision': {
    calls: opinionCalls('POST', 'peer-review/decision', { decision: 'approve' }),
  },
  'POST /api/v1/cases/:id/patient-questions/:questionId/answer': {
    calls: opinionCalls(
      'POST',
      `patient-questions/${randomUUID()}/answer`,
      { answer: 'Yes.' },
      true,
    ),
  },
  'GET /api/v1/cases/:id/opinion': { calls: opinionCalls('GET', 'opinion') },
  'GET /api/v1/cases/:id/opinion/versions/:versionId/pdf': {
    calls: opinionCalls('GET', `opinion/versions/${randomUUID()}/pdf`),
  },
  'POST /api/v1/cases/:id/addenda': {
    calls: opinionCalls('POST', 'addenda', { text: 'A correction.' }),
  },
  'POST /api/v1/cases/:id/follow-ups': {
    calls: opinionCalls('POST', 'follow-ups', { text: 'One more question?' }, true),
  },
  'POST /api/v1/cases/:id/follow-ups/:followUpId/answer': {
    calls: opinionCalls('POST', `follow-ups/${randomUUID()}/answer`, { text: 'An answer.' }),
  },
  'POST /api/v1/cases/:id/receipts/:receiptId/confirm': {
    calls: opinionCalls('POST', `receipts/${randomUUID()}/confirm`),
  },
  'GET /api/v1/org/case-settings': {
    calls: () => [{ label: '', url: '/api/v1/org/case-settings', permitted: ok(200) }],
  },
  'PATCH /api/v1/org/case-settings': {
    calls: () => [
      {
        label: '',
        url: '/api/v1/org/case-settings',
        body: { followUpQuestionLimit: 3 },
        permitted: ok(200),
      },
    ],
  },
  'GET /api/v1/org/consent': {
    calls: () => [{ label: '', url: '/api/v1/org/consent', permitted: ok(200) }],
  },
  'POST /api/v1/org/consent': {
    calls: () => [
      {
        label: '',
        url: '/api/v1/org/consent',
        body: {
          version: `v-${randomBytes(4).toString('hex')}`,
          text: 'I agree that my records are reviewed for a second opinion.',
        },
        permitted: ok(200),
      },
    ],
  },
  'GET /api/v1/cases/:id/fhir': {
    calls: (subject) =>
      caseCalls('GET')(subject).map((call) => ({
        ...call,
        url: `${call.url}/fhir`,
        check: (response: TestResponse<AnswerBody>) =>
          expect(response.headers['content-type']).toMatch(/^application\/fhir\+json/),
      })),
  },
  'GET /api/v1/cases/:id/documents': {
    calls: recordCalls('documents', {
      check: (response) => expect(response.body).toMatchObject({ documents: [], studies: [] }),
    }),
  },
  // No fixture case holds a record: every caller learns only "not found".
  'GET /api/v1/cases/:id/documents/:documentId/content': {
    calls: recordCalls(`documents/${randomUUID()}/content`, {
      permitted: () => refused(404, 'not_found'),
    }),
  },
  'PATCH /api/v1/cases/:id/documents/:documentId': {
    calls: recordCalls(`documents/${randomUUID()}`, {
      body: { kind: 'other', dateOfService: null, source: null },
      permitted: () => refused(404, 'not_found'),
    }),
  },
  'GET /api/v1/cases/:id/records-timeline': {
    calls: recordCalls('records-timeline', {
      check: (response) => expect(response.body).toMatchObject({ entries: [] }),
    }),
  },
  'GET /api/v1/cases/:id/findings': {
    calls: recordCalls('findings', {
      check: (response) => expect(response.body).toMatchObject({ findings: [], checkedAt: null }),
    }),
  },
  // Running the checks is the coordinator's; other readers of the case learn nothing of it.
  'POST /api/v1/cases/:id/findings/check': {
    calls: recordCalls('findings/check', {
      body: {},
      permitted: (subject) =>
        'actor' in subject && subject.actor.role === 'coordinator'
          ? ok(200)
          : refused(404, 'not_found'),
      check: (response) =>
        expect(response.body).toMatchObject({ counts: { blocker: expect.any(Number) } }),
    }),
  },
  'POST /api/v1/cases/:id/findings/:findingId/decision': {
    calls: recordCalls(`findings/${randomUUID()}/decision`, {
      body: { outcome: 'dismissed', reason: 'Not relevant here' },
      permitted: () => refused(404, 'not_found'),
    }),
  },
  // No fixture case has findings: whoever may respond for the patient learns only "not found".
  'POST /api/v1/cases/:id/findings/:findingId/response': {
    calls: recordCalls(`findings/${randomUUID()}/response`, {
      body: { kind: 'answer', text: 'The scan was done at St Mary’s on 3 March.' },
      permitted: () => refused(404, 'not_found'),
    }),
  },
  // The release authorization is prepared by those who may add documents to the case.
  'POST /api/v1/cases/:id/release-of-information': {
    calls: (subject) =>
      fixtureCases.map(({ id, patient }) => ({
        label: patient.label,
        url: `/api/v1/cases/${id}/release-of-information`,
        body: {
          facility: { name: 'Riverside General Hospital' },
          recordsWanted: ['Pathology reports'],
          from: '2024-01-01',
          to: '2024-12-31',
        },
        resource: (actor: Extract<Subject, { actor: unknown }>['actor']) =>
          patientFacts(actor, patient),
        permitted:
          'actor' in subject && mayAttachTo(subject.actor, patient)
            ? ok(200)
            : refused(404, 'not_found'),
        check: (response: TestResponse<AnswerBody>) => expect(response.text).toMatch(/^%PDF-/u),
      })),
  },
  'GET /api/v1/org/checklists': {
    calls: () => [{ label: '', url: '/api/v1/org/checklists', permitted: ok(200) }],
  },
  'PUT /api/v1/org/checklists': {
    calls: () => [
      { label: '', url: '/api/v1/org/checklists', body: defaultChecklistSet, permitted: ok(200) },
    ],
  },
  'DELETE /api/v1/org/checklists': {
    calls: () => [{ label: '', url: '/api/v1/org/checklists', permitted: ok(200) }],
  },
  'GET /api/v1/verify/:code': {
    calls: () => [
      {
        label: 'unknown code',
        url: '/api/v1/verify/ABCD-EFGH-JKMN',
        permitted: refused(404, 'not_found'),
      },
    ],
  },
  'GET /api/v1/specialists': {
    calls: () => [
      {
        label: '',
        url: '/api/v1/specialists',
        permitted: ok(200),
        check: (response, subject) => {
          if (!('actor' in subject)) return;
          const listed = (response.body.specialists ?? []).map((entry) => entry.userId);
          const own = subject.actor.organizationId === fixtures.a.id ? fixtures.a : fixtures.b;
          const other = own === fixtures.a ? fixtures.b : fixtures.a;
          expect(listed).toContain(own.members.specialist.userId);
          expect(listed).not.toContain(other.members.specialist.userId);
        },
      },
    ],
  },
  'PUT /api/v1/specialists/me': {
    calls: (subject) => [
      {
        label: '',
        url: '/api/v1/specialists/me',
        body: { specialties: ['Cardiology'], languages: ['en'], credentials: 'MD' },
        permitted:
          'actor' in subject && subject.actor.role === 'specialist'
            ? ok(200)
            : refused(404, 'not_found'),
      },
    ],
  },
};

/**
 * Calls of an opinion route on each fixture case. `patientStep`: the patient side (the patient and
 * their proxy) may take the step at some stage, so on a submitted case they get 409.
 */
function opinionCalls(
  method: 'GET' | 'PUT' | 'POST',
  suffix: string,
  body?: unknown,
  patientStep = false,
): (subject: Subject) => Call[] {
  return (subject) =>
    fixtureCases.map(({ id, patient }) => ({
      label: patient.label,
      url: `/api/v1/cases/${id}/${suffix}`,
      ...(method === 'GET' ? {} : { body: body ?? {} }),
      resource: (actor: Extract<Subject, { actor: unknown }>['actor']) =>
        patientFacts(actor, patient),
      permitted:
        patientStep &&
        'actor' in subject &&
        (subject.actor.role === 'patient' || subject.actor.role === 'proxy')
          ? refused(409, 'conflict')
          : refused(404, 'not_found'),
    }));
}

const routeKey = (route: Pick<RouteDefinition, 'method' | 'path'>) =>
  `${route.method} ${route.path}`;

/** The answer the policy in core predicts before the route's own behaviour comes into play. */
function expectedOutcome(route: RouteDefinition, subject: Subject, call: Call): Outcome[] {
  const access = route.access;
  switch (access.kind) {
    case 'public':
      return call.permitted;
    case 'second_factor':
      return subject.kind === 'awaiting_second_factor'
        ? call.permitted
        : refused(401, 'unauthenticated');
    case 'member': {
      if (subject.kind === 'anonymous') return refused(401, 'unauthenticated');
      if (subject.kind === 'awaiting_second_factor') return refused(401, 'mfa_challenge_required');
      if (subject.kind === 'enrolment_required' && access.duringEnrolment !== true)
        return refused(403, 'mfa_enrolment_required');
      if (access.action !== undefined) {
        if (!canEver(subject.actor.role, access.action)) return refused(404, 'not_found');
        // Collections (no resource) are open to any role that holds the action in some relation;
        // their rows are filtered per resource, which the route's check verifies.
        if (
          call.resource !== undefined &&
          !can(subject.actor, access.action, call.resource(subject.actor))
        )
          return refused(404, 'not_found');
      }
      return call.permitted;
    }
    default: {
      const exhaustive: never = access;
      throw new Error(`unknown access ${String(exhaustive)}`);
    }
  }
}

interface Result {
  route: string;
  subject: string;
  call: string;
  expected: Outcome[];
  actual: Outcome;
}

const results: Result[] = [];

beforeAll(async () => {
  // Seventeen callers sign in and fail sign-ins from one address: lift the per-address throttle.
  testApp = await startTestApp({ AUTH_RATE_LIMIT_PER_MINUTE: '100000' });
  routes = allRoutes(testApp.app.services);
  fixtures = await createMatrixFixtures(testApp);
  const passkey = await testApp.app.services.db
    .insertInto('passkeys')
    .values({
      user_id: fixtures.b.members.coordinator.userId,
      credential_id: `cred-${randomUUID()}`,
      public_key: Buffer.from('key'),
      device_type: 'singleDevice',
      backed_up: false,
      name: 'Org B key',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  otherTenantPasskeyId = passkey.id;
  fixtureCases = [];
  for (const patient of fixtures.patients) {
    const now = testApp.clock.now();
    const row = await testApp.app.services.db
      .insertInto('cases')
      .values({
        organization_id: patient.organizationId,
        patient_id: patient.id,
        created_by_user_id: patient.userId!,
        state: 'submitted',
        stage_owner: 'coordinator',
        stage_deadline_at: new Date(now.getTime() + 86_400_000),
        submitted_at: now,
        created_at: now,
        updated_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    fixtureCases.push({ id: row.id, patient });
    fixtureAttachments.set(
      row.id,
      await createFixtureAttachment(testApp, {
        caseId: row.id,
        organizationId: patient.organizationId,
        uploadedByUserId: patient.userId!,
      }),
    );
  }
  // Signing in counts as a fresh re-authentication; let that window pass so the guarded
  // second-factor routes answer the same for every caller.
  testApp.clock.advance(6 * 60_000);
}, 120_000);

afterAll(async () => {
  await testApp?.close();
});

describe('authorization matrix', () => {
  it('knows how to call every route of the route table, and no route that is gone', () => {
    const declared = routes.map(routeKey).sort();
    expect(new Set(declared).size).toBe(declared.length);
    expect(Object.keys(samples).sort()).toEqual(declared);
  });

  it('answers every route for every caller as the access policy predicts', async () => {
    const ordered = [
      ...routes.filter((route) => samples[routeKey(route)]?.endsSession !== true),
      ...routes.filter((route) => samples[routeKey(route)]?.endsSession === true),
    ];
    for (const route of ordered) {
      const sample = samples[routeKey(route)];
      if (sample === undefined) continue;
      // Subjects of one route run concurrently: each has its own session.
      await Promise.all(
        fixtures.subjects.map(async (subject) => {
          for (const call of await sample.calls(subject)) {
            const response = await subject.client.request<AnswerBody>(
              route.method,
              call.url,
              call.body,
            );
            const expected = expectedOutcome(route, subject, call);
            const actual: Outcome = {
              status: response.status,
              ...(response.status >= 400 ? { code: response.body?.error?.code } : {}),
            };
            results.push({
              route: routeKey(route),
              subject: subject.label,
              call: call.label,
              expected,
              actual,
            });
            const matched = expected.some(
              (outcome) =>
                outcome.status === actual.status &&
                (outcome.code === undefined || outcome.code === actual.code),
            );
            if (matched && actual.status < 300) call.check?.(response, subject);
            if (response.status >= 400) {
              expect(Object.keys(response.body.error ?? {}).sort(), response.text).toEqual(
                expect.arrayContaining(['code', 'message']),
              );
            }
            if (actual.code === 'not_found') {
              // A refused read looks exactly like a missing one.
              expect(response.body).toEqual({
                error: { code: 'not_found', message: 'Not found.' },
              });
            }
          }
        }),
      );
    }
    const mismatches = results
      .filter(
        (result) =>
          !result.expected.some(
            (outcome) =>
              outcome.status === result.actual.status &&
              (outcome.code === undefined || outcome.code === result.actual.code),
          ),
      )
      .map(
        (result) =>
          `${result.route} [${result.call}] as ${result.subject}: expected ${JSON.stringify(result.expected)}, got ${JSON.stringify(result.actual)}`,
      );
    expect(mismatches).toEqual([]);
    // Every caller reached every route.
    expect(new Set(results.map((result) => result.route)).size).toBe(routes.length);
    expect(results.length).toBeGreaterThan(routes.length * fixtures.subjects.length);
  }, 240_000);

  it("left the Org B coordinator's passkey in place", async () => {
    const row = await testApp.app.services.db
      .selectFrom('passkeys')
      .select('id')
      .where('id', '=', otherTenantPasskeyId)
      .executeTakeFirst();
    expect(row?.id).toBe(otherTenantPasskeyId);
  });

  it('covers every case the authorization requirements name', () => {
    const find = (route: string, subject: string, call = '') =>
      results.find(
        (result) => result.route === route && result.subject === subject && result.call === call,
      )?.actual.status;
    const read = 'GET /api/v1/patients/:id';
    expect(find(read, 'patient@A', 'Org A patient')).toBe(200);
    expect(find(read, 'patient@A', 'Org A other patient')).toBe(404);
    expect(find(read, 'proxy@A', 'Org A patient')).toBe(200);
    expect(find(read, 'proxy@A', 'Org A other patient')).toBe(404);
    expect(find(read, 'referring_physician@A', 'Org A patient')).toBe(200);
    expect(find(read, 'referring_physician@A', 'Org A other patient')).toBe(404);
    expect(find(read, 'coordinator@A', 'Org A other patient')).toBe(200);
    expect(find(read, 'coordinator@A', 'Org B patient')).toBe(404);
    expect(find(read, 'coordinator@B', 'Org A patient')).toBe(404);
    expect(find(read, 'specialist@A', 'Org A patient')).toBe(404);
    expect(find(read, 'care_team@A', 'Org A patient')).toBe(404);
    expect(find(read, 'org_admin@A', 'Org A patient')).toBe(404);
    expect(find(read, 'anonymous', 'Org A patient')).toBe(401);
    expect(find('POST /api/v1/org/members/:id/deactivate', 'org_admin@B', 'member of Org A')).toBe(
      404,
    );
    expect(find('POST /api/v1/org/members/:id/deactivate', 'org_admin@A', 'member of Org A')).toBe(
      200,
    );
    expect(find('GET /api/v1/audit/events', 'patient@A')).toBe(404);
    const readCase = 'GET /api/v1/cases/:id';
    expect(find(readCase, 'patient@A', 'Org A patient')).toBe(200);
    expect(find(readCase, 'patient@A', 'Org A other patient')).toBe(404);
    expect(find(readCase, 'proxy@A', 'Org A patient')).toBe(200);
    expect(find(readCase, 'proxy@A', 'Org A other patient')).toBe(404);
    expect(find(readCase, 'referring_physician@A', 'Org A patient')).toBe(200);
    expect(find(readCase, 'coordinator@A', 'Org A other patient')).toBe(200);
    expect(find(readCase, 'coordinator@B', 'Org A patient')).toBe(404);
    expect(find(readCase, 'specialist@A', 'Org A patient')).toBe(404);
    expect(find(readCase, 'org_admin@A', 'Org A patient')).toBe(404);
    const transitions = 'POST /api/v1/cases/:id/transitions';
    expect(find(transitions, 'coordinator@A', 'Org A patient')).toBe(409);
    expect(find(transitions, 'patient@A', 'Org A patient')).toBe(404);
  });
});
