/**
 * SQL for cases, bound to the acting member: the access rule from core becomes a SQL filter, so a
 * case the actor may not see is never loaded (and the caller answers 404). No rules live here;
 * the use cases decide, this module reads and writes.
 */
import { sql, type Expression, type SqlBool } from 'kysely';
import type { Action, Actor } from '../../core/access.ts';
import type { CaseState, StageOwner, Urgency } from '../../core/case-lifecycle.ts';
import type { Allergy, CaseGoals, Medication } from '../../core/case-intake.ts';
import { patientAccessFilter, patientRelation } from '../access/patient-access-filter.ts';
import type { Database, DatabaseTransaction } from '../db/database.ts';

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
    .select(caseColumns)
    .select([
      'o.time_zone as organization_time_zone',
      'o.consent_version as organization_consent_version',
      'p.user_id as patient_user_id',
      patientRelation(actor, 'self', 'c.patient_id').as('actor_is_self'),
      patientRelation(actor, 'proxy', 'c.patient_id').as('actor_is_proxy'),
      patientRelation(actor, 'referrer', 'c.patient_id').as('actor_is_referrer'),
      sql<number>`(SELECT count(*)::int FROM case_questions q WHERE q.case_id = c.id)`.as(
        'question_count',
      ),
      sql<number>`(SELECT count(*)::int FROM case_record_requests r WHERE r.case_id = c.id AND r.status = 'open')`.as(
        'open_record_requests',
      ),
    ])
    .where('c.id', '=', caseId)
    .where(accessFilter(actor, action))
    .executeTakeFirst();
}

export type VisibleCaseRow = NonNullable<Awaited<ReturnType<typeof findVisibleCase>>>;

/** The state and version a case has now (to report a lost race). */
export function findCaseState(db: Executor, caseId: string) {
  return db
    .selectFrom('cases')
    .select(['state', 'version'])
    .where('id', '=', caseId)
    .executeTakeFirstOrThrow();
}

export function insertCase(
  db: Executor,
  values: {
    organizationId: string;
    patientId: string;
    createdByUserId: string;
    now: Date;
  },
) {
  return db
    .insertInto('cases')
    .values({
      organization_id: values.organizationId,
      patient_id: values.patientId,
      created_by_user_id: values.createdByUserId,
      state: 'draft',
      stage_owner: 'patient',
      created_at: values.now,
      updated_at: values.now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
}

/** The columns of a draft a change may set, already in storage form. */
export interface DraftColumns {
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
 * Writes a draft change if the case is still the draft at `version` the caller read; answers
 * undefined when another change got there first.
 */
export function updateDraft(
  db: Executor,
  caseId: string,
  version: number,
  columns: DraftColumns,
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
    .where('state', '=', 'draft')
    .where('version', '=', version)
    .returning('version')
    .executeTakeFirst();
}

export async function replaceQuestions(db: Executor, caseId: string, questions: string[]) {
  await db.deleteFrom('case_questions').where('case_id', '=', caseId).execute();
  if (questions.length === 0) return;
  await db
    .insertInto('case_questions')
    .values(questions.map((text, position) => ({ case_id: caseId, position, text })))
    .execute();
}

export async function replaceMedications(db: Executor, caseId: string, medications: Medication[]) {
  await db.deleteFrom('case_medications').where('case_id', '=', caseId).execute();
  if (medications.length === 0) return;
  await db
    .insertInto('case_medications')
    .values(
      medications.map((medication, position) => ({
        case_id: caseId,
        position,
        name: medication.name,
        dose: medication.dose ?? null,
        frequency: medication.frequency ?? null,
      })),
    )
    .execute();
}

export async function replaceAllergies(db: Executor, caseId: string, allergies: Allergy[]) {
  await db.deleteFrom('case_allergies').where('case_id', '=', caseId).execute();
  if (allergies.length === 0) return;
  await db
    .insertInto('case_allergies')
    .values(
      allergies.map((allergy, position) => ({
        case_id: caseId,
        position,
        substance: allergy.substance,
        reaction: allergy.reaction ?? null,
        severity: allergy.severity ?? null,
      })),
    )
    .execute();
}

export async function replaceDevices(db: Executor, caseId: string, devices: string[]) {
  await db.deleteFrom('case_devices').where('case_id', '=', caseId).execute();
  if (devices.length === 0) return;
  await db
    .insertInto('case_devices')
    .values(devices.map((description, position) => ({ case_id: caseId, position, description })))
    .execute();
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
    submittedAt?: Date;
    now: Date;
  },
) {
  return db
    .updateTable('cases')
    .set({
      state: change.to,
      stage_owner: change.owner,
      stage_deadline_at: change.deadline,
      ...(change.submittedAt === undefined ? {} : { submitted_at: change.submittedAt }),
      updated_at: change.now,
      version: change.version + 1,
    })
    .where('id', '=', change.caseId)
    .where('state', '=', change.from)
    .where('version', '=', change.version)
    .returning(['state', 'version'])
    .executeTakeFirst();
}

export function insertTimelineEntry(
  db: Executor,
  entry: {
    caseId: string;
    occurredAt: Date;
    actorUserId: string;
    kind: 'created' | 'transition';
    transition?: string;
    fromState?: CaseState;
    toState: CaseState;
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
      from_state: entry.fromState ?? null,
      to_state: entry.toState,
      note: entry.note ?? null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
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
        'note',
      ])
      .where('case_id', '=', caseId)
      .orderBy('occurred_at')
      .orderBy('id')
      .execute(),
    db
      .selectFrom('case_record_requests')
      .select(['id', 'what', 'why', 'due_at', 'status', 'created_at', 'fulfilled_at'])
      .where('case_id', '=', caseId)
      .orderBy('created_at')
      .orderBy('id')
      .execute(),
  ]);
  return { questions, medications, allergies, devices, timeline, recordRequests };
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
    .select([
      'c.id',
      'c.patient_id',
      'p.given_name',
      'p.family_name',
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

/** How many of the organization's cases are in each state. */
export function countCasesByState(db: Executor, organizationId: string) {
  return db
    .selectFrom('cases')
    .select(['state', db.fn.countAll<string>().as('count')])
    .where('organization_id', '=', organizationId)
    .groupBy('state')
    .execute();
}
