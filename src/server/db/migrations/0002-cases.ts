/**
 * The second-opinion case (issue 3, first slice): the case and its intake (questions,
 * medications, allergies, devices), its timeline of transitions and the structured record requests
 * of triage. State names are those of `core/case-lifecycle.ts`; `version` serves optimistic
 * concurrency, so two conflicting transitions cannot both win.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE cases (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      organization_id uuid NOT NULL REFERENCES organizations(id),
      patient_id uuid NOT NULL REFERENCES patients(id),
      created_by_user_id uuid NOT NULL REFERENCES users(id),
      state text NOT NULL DEFAULT 'draft' CHECK (state IN ('draft','submitted','triage','awaiting_records','ready_for_matching','offered','accepted','in_review','awaiting_patient','opinion_signed','delivered','follow_up','closed','withdrawn','cancelled')),
      urgency text NOT NULL DEFAULT 'routine' CHECK (urgency IN ('routine','urgent')),
      urgency_reason text,
      condition_description text,
      diagnosis_code text,
      diagnosis_text text,
      proposed_treatment text,
      history text,
      goals jsonb NOT NULL DEFAULT '{}',
      consent_version text,
      consent_accepted_at timestamptz,
      stage_owner text CHECK (stage_owner IN ('patient','coordinator','specialist')),
      stage_deadline_at timestamptz,
      submitted_at timestamptz,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      version integer NOT NULL DEFAULT 1,
      CHECK ((consent_version IS NULL) = (consent_accepted_at IS NULL))
    );
    -- The coordinator queue: filtered by state, sorted by deadline, paged by (deadline, id).
    CREATE INDEX cases_queue_idx ON cases (organization_id, state, stage_deadline_at, id);
    CREATE INDEX cases_deadline_idx ON cases (organization_id, stage_deadline_at, id);
    CREATE INDEX cases_patient_idx ON cases (patient_id);

    CREATE TABLE case_questions (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      case_id uuid NOT NULL REFERENCES cases(id),
      position integer NOT NULL CHECK (position >= 0),
      text text NOT NULL CHECK (length(text) BETWEEN 1 AND 2000),
      UNIQUE (case_id, position)
    );

    CREATE TABLE case_medications (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      case_id uuid NOT NULL REFERENCES cases(id),
      position integer NOT NULL CHECK (position >= 0),
      name text NOT NULL,
      dose text,
      frequency text,
      UNIQUE (case_id, position)
    );

    CREATE TABLE case_allergies (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      case_id uuid NOT NULL REFERENCES cases(id),
      position integer NOT NULL CHECK (position >= 0),
      substance text NOT NULL,
      reaction text,
      severity text CHECK (severity IN ('mild','moderate','severe','unknown')),
      UNIQUE (case_id, position)
    );

    CREATE TABLE case_devices (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      case_id uuid NOT NULL REFERENCES cases(id),
      position integer NOT NULL CHECK (position >= 0),
      description text NOT NULL,
      UNIQUE (case_id, position)
    );

    CREATE TABLE case_timeline (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      case_id uuid NOT NULL REFERENCES cases(id),
      occurred_at timestamptz NOT NULL,
      actor_user_id uuid REFERENCES users(id),
      kind text NOT NULL CHECK (kind IN ('created','transition')),
      transition text,
      from_state text,
      to_state text,
      note text,
      CHECK ((kind = 'transition') = (transition IS NOT NULL))
    );
    CREATE INDEX case_timeline_case_idx ON case_timeline (case_id, occurred_at, id);

    CREATE TABLE case_record_requests (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      case_id uuid NOT NULL REFERENCES cases(id),
      what text NOT NULL,
      why text NOT NULL,
      due_at timestamptz NOT NULL,
      status text NOT NULL DEFAULT 'open' CHECK (status IN ('open','fulfilled')),
      requested_by_user_id uuid NOT NULL REFERENCES users(id),
      created_at timestamptz NOT NULL,
      fulfilled_at timestamptz
    );
    CREATE INDEX case_record_requests_case_idx ON case_record_requests (case_id) WHERE status = 'open';
  `.execute(db);
}
