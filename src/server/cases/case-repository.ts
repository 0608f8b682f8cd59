/**
 * SQL for cases, bound to the acting member: the access rule from core becomes a SQL filter, so a
 * case the actor may not see is never loaded (and the caller answers 404). No rules live here;
 * the use cases decide, this module reads and writes.
 */
import { sql, type Expression, type Insertable, type Kysely, type SqlBool } from 'kysely';
import type { Action, Actor } from '../../core/access.ts';
import type { CaseState, StageOwner, Urgency } from '../../core/case-lifecycle.ts';
import type { Allergy, CaseGoals, Medication } from '../../core/case-intake.ts';
import { patientAccessFilter, patientRelation } from '../access/patient-access-filter.ts';
import type { Database, DatabaseTransaction } from '../db/database.ts';
import type { DB } from '../db/schema.gen.ts';

type Executor = Database | DatabaseTransaction;

/** The access rule over cases `c`. */
function accessFilter(actor: Actor, action: Action): Expression<SqlBool> {
  return patientAccessFilter(actor, action, {
    organization: 'c.organization_id',
    patient: 'c.patient_id',
    case: 'c.id',
  });
}

const caseColumns = [
  'c.id',
  'c.organization_id',
  'c.patient_id',
  'c.created_by_user_id',
  'c.state',
  'c.urgency',
  'c.urgency_reason',
  'c.condition_description',
  'c.diagnosis_code',
  'c.diagnosis_text',
  'c.proposed_treatment',
  'c.history',
  'c.goals',
  'c.consent_version',
  'c.consent_accepted_at',
  'c.stage_owner',
  'c.stage_deadline_at',
  'c.submitted_at',
  'c.created_at',
  'c.updated_at',
  'c.version',
] as const;

/**
 * One case the actor may take `action` on, with the actor's relations to it and what the
 * lifecycle needs from its organization (time zone, current consent version); undefined when not
 * visible.
 */
export function findVisibleCase(db: Executor, actor: Actor, action: Action, caseId: string) {
  return db
    .selectFrom('cases as c')
    .innerJoin('organizations as o', 'o.id', 'c.organization_id')
    .innerJoin('patients as p', 'p.id', 'c.patient_id')
    .leftJoin('users as pu', 'pu.id', 'p.user_id')
    .leftJoin('case_offers as po', (join) =>
      join.onRef('po.case_id', '=', 'c.id').on('po.status', '=', 'pending'),
    )
    .leftJoin('opinion_drafts as d', 'd.case_id', 'c.id')
    .select(caseColumns)
    .select([
      'c.assigned_specialist_user_id',
      'c.referring_physician_user_id',
      'c.delivered_at',
      'c.follow_up_window_ends_at',
      'o.name as organization_name',
      'o.time_zone as organization_time_zone',
      'o.consent_version as organization_consent_version',
      'o.peer_review_required as organization_peer_review_required',
      'o.release_by_coordinator as organization_release_by_coordinator',
      'o.follow_up_question_limit as organization_follow_up_limit',
      'o.follow_up_window_days as organization_follow_up_window_days',
      'o.business_days as organization_business_days',
      'o.holidays as organization_holidays',
      'o.service_levels as organization_service_levels',
      'p.user_id as patient_user_id',
      'p.given_name as patient_given_name',
      'p.family_name as patient_family_name',
      'p.birth_date as patient_birth_date',
      'p.email as patient_email',
      'pu.email as patient_user_email',
      'po.id as offer_id',
      'po.specialist_user_id as offer_specialist_user_id',
      'po.expires_at as offer_expires_at',
      'd.content as draft_content',
      'd.version as draft_version',
      'd.author_user_id as draft_author_user_id',
      patientRelation(actor, 'self', 'c.patient_id').as('actor_is_self'),
      patientRelation(actor, 'proxy', 'c.patient_id').as('actor_is_proxy'),
      patientRelation(actor, 'proxy', 'c.patient_id', 'act').as('actor_is_acting_proxy'),
      patientRelation(actor, 'referrer', 'c.patient_id').as('actor_is_referrer'),
      sql<number>`(SELECT count(*)::int FROM case_questions q WHERE q.case_id = c.id)`.as(
        'question_count',
      ),
      sql<number>`(SELECT count(*)::int FROM case_record_requests r WHERE r.case_id = c.id AND r.status = 'open')`.as(
        'open_record_requests',
      ),
      sql<number>`(SELECT count(*)::int FROM case_patient_questions pq WHERE pq.case_id = c.id AND pq.answered_at IS NULL AND pq.retracted_at IS NULL)`.as(
        'open_patient_questions',
      ),
      sql<
        string | null
      >`(SELECT pr.status FROM peer_reviews pr WHERE pr.case_id = c.id AND pr.status <> 'withdrawn' ORDER BY pr.requested_at DESC, pr.id DESC LIMIT 1)`.as(
        'peer_review_status',
      ),
      sql<
        number | null
      >`(SELECT pr.draft_version FROM peer_reviews pr WHERE pr.case_id = c.id AND pr.status <> 'withdrawn' ORDER BY pr.requested_at DESC, pr.id DESC LIMIT 1)`.as(
        'peer_review_draft_version',
      ),
      sql<number>`(SELECT count(*)::int FROM follow_up_questions f WHERE f.case_id = c.id)`.as(
        'follow_ups_asked',
      ),
      sql<number>`(SELECT count(*)::int FROM follow_up_questions f WHERE f.case_id = c.id AND f.answered_at IS NULL)`.as(
        'follow_ups_open',
      ),
      sql<number>`(SELECT count(*)::int FROM opinion_versions v WHERE v.case_id = c.id)`.as(
        'signed_version_count',
      ),
    ])
    .where('c.id', '=', caseId)
    .where(accessFilter(actor, action))
    .executeTakeFirst();
}

export type VisibleCaseRow = NonNullable<Awaited<ReturnType<typeof findVisibleCase>>>;

/** Who started the case, with their role in its organization (the FHIR requester). */
export function findCaseCreator(db: Executor, organizationId: string, userId: string) {
  return db
    .selectFrom('users as u')
    .leftJoin('memberships as m', (join) =>
      join.onRef('m.user_id', '=', 'u.id').on('m.organization_id', '=', organizationId),
    )
    .select(['u.id', 'u.name', 'm.role'])
    .where('u.id', '=', userId)
    .executeTakeFirst();
}

/** The state and version a case has now (to report a lost race). */
export function findCaseState(db: Executor, caseId: string) {
  return db
    .selectFrom('cases')
    .select(['state', 'version'])
    .where('id', '=', caseId)
    .executeTakeFirstOrThrow();
}

/** The physicians who referred the patient, oldest link first. */
export async function findPatientReferrers(db: Executor, patientId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('patient_referrers')
    .select('physician_user_id')
    .where('patient_id', '=', patientId)
    .orderBy('created_at')
    .execute();
  return rows.map((row) => row.physician_user_id);
}

export function insertCase(
  db: Executor,
  values: {
    organizationId: string;
    patientId: string;
    createdByUserId: string;
    referringPhysicianUserId: string | null;
    now: Date;
  },
) {
  return db
    .insertInto('cases')
    .values({
      organization_id: values.organizationId,
      patient_id: values.patientId,
      created_by_user_id: values.createdByUserId,
      referring_physician_user_id: values.referringPhysicianUserId,
      state: 'draft',
      stage_owner: 'patient',
      created_at: values.now,
      updated_at: values.now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
}

/** The intake columns a change may set, already in storage form. */
export interface IntakeColumns {
  urgency?: Urgency;
  urgency_reason?: string | null;
  condition_description?: string | null;
  diagnosis_code?: string | null;
  diagnosis_text?: string | null;
  proposed_treatment?: string | null;
  history?: string | null;
  goals?: CaseGoals;
  consent_version?: string | null;
  consent_accepted_at?: Date | null;
}

/**
 * Writes an intake change if the case is still in the `state` and at the `version` the caller
 * read; answers undefined when another change got there first.
 */
export function updateIntake(
  db: Executor,
  caseId: string,
  { state, version }: { state: CaseState; version: number },
  columns: IntakeColumns,
  now: Date,
) {
  const { goals, ...rest } = columns;
  return db
    .updateTable('cases')
    .set({
      ...rest,
      ...(goals === undefined ? {} : { goals: JSON.stringify(goals) }),
      updated_at: now,
      version: version + 1,
    })
    .where('id', '=', caseId)
    .where('state', '=', state)
    .where('version', '=', version)
    .returning('version')
    .executeTakeFirst();
}

/** The intake lists of a case: rows in the patient's order, replaced whole on every save. */
type CaseListTable = 'case_questions' | 'case_medications' | 'case_allergies' | 'case_devices';

async function replaceCaseList<T extends CaseListTable>(
  db: Executor,
  table: T,
  caseId: string,
  rows: readonly Omit<Insertable<DB[T]>, 'case_id' | 'position'>[],
): Promise<void> {
  // The four tables share these two statements; Kysely's types cannot follow a table union here,
  // so the rows are checked by the signature above and written through a narrowed view.
  const lists = db as unknown as Kysely<
    Record<CaseListTable, { case_id: string; position: number }>
  >;
  const name: CaseListTable = table;
  await lists.deleteFrom(name).where('case_id', '=', caseId).execute();
  if (rows.length === 0) return;
  await lists
    .insertInto(name)
    .values(rows.map((row, position) => ({ ...row, case_id: caseId, position })))
    .execute();
}

export function replaceQuestions(db: Executor, caseId: string, questions: string[]) {
  return replaceCaseList(
    db,
    'case_questions',
    caseId,
    questions.map((text) => ({ text })),
  );
}

export function replaceMedications(db: Executor, caseId: string, medications: Medication[]) {
  return replaceCaseList(
    db,
    'case_medications',
    caseId,
    medications.map((medication) => ({
      name: medication.name,
      dose: medication.dose ?? null,
      frequency: medication.frequency ?? null,
    })),
  );
}

export function replaceAllergies(db: Executor, caseId: string, allergies: Allergy[]) {
  return replaceCaseList(
    db,
    'case_allergies',
    caseId,
    allergies.map((allergy) => ({
      substance: allergy.substance,
      reaction: allergy.reaction ?? null,
      severity: allergy.severity ?? null,
    })),
  );
}

export function replaceDevices(db: Executor, caseId: string, devices: string[]) {
  return replaceCaseList(
    db,
    'case_devices',
    caseId,
    devices.map((description) => ({ description })),
  );
}

/** Case columns a transition may set besides its state, owner and clock. */
export interface CaseStageColumns {
  submitted_at?: Date;
  assigned_specialist_user_id?: string | null;
  delivered_at?: Date;
  follow_up_window_ends_at?: Date;
  closed_at?: Date;
}

/**
 * Moves the case from `from` at `version` into its next stage. Exactly one of two concurrent
 * callers that read the same state and version gets a row back: the other's UPDATE waits for the
 * first to commit, then no longer matches.
 */
export function updateCaseStage(
  db: Executor,
  change: {
    caseId: string;
    from: CaseState;
    version: number;
    to: CaseState;
    owner: StageOwner | null;
    deadline: Date | null;
    columns?: CaseStageColumns;
    now: Date;
  },
) {
  return db
    .updateTable('cases')
    .set({
      ...change.columns,
      state: change.to,
      stage_owner: change.owner,
      stage_deadline_at: change.deadline,
      updated_at: change.now,
      version: change.version + 1,
    })
    .where('id', '=', change.caseId)
    .where('state', '=', change.from)
    .where('version', '=', change.version)
    .returning(['state', 'version'])
    .executeTakeFirst();
}

/** Sets (or clears) the running stage's clock without a state change, e.g. a follow-up asked. */
export function setStageDeadline(db: Executor, caseId: string, deadline: Date | null, now: Date) {
  return db
    .updateTable('cases')
    .set({ stage_deadline_at: deadline, updated_at: now })
    .where('id', '=', caseId)
    .execute();
}

export function insertTimelineEntry(
  db: Executor,
  entry: {
    caseId: string;
    occurredAt: Date;
    actorUserId: string | null;
    kind: 'created' | 'transition' | 'event';
    transition?: string;
    event?: string;
    fromState?: CaseState;
    toState?: CaseState | null;
    note?: string | null;
  },
) {
  return db
    .insertInto('case_timeline')
    .values({
      case_id: entry.caseId,
      occurred_at: entry.occurredAt,
      actor_user_id: entry.actorUserId,
      kind: entry.kind,
      transition: entry.transition ?? null,
      event: entry.event ?? null,
      from_state: entry.fromState ?? null,
      to_state: entry.toState ?? null,
      note: entry.note ?? null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
}

/** An active specialist member of the organization (someone a case may be offered to). */
export function findActiveSpecialist(db: Executor, organizationId: string, userId: string) {
  return db
    .selectFrom('memberships as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select(['m.user_id', 'u.name'])
    .where('m.organization_id', '=', organizationId)
    .where('m.user_id', '=', userId)
    .where('m.role', '=', 'specialist')
    .where('m.status', '=', 'active')
    .where('u.deactivated_at', 'is', null)
    .executeTakeFirst();
}

export function insertOffer(
  db: Executor,
  offer: {
    caseId: string;
    specialistUserId: string;
    offeredByUserId: string;
    offeredAt: Date;
    expiresAt: Date;
    note: string | null;
  },
) {
  return db
    .insertInto('case_offers')
    .values({
      case_id: offer.caseId,
      specialist_user_id: offer.specialistUserId,
      offered_by_user_id: offer.offeredByUserId,
      offered_at: offer.offeredAt,
      expires_at: offer.expiresAt,
      note: offer.note,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
}

/** Ends the case's pending offer (accepted, declined, expired or withdrawn), if there is one. */
export function endOpenOffer(
  db: Executor,
  caseId: string,
  outcome: {
    status: 'accepted' | 'declined' | 'expired' | 'withdrawn';
    respondedAt: Date;
    declineReason: string | null;
  },
) {
  return db
    .updateTable('case_offers')
    .set({
      status: outcome.status,
      responded_at: outcome.respondedAt,
      decline_reason: outcome.declineReason,
    })
    .where('case_id', '=', caseId)
    .where('status', '=', 'pending')
    .returning('id')
    .executeTakeFirst();
}

export function insertPatientQuestion(
  db: Executor,
  question: { caseId: string; askedByUserId: string; text: string; askedAt: Date },
) {
  return db
    .insertInto('case_patient_questions')
    .values({
      case_id: question.caseId,
      asked_by_user_id: question.askedByUserId,
      text: question.text,
      asked_at: question.askedAt,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
}

export function retractOpenPatientQuestions(db: Executor, caseId: string, now: Date) {
  return db
    .updateTable('case_patient_questions')
    .set({ retracted_at: now })
    .where('case_id', '=', caseId)
    .where('answered_at', 'is', null)
    .where('retracted_at', 'is', null)
    .returning('id')
    .execute();
}

/** Records the patient side's answer to an open question; undefined when not open. */
export function answerPatientQuestion(
  db: Executor,
  answer: { caseId: string; questionId: string; text: string; userId: string; now: Date },
) {
  return db
    .updateTable('case_patient_questions')
    .set({ answer: answer.text, answered_by_user_id: answer.userId, answered_at: answer.now })
    .where('id', '=', answer.questionId)
    .where('case_id', '=', answer.caseId)
    .where('answered_at', 'is', null)
    .where('retracted_at', 'is', null)
    .returning('id')
    .executeTakeFirst();
}

export function withdrawPendingPeerReview(db: Executor, caseId: string, now: Date) {
  return db
    .updateTable('peer_reviews')
    .set({ status: 'withdrawn', decided_at: now })
    .where('case_id', '=', caseId)
    .where('status', '=', 'pending')
    .execute();
}

export function insertRecordRequest(
  db: Executor,
  request: {
    caseId: string;
    what: string;
    why: string;
    dueAt: Date;
    requestedByUserId: string;
    now: Date;
  },
) {
  return db
    .insertInto('case_record_requests')
    .values({
      case_id: request.caseId,
      what: request.what,
      why: request.why,
      due_at: request.dueAt,
      requested_by_user_id: request.requestedByUserId,
      created_at: request.now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
}

export function fulfilOpenRecordRequests(db: Executor, caseId: string, now: Date) {
  return db
    .updateTable('case_record_requests')
    .set({ status: 'fulfilled', fulfilled_at: now })
    .where('case_id', '=', caseId)
    .where('status', '=', 'open')
    .returning('id')
    .execute();
}

/** The ids of the case's intake questions, in order. */
export async function findCaseQuestionIds(db: Executor, caseId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('case_questions')
    .select('id')
    .where('case_id', '=', caseId)
    .orderBy('position')
    .execute();
  return rows.map((row) => row.id);
}

/** The lists that belong to one case, in their stored order. */
export async function findCaseParts(db: Executor, caseId: string) {
  const [questions, medications, allergies, devices, timeline, recordRequests] = await Promise.all([
    db
      .selectFrom('case_questions')
      .select(['id', 'text'])
      .where('case_id', '=', caseId)
      .orderBy('position')
      .execute(),
    db
      .selectFrom('case_medications')
      .select(['name', 'dose', 'frequency'])
      .where('case_id', '=', caseId)
      .orderBy('position')
      .execute(),
    db
      .selectFrom('case_allergies')
      .select(['substance', 'reaction', 'severity'])
      .where('case_id', '=', caseId)
      .orderBy('position')
      .execute(),
    db
      .selectFrom('case_devices')
      .select(['description'])
      .where('case_id', '=', caseId)
      .orderBy('position')
      .execute(),
    db
      .selectFrom('case_timeline')
      .select([
        'id',
        'occurred_at',
        'actor_user_id',
        'kind',
        'transition',
        'from_state',
        'to_state',
        'event',
        'note',
      ])
      .where('case_id', '=', caseId)
      .orderBy('occurred_at')
      .orderBy('seq')
      .execute(),
    db
      .selectFrom('case_record_requests')
      .select(['id', 'what', 'why', 'due_at', 'status', 'created_at', 'fulfilled_at'])
      .where('case_id', '=', caseId)
      .orderBy('created_at')
      .orderBy('id')
      .execute(),
  ]);
  const [offers, patientQuestions, followUps, versions, receipts, peerReviews, people, consent] =
    await Promise.all([
      db
        .selectFrom('case_offers as o')
        .innerJoin('users as u', 'u.id', 'o.specialist_user_id')
        .select([
          'o.id',
          'o.specialist_user_id',
          'u.name as specialist_name',
          'o.offered_at',
          'o.expires_at',
          'o.status',
          'o.responded_at',
          'o.decline_reason',
          'o.note',
        ])
        .where('o.case_id', '=', caseId)
        .orderBy('o.offered_at')
        .orderBy('o.id')
        .execute(),
      db
        .selectFrom('case_patient_questions')
        .select(['id', 'text', 'asked_at', 'answer', 'answered_at', 'retracted_at'])
        .where('case_id', '=', caseId)
        .orderBy('asked_at')
        .orderBy('id')
        .execute(),
      db
        .selectFrom('follow_up_questions')
        .select(['id', 'text', 'asked_at', 'answered_at', 'answered_version_id'])
        .where('case_id', '=', caseId)
        .orderBy('asked_at')
        .orderBy('id')
        .execute(),
      db
        .selectFrom('opinion_versions')
        .select(['id', 'sequence', 'kind', 'signed_at', 'signer_name', 'verification_code'])
        .where('case_id', '=', caseId)
        .orderBy('sequence')
        .execute(),
      db
        .selectFrom('report_receipts as r')
        .innerJoin('users as u', 'u.id', 'r.recipient_user_id')
        .innerJoin('opinion_versions as v', 'v.id', 'r.opinion_version_id')
        .select([
          'r.id',
          'r.opinion_version_id',
          'v.sequence',
          'r.recipient_user_id',
          'u.name as recipient_name',
          'r.sent_at',
          'r.reminded_at',
          'r.confirmed_at',
        ])
        .where('r.case_id', '=', caseId)
        .orderBy('v.sequence')
        .orderBy('r.id')
        .execute(),
      db
        .selectFrom('peer_reviews as pr')
        .innerJoin('users as u', 'u.id', 'pr.reviewer_user_id')
        .select([
          'pr.id',
          'pr.reviewer_user_id',
          'u.name as reviewer_name',
          'pr.requested_at',
          'pr.status',
          'pr.comment',
          'pr.decided_at',
        ])
        .where('pr.case_id', '=', caseId)
        .orderBy('pr.requested_at')
        .orderBy('pr.id')
        .execute(),
      db
        .selectFrom('cases as c')
        .leftJoin('users as s', 's.id', 'c.assigned_specialist_user_id')
        .leftJoin('memberships as sm', (join) =>
          join
            .onRef('sm.user_id', '=', 's.id')
            .onRef('sm.organization_id', '=', 'c.organization_id'),
        )
        .leftJoin('specialist_profiles as sp', 'sp.membership_id', 'sm.id')
        .leftJoin('users as r', 'r.id', 'c.referring_physician_user_id')
        .select([
          's.id as specialist_user_id',
          's.name as specialist_name',
          'sp.credentials as specialist_credentials',
          'r.id as referrer_user_id',
          'r.name as referrer_name',
        ])
        .where('c.id', '=', caseId)
        .executeTakeFirstOrThrow(),
      db
        .selectFrom('cases as c')
        .innerJoin('organizations as o', 'o.id', 'c.organization_id')
        .leftJoin('consent_texts as t', (join) =>
          join.onRef('t.organization_id', '=', 'o.id').onRef('t.version', '=', 'o.consent_version'),
        )
        .select(['t.version', 't.text'])
        .where('c.id', '=', caseId)
        .executeTakeFirstOrThrow(),
    ]);
  return {
    questions,
    medications,
    allergies,
    devices,
    timeline,
    recordRequests,
    offers,
    patientQuestions,
    followUps,
    versions,
    receipts,
    peerReviews,
    people,
    consent,
  };
}

/** A position in the queue: the last row of the previous page. */
export interface QueueCursor {
  deadline: Date | null;
  id: string;
}

export interface CaseFilter {
  state?: CaseState | undefined;
  /** When no state is asked for, leave these states out. */
  excludeStates?: readonly CaseState[];
  urgency?: Urgency | undefined;
  /** Only stages whose deadline passed before this instant. */
  overdueAt?: Date | undefined;
  /** Only cases assigned to (or offered to) this specialist, or only those without anyone. */
  assignee?: string | undefined;
}

/**
 * One page of the cases the actor may read, by deadline (cases without a clock last), then id.
 * Keyset pagination on (stage_deadline_at, id) keeps every page as fast as the first, served by
 * the (organization_id, state, stage_deadline_at, id) index.
 */
export function findCasePage(
  db: Executor,
  actor: Actor,
  filter: CaseFilter,
  cursor: QueueCursor | null,
  limit: number,
) {
  let query = db
    .selectFrom('cases as c')
    .innerJoin('patients as p', 'p.id', 'c.patient_id')
    .leftJoin('users as assignee', 'assignee.id', 'c.assigned_specialist_user_id')
    .select([
      'c.id',
      'c.patient_id',
      'p.given_name',
      'p.family_name',
      'c.assigned_specialist_user_id',
      'assignee.name as assigned_specialist_name',
      'c.state',
      'c.urgency',
      'c.stage_owner',
      'c.stage_deadline_at',
      'c.submitted_at',
      'c.created_at',
      'c.updated_at',
      'c.version',
    ])
    .where(accessFilter(actor, 'case.read'));
  if (filter.state !== undefined) query = query.where('c.state', '=', filter.state);
  else if (filter.excludeStates !== undefined && filter.excludeStates.length > 0)
    query = query.where('c.state', 'not in', filter.excludeStates);
  if (filter.urgency !== undefined) query = query.where('c.urgency', '=', filter.urgency);
  if (filter.overdueAt !== undefined)
    query = query.where('c.stage_deadline_at', '<', filter.overdueAt);
  if (filter.assignee === 'unassigned')
    query = query
      .where('c.assigned_specialist_user_id', 'is', null)
      .where(
        sql<SqlBool>`NOT EXISTS (SELECT 1 FROM case_offers ao WHERE ao.case_id = c.id AND ao.status = 'pending')`,
      );
  else if (filter.assignee !== undefined) {
    const assignee = filter.assignee;
    query = query.where(
      sql<SqlBool>`(c.assigned_specialist_user_id = ${assignee} OR EXISTS (SELECT 1 FROM case_offers ao WHERE ao.case_id = c.id AND ao.status = 'pending' AND ao.specialist_user_id = ${assignee}))`,
    );
  }
  if (cursor !== null) {
    query =
      cursor.deadline === null
        ? query.where('c.stage_deadline_at', 'is', null).where('c.id', '>', cursor.id)
        : query.where(
            sql<SqlBool>`(c.stage_deadline_at > ${cursor.deadline} OR (c.stage_deadline_at = ${cursor.deadline} AND c.id > ${cursor.id}) OR c.stage_deadline_at IS NULL)`,
          );
  }
  return query
    .orderBy(sql`c.stage_deadline_at ASC NULLS LAST`)
    .orderBy('c.id')
    .limit(limit)
    .execute();
}

/** How many of the organization's cases are in each state (kept by trigger, not counted). */
export function countCasesByState(db: Executor, organizationId: string) {
  return db
    .selectFrom('case_state_counts')
    .select(['state', 'count'])
    .where('organization_id', '=', organizationId)
    .execute();
}

/** Pending offers whose accept-within deadline has passed, for the scheduler. */
export function findExpiredOffers(db: Executor, now: Date) {
  return db
    .selectFrom('case_offers as o')
    .innerJoin('cases as c', 'c.id', 'o.case_id')
    .select(['c.id', 'c.organization_id'])
    .where('o.status', '=', 'pending')
    .where('o.expires_at', '<=', now)
    .where('c.state', '=', 'offered')
    .limit(500)
    .execute();
}

/** Delivered cases whose follow-up window has ended with no question open. */
export function findClosableCases(db: Executor, now: Date) {
  return db
    .selectFrom('cases as c')
    .select(['c.id', 'c.organization_id', 'c.state'])
    .where('c.state', 'in', ['delivered', 'follow_up'])
    .where('c.follow_up_window_ends_at', '<=', now)
    .where(
      sql<SqlBool>`NOT EXISTS (SELECT 1 FROM follow_up_questions f WHERE f.case_id = c.id AND f.answered_at IS NULL)`,
    )
    .limit(500)
    .execute();
}

/**
 * Locks the case for the caller's transaction if it is still in `state`; false when another
 * transaction holds it (a concurrent sweep) or it has moved on.
 */
export async function claimCaseInState(db: Executor, caseId: string, state: string) {
  const locked = await sql<{
    id: string;
  }>`SELECT id FROM cases WHERE id = ${caseId} AND state = ${state} FOR UPDATE SKIP LOCKED`.execute(
    db,
  );
  return locked.rows.length > 0;
}

/** Marks unconfirmed receipts older than `sentBefore` as reminded, once; answers those marked. */
export function claimReceiptReminders(db: Executor, now: Date, sentBefore: Date) {
  return db
    .updateTable('report_receipts as r')
    .set({ reminded_at: now })
    .from('cases as c')
    .whereRef('c.id', '=', 'r.case_id')
    .where('r.confirmed_at', 'is', null)
    .where('r.reminded_at', 'is', null)
    .where('r.sent_at', '<=', sentBefore)
    .returning(['r.id', 'r.case_id', 'r.recipient_user_id', 'c.organization_id'])
    .execute();
}
