/**
 * Notifications through the real server on a real PostgreSQL: `notify` writes one in-app row and
 * one email per recipient (never to the actor, never with patient data), the inbox routes (paging,
 * unread count, read, read all; someone else's or another organization's notification answers
 * 404), and the deadline sweep (each overdue stage escalates once, a near deadline is announced
 * once to the stage's owners, two sweeps at once notify no one twice).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaseState, StageOwner, Urgency } from '../../src/core/case-lifecycle.ts';
import { transact } from '../../src/server/app/unit-of-work.ts';
import { initJobQueue } from '../../src/server/jobs/job-queue.ts';
import {
  deadlineSweepJob,
  startDeadlineSweep,
  sweepDeadlines,
} from '../../src/server/notifications/deadline-sweep.ts';
import {
  coordinatorsOf,
  notify,
  patientSideOf,
  type NotificationInput,
} from '../../src/server/notifications/notify.ts';
import { createLogger } from '../../src/server/platform/logger.ts';
import { createMember, createOrganization, type TestMember } from '../support/accounts.ts';
import { expectError } from '../support/auth-helpers.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

interface NotificationBody {
  id: string;
  kind: string;
  caseId: string | null;
  data: Record<string, string | number | boolean | null>;
  createdAt: string;
  readAt: string | null;
}

interface PageBody {
  notifications: NotificationBody[];
  nextCursor: string | null;
}

const hour = 3_600_000;
/** Case content that must never reach an email. */
const conditionText = 'Osteosarcoma of the left distal femur';
const appUrl = 'http://localhost:3000';

let testApp: TestApp;
let organizationId: string;
let otherOrganizationId: string;
let patient: TestMember;
let proxy: TestMember;
let revokedProxy: TestMember;
let referrer: TestMember;
let coordinator: TestMember;
let secondCoordinator: TestMember;
let specialist: TestMember;
let offeredSpecialist: TestMember;
let departedCareTeam: TestMember;
let otherTenantCoordinator: TestMember;
let otherTenantPatient: TestMember;

/** A case row in `state`, inserted directly (the lifecycle is tested in cases.test.ts). */
async function insertCase(
  options: {
    state?: CaseState;
    owner?: StageOwner;
    deadline?: Date | null;
    urgency?: Urgency;
    patientId?: string;
    organization?: string;
    assignedSpecialistUserId?: string | null;
    referringPhysicianUserId?: string | null;
  } = {},
): Promise<string> {
  const now = testApp.clock.now();
  const row = await testApp.app.services.db
    .insertInto('cases')
    .values({
      organization_id: options.organization ?? organizationId,
      patient_id: options.patientId ?? patient.patientId!,
      created_by_user_id: patient.userId,
      state: options.state ?? 'triage',
      stage_owner: options.owner ?? 'coordinator',
      stage_deadline_at:
        options.deadline === undefined ? new Date(now.getTime() + 48 * hour) : options.deadline,
      urgency: options.urgency ?? 'routine',
      condition_description: conditionText,
      assigned_specialist_user_id: options.assignedSpecialistUserId ?? null,
      referring_physician_user_id: options.referringPhysicianUserId ?? null,
      submitted_at: now,
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

function send(input: NotificationInput & { actorUserId: string | null }) {
  return transact(testApp.app.services, (unit) => notify(unit, { ...input, appUrl }));
}

async function notificationsOf(caseId: string, kind: string) {
  return testApp.app.services.db
    .selectFrom('notifications')
    .select(['user_id', 'data', 'organization_id'])
    .where('case_id', '=', caseId)
    .where('kind', '=', kind)
    .orderBy('user_id')
    .execute();
}

/** How many emails to `to` the outbox holds (the outbox is the record of every email). */
async function outboxCount(to: string, subject?: string): Promise<number> {
  const db = testApp.app.services.db;
  let query = db
    .selectFrom('mail_outbox')
    .select(db.fn.countAll<number>().as('count'))
    .where('to_address', '=', to);
  if (subject !== undefined) query = query.where('subject', '=', subject);
  return (await query.executeTakeFirstOrThrow()).count;
}

/** The emails that link to a case's page (those to the patient side). */
async function outboxFor(caseId: string) {
  return testApp.app.services.db
    .selectFrom('mail_outbox')
    .select(['to_address', 'subject', 'text_body', 'html_body'])
    .where('text_body', 'like', `%/cases/${caseId}%`)
    .orderBy('to_address')
    .execute();
}

const sorted = (values: string[]) => [...values].sort();

beforeAll(async () => {
  testApp = await startTestApp();
  const organization = await createOrganization(testApp, 'Notice Clinic');
  organizationId = organization.id;
  patient = await createMember(testApp, organizationId, 'patient');
  proxy = await createMember(testApp, organizationId, 'proxy');
  revokedProxy = await createMember(testApp, organizationId, 'proxy', { signIn: false });
  referrer = await createMember(testApp, organizationId, 'referring_physician', { signIn: false });
  coordinator = await createMember(testApp, organizationId, 'coordinator');
  secondCoordinator = await createMember(testApp, organizationId, 'coordinator', {
    signIn: false,
  });
  specialist = await createMember(testApp, organizationId, 'specialist', { signIn: false });
  offeredSpecialist = await createMember(testApp, organizationId, 'specialist', {
    signIn: false,
  });
  departedCareTeam = await createMember(testApp, organizationId, 'care_team', { signIn: false });
  const other = await createOrganization(testApp, 'Other Clinic');
  otherOrganizationId = other.id;
  otherTenantCoordinator = await createMember(testApp, other.id, 'coordinator', {
    signIn: false,
  });
  otherTenantPatient = await createMember(testApp, other.id, 'patient', { signIn: false });

  const db = testApp.app.services.db;
  const now = testApp.clock.now();
  await db
    .insertInto('patient_proxies')
    .values([
      {
        organization_id: organizationId,
        patient_id: patient.patientId!,
        proxy_user_id: proxy.userId,
      },
      {
        organization_id: organizationId,
        patient_id: patient.patientId!,
        proxy_user_id: revokedProxy.userId,
        revoked_at: now,
      },
    ])
    .execute();
  await db.updateTable('users').set({ locale: 'es-ES' }).where('id', '=', proxy.userId).execute();
  await db
    .updateTable('memberships')
    .set({ status: 'deactivated', deactivated_at: now })
    .where('id', '=', departedCareTeam.membershipId)
    .execute();
}, 120_000);

afterAll(async () => {
  await testApp?.close();
});

describe('notify', () => {
  it('finds the coordinators and the patient side of a case', async () => {
    const caseId = await insertCase();
    const { coordinators, patientSide } = await transact(testApp.app.services, async (unit) => ({
      coordinators: await coordinatorsOf(unit.trx, organizationId),
      patientSide: await patientSideOf(unit.trx, caseId),
    }));
    expect(coordinators).toEqual(sorted([coordinator.userId, secondCoordinator.userId]));
    // The revoked proxy is no longer on the patient's side.
    expect(patientSide).toEqual(sorted([patient.userId, proxy.userId]));
  });

  it('writes one notification and one email per recipient, not to the actor, and no patient data', async () => {
    const caseId = await insertCase();
    await send({
      organizationId,
      recipientUserIds: [
        patient.userId,
        proxy.userId,
        proxy.userId,
        coordinator.userId,
        departedCareTeam.userId,
        otherTenantCoordinator.userId,
      ],
      kind: 'opinion_delivered',
      caseId,
      data: { state: 'delivered' },
      actorUserId: coordinator.userId,
    });

    const rows = await notificationsOf(caseId, 'opinion_delivered');
    expect(rows).toEqual(
      sorted([patient.userId, proxy.userId]).map((userId) => ({
        user_id: userId,
        organization_id: organizationId,
        data: { state: 'delivered' },
      })),
    );

    const toPatient = await testApp.smtp.waitFor(patient.email, /news on your second-opinion case/);
    const toProxy = await testApp.smtp.waitFor(proxy.email, /Hay novedades/);
    for (const email of [toPatient, toProxy]) {
      expect(email.text).toContain(`${appUrl}/cases/${caseId}`);
      expect(email.text).not.toContain(conditionText);
      expect(email.text).not.toMatch(/femur|Osteosarcoma/i);
      expect(email.subject).not.toMatch(/femur|Osteosarcoma/i);
    }
    const outbox = await outboxFor(caseId);
    expect(outbox.map((email) => email.to_address)).toEqual(sorted([patient.email, proxy.email]));
    for (const email of outbox) expect(email.html_body).not.toContain(conditionText);
  });

  it('writes nothing when the actor is the only recipient', async () => {
    const caseId = await insertCase();
    const before = await outboxCount(coordinator.email);
    await send({
      organizationId,
      recipientUserIds: [coordinator.userId],
      kind: 'case_submitted',
      caseId,
      actorUserId: coordinator.userId,
    });
    expect(await notificationsOf(caseId, 'case_submitted')).toEqual([]);
    expect(await outboxCount(coordinator.email)).toBe(before);
  });

  it('writes nothing when the change rolls back', async () => {
    const caseId = await insertCase();
    await expect(
      transact(testApp.app.services, async (unit) => {
        await notify(unit, {
          organizationId,
          recipientUserIds: [patient.userId],
          kind: 'records_requested',
          caseId,
          actorUserId: coordinator.userId,
          appUrl,
        });
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    expect(await notificationsOf(caseId, 'records_requested')).toEqual([]);
    expect(await outboxFor(caseId)).toEqual([]);
  });
});

describe('the inbox', () => {
  let member: TestMember;
  let ownIds: string[];
  let strangersId: string;
  let otherTenantId: string;

  beforeAll(async () => {
    member = await createMember(testApp, organizationId, 'patient');
    const caseId = await insertCase({ patientId: member.patientId! });
    ownIds = [];
    for (const kind of [
      'case_submitted',
      'records_requested',
      'offer_accepted',
      'opinion_delivered',
      'follow_up_answered',
    ] as const) {
      testApp.clock.advance(1_000);
      await send({
        organizationId,
        recipientUserIds: [member.userId],
        kind,
        caseId,
        data: { state: 'triage' },
        actorUserId: null,
      });
      const row = await testApp.app.services.db
        .selectFrom('notifications')
        .select('id')
        .where('user_id', '=', member.userId)
        .where('kind', '=', kind)
        .executeTakeFirstOrThrow();
      ownIds.unshift(row.id);
    }
    await send({
      organizationId,
      recipientUserIds: [patient.userId],
      kind: 'case_withdrawn',
      caseId,
      actorUserId: null,
    });
    strangersId = (
      await testApp.app.services.db
        .selectFrom('notifications')
        .select('id')
        .where('user_id', '=', patient.userId)
        .where('kind', '=', 'case_withdrawn')
        .executeTakeFirstOrThrow()
    ).id;
    // The same person as seen by another organization: never shown in this one.
    otherTenantId = (
      await testApp.app.services.db
        .insertInto('notifications')
        .values({
          organization_id: otherOrganizationId,
          user_id: member.userId,
          case_id: null,
          kind: 'case_cancelled',
          created_at: testApp.clock.now(),
        })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
  });

  it('lists the caller’s own notifications newest first, page by page', async () => {
    const seen: NotificationBody[] = [];
    let url = '/api/v1/notifications?limit=2';
    for (let pages = 0; pages < 5; pages += 1) {
      const response = await member.client.get<PageBody>(url);
      expect(response.status, response.text).toBe(200);
      seen.push(...response.body.notifications);
      if (response.body.nextCursor === null) break;
      url = `/api/v1/notifications?limit=2&before=${response.body.nextCursor}`;
    }
    expect(seen.map((entry) => entry.id)).toEqual(ownIds);
    expect(seen[0]).toEqual({
      id: ownIds[0],
      kind: 'follow_up_answered',
      caseId: expect.any(String),
      data: { state: 'triage' },
      createdAt: expect.any(String),
      readAt: null,
    });
    expectError(
      await member.client.get('/api/v1/notifications?before=not-a-cursor'),
      400,
      'validation_failed',
      {
        message: 'The page cursor is not valid.',
        details: { issues: [{ path: 'query.before', message: 'invalid cursor' }] },
      },
    );
  });

  it('counts and marks read, one or all, and only the caller’s own', async () => {
    const count = async () =>
      (await member.client.get<{ count: number }>('/api/v1/notifications/unread-count')).body.count;
    expect(await count()).toBe(5);

    const read = await member.client.post<NotificationBody>(
      `/api/v1/notifications/${ownIds[1]}/read`,
    );
    expect(read.status, read.text).toBe(200);
    expect(read.body).toMatchObject({ id: ownIds[1], readAt: expect.any(String) });
    testApp.clock.advance(60_000);
    const again = await member.client.post<NotificationBody>(
      `/api/v1/notifications/${ownIds[1]}/read`,
    );
    expect(again.body.readAt).toBe(read.body.readAt);
    expect(await count()).toBe(4);

    const unread = await member.client.get<PageBody>('/api/v1/notifications?unreadOnly=true');
    expect(unread.body.notifications.map((entry) => entry.id)).toEqual(
      ownIds.filter((id) => id !== ownIds[1]),
    );

    for (const id of [strangersId, otherTenantId, '00000000-0000-4000-8000-000000000000']) {
      const refused = await member.client.post(`/api/v1/notifications/${id}/read`);
      expectError(refused, 404, 'not_found');
      expect(refused.body).toEqual({ error: { code: 'not_found', message: 'Not found.' } });
    }

    const all = await member.client.post<{ updated: number }>('/api/v1/notifications/read-all');
    expect(all.body).toEqual({ updated: 4 });
    expect(await count()).toBe(0);
    const rows = await testApp.app.services.db
      .selectFrom('notifications')
      .select(['id', 'read_at'])
      .where('id', 'in', [strangersId, otherTenantId])
      .execute();
    expect(rows.map((row) => row.read_at)).toEqual([null, null]);
  });

  it('answers 401 to someone signed out', async () => {
    expectError(await testApp.client().get('/api/v1/notifications'), 401, 'unauthenticated');
  });
});

describe('the deadline sweep', () => {
  it('escalates an overdue stage to the coordinators once per deadline', async () => {
    const deadline = new Date(testApp.clock.now().getTime() - hour);
    const caseId = await insertCase({ state: 'triage', deadline });
    const otherTenantCase = await insertCase({
      organization: otherOrganizationId,
      patientId: otherTenantPatient.patientId!,
      deadline,
    });

    const overdueSubject = 'A case is past its deadline';
    const before = await Promise.all(
      [coordinator, secondCoordinator].map((member) => outboxCount(member.email, overdueSubject)),
    );
    const first = await sweepDeadlines(testApp.app.services, testApp.clock.now());
    expect(first.escalated).toBeGreaterThanOrEqual(2);
    await sweepDeadlines(testApp.app.services, testApp.clock.now());

    const rows = await notificationsOf(caseId, 'stage_overdue');
    expect(rows).toEqual(
      sorted([coordinator.userId, secondCoordinator.userId]).map((userId) => ({
        user_id: userId,
        organization_id: organizationId,
        data: { state: 'triage', deadline: deadline.toISOString() },
      })),
    );
    expect(
      (await notificationsOf(otherTenantCase, 'stage_overdue')).map((row) => row.user_id),
    ).toEqual([otherTenantCoordinator.userId]);
    expect(
      await Promise.all(
        [coordinator, secondCoordinator].map((member) => outboxCount(member.email, overdueSubject)),
      ),
    ).toEqual(before.map((count) => count + 1));
    // Staff are led to their inbox, which links to the case screen of their role.
    const email = await testApp.smtp.waitFor(coordinator.email, /past its deadline/);
    expect(email.text).toContain(`${appUrl}/notifications`);
    expect(email.text).not.toContain(conditionText);
    const stored = await testApp.app.services.db
      .selectFrom('cases')
      .select(['escalated_deadline_at', 'version'])
      .where('id', '=', caseId)
      .executeTakeFirstOrThrow();
    expect(stored).toEqual({ escalated_deadline_at: deadline, version: 1 });

    // A new stage brings a new deadline, which escalates again when it passes.
    const next = new Date(testApp.clock.now().getTime() + hour);
    await testApp.app.services.db
      .updateTable('cases')
      .set({ state: 'ready_for_matching', stage_deadline_at: next })
      .where('id', '=', caseId)
      .execute();
    await sweepDeadlines(testApp.app.services, testApp.clock.now());
    expect(await notificationsOf(caseId, 'stage_overdue')).toHaveLength(2);
    await sweepDeadlines(testApp.app.services, new Date(next.getTime() + 1));
    expect(await notificationsOf(caseId, 'stage_overdue')).toHaveLength(4);
  });

  it('leaves closed cases and cases without a deadline alone', async () => {
    const past = new Date(testApp.clock.now().getTime() - hour);
    const closed = await insertCase({ state: 'closed', deadline: past });
    const undated = await insertCase({ state: 'triage', deadline: null });
    await sweepDeadlines(testApp.app.services, testApp.clock.now());
    expect(await notificationsOf(closed, 'stage_overdue')).toEqual([]);
    expect(await notificationsOf(undated, 'stage_overdue')).toEqual([]);
  });

  it('announces a near deadline once to the people who own the stage', async () => {
    const now = testApp.clock.now();
    const patientStage = await insertCase({
      state: 'awaiting_records',
      owner: 'patient',
      deadline: new Date(now.getTime() + 20 * hour),
      referringPhysicianUserId: referrer.userId,
    });
    const offeredStage = await insertCase({
      state: 'offered',
      owner: 'specialist',
      deadline: new Date(now.getTime() + 10 * hour),
      assignedSpecialistUserId: specialist.userId,
    });
    await testApp.app.services.db
      .insertInto('case_offers')
      .values({
        case_id: offeredStage,
        offered_by_user_id: coordinator.userId,
        specialist_user_id: offeredSpecialist.userId,
        offered_at: now,
        expires_at: new Date(now.getTime() + 10 * hour),
      })
      .execute();
    const reviewStage = await insertCase({
      state: 'in_review',
      owner: 'specialist',
      deadline: new Date(now.getTime() + 23 * hour),
      assignedSpecialistUserId: specialist.userId,
    });
    const coordinatorStage = await insertCase({
      state: 'submitted',
      owner: 'coordinator',
      deadline: new Date(now.getTime() + 2 * hour),
      urgency: 'urgent',
    });
    const urgentLater = await insertCase({
      state: 'triage',
      owner: 'coordinator',
      deadline: new Date(now.getTime() + 6 * hour),
      urgency: 'urgent',
    });
    const routineLater = await insertCase({
      state: 'in_review',
      owner: 'specialist',
      deadline: new Date(now.getTime() + 30 * hour),
      assignedSpecialistUserId: specialist.userId,
    });

    await sweepDeadlines(testApp.app.services, now);
    await sweepDeadlines(testApp.app.services, new Date(now.getTime() + 60_000));

    const recipients = async (caseId: string) =>
      (await notificationsOf(caseId, 'deadline_approaching')).map((row) => row.user_id);
    expect(await recipients(patientStage)).toEqual(
      sorted([patient.userId, proxy.userId, referrer.userId]),
    );
    expect(await recipients(offeredStage)).toEqual([offeredSpecialist.userId]);
    expect(await recipients(reviewStage)).toEqual([specialist.userId]);
    expect(await recipients(coordinatorStage)).toEqual(
      sorted([coordinator.userId, secondCoordinator.userId]),
    );
    expect(await recipients(urgentLater)).toEqual([]);
    expect(await recipients(routineLater)).toEqual([]);
    expect((await notificationsOf(patientStage, 'deadline_approaching'))[0]?.data).toEqual({
      state: 'awaiting_records',
      deadline: new Date(now.getTime() + 20 * hour).toISOString(),
      urgency: 'routine',
    });
    const email = await testApp.smtp.waitFor(proxy.email, /plazo vence pronto/);
    expect(email.text).toContain(`/cases/${patientStage}`);
    expect(email.text).not.toContain(conditionText);

    // Within four hours of its deadline the urgent stage is announced too, and only once.
    await sweepDeadlines(testApp.app.services, new Date(now.getTime() + 2.5 * hour));
    await sweepDeadlines(testApp.app.services, new Date(now.getTime() + 2.6 * hour));
    expect(await recipients(urgentLater)).toEqual(
      sorted([coordinator.userId, secondCoordinator.userId]),
    );
    expect(await recipients(patientStage)).toHaveLength(3);
  });

  it('notifies no one twice when two sweeps run at once', async () => {
    const now = testApp.clock.now();
    const overdue: string[] = [];
    const approaching: string[] = [];
    for (let index = 0; index < 60; index += 1) {
      overdue.push(
        await insertCase({ state: 'triage', deadline: new Date(now.getTime() - hour - index) }),
      );
      approaching.push(
        await insertCase({
          state: 'in_review',
          owner: 'specialist',
          deadline: new Date(now.getTime() + 5 * hour + index),
          assignedSpecialistUserId: specialist.userId,
        }),
      );
    }
    const db = testApp.app.services.db;
    const emailsToSpecialist = async () =>
      (
        await db
          .selectFrom('mail_outbox')
          .select(db.fn.countAll<number>().as('count'))
          .where('to_address', '=', specialist.email)
          .where('subject', '=', 'A deadline is approaching')
          .executeTakeFirstOrThrow()
      ).count;
    const emailsBefore = await emailsToSpecialist();
    const results = await Promise.all([
      sweepDeadlines(testApp.app.services, now),
      sweepDeadlines(testApp.app.services, now),
      sweepDeadlines(testApp.app.services, now),
    ]);
    expect(results.reduce((sum, result) => sum + result.escalated, 0)).toBe(60);
    expect(results.reduce((sum, result) => sum + result.announced, 0)).toBe(60);

    const counts = await db
      .selectFrom('notifications')
      .select(['case_id', 'kind', db.fn.countAll<number>().as('count')])
      .where('case_id', 'in', [...overdue, ...approaching])
      .groupBy(['case_id', 'kind'])
      .execute();
    expect(counts).toHaveLength(120);
    for (const row of counts) {
      expect(row.count, `${row.kind} ${row.case_id ?? ''}`).toBe(
        row.kind === 'stage_overdue' ? 2 : 1,
      );
    }
    expect(await emailsToSpecialist()).toBe(emailsBefore + 60);
  });

  it('runs from the job queue', async () => {
    const caseId = await insertCase({
      state: 'triage',
      deadline: new Date(testApp.clock.now().getTime() - hour),
    });
    const jobs = await initJobQueue(testApp.databaseUrl, createLogger('silent'));
    try {
      await startDeadlineSweep(jobs, testApp.app.services);
      await jobs.send(deadlineSweepJob, {});
      const deadline = Date.now() + 15_000;
      while ((await notificationsOf(caseId, 'stage_overdue')).length === 0) {
        if (Date.now() > deadline) throw new Error('the sweep job did not run');
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(await notificationsOf(caseId, 'stage_overdue')).toHaveLength(2);
    } finally {
      await jobs.close();
    }
  });
});
