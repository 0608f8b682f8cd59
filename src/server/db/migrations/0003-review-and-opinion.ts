/**
 * The rest of the case (issue 3): per-organization case settings and consent texts, specialist
 * profiles, offers and assignment, questions to the patient, attachments, the opinion draft and its
 * peer review, signed opinion versions (the original and its addenda, append-only), follow-up
 * questions, report receipts by referring physicians, proxy grant scopes, patient invitations for
 * referred cases, and in-app notifications.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE organizations
      ADD COLUMN peer_review_required boolean NOT NULL DEFAULT false,
      -- A coordinator releases each signed opinion to the patient (else it is delivered on signing).
      ADD COLUMN release_by_coordinator boolean NOT NULL DEFAULT false,
      ADD COLUMN follow_up_question_limit integer NOT NULL DEFAULT 3 CHECK (follow_up_question_limit BETWEEN 0 AND 20),
      ADD COLUMN follow_up_window_days integer NOT NULL DEFAULT 30 CHECK (follow_up_window_days BETWEEN 1 AND 365),
      ADD COLUMN business_days boolean NOT NULL DEFAULT true,
      ADD COLUMN holidays jsonb NOT NULL DEFAULT '[]',
      ADD COLUMN service_levels jsonb NOT NULL DEFAULT '{}';

    -- The consent text the patient accepts, versioned; organizations.consent_version names the
    -- current one. Old versions stay, so what a patient accepted can always be shown again.
    CREATE TABLE consent_texts (
      organization_id uuid NOT NULL REFERENCES organizations(id),
      version text NOT NULL,
      text text NOT NULL CHECK (length(text) BETWEEN 1 AND 20000),
      published_at timestamptz NOT NULL,
      PRIMARY KEY (organization_id, version)
    );
    INSERT INTO consent_texts (organization_id, version, text, published_at)
      SELECT id, consent_version,
        'I ask for a second medical opinion on my case. I agree that the coordinators, specialists and reviewers of this organization may read the information and records I provide, for this purpose only. I understand that the opinion does not replace my own doctor, who remains responsible for my care, and that I may withdraw my request at any time before the opinion is signed.',
        created_at
      FROM organizations;

    -- What a specialist offers, for the coordinator's specialist list (filter by specialty, language).
    CREATE TABLE specialist_profiles (
      membership_id uuid PRIMARY KEY REFERENCES memberships(id),
      specialties text[] NOT NULL DEFAULT '{}',
      languages text[] NOT NULL DEFAULT '{}',
      credentials text NOT NULL DEFAULT '' CHECK (length(credentials) <= 300),
      updated_at timestamptz NOT NULL
    );
    CREATE INDEX specialist_profiles_specialties_idx ON specialist_profiles USING gin (specialties);

    ALTER TABLE cases
      ADD COLUMN assigned_specialist_user_id uuid REFERENCES users(id),
      ADD COLUMN referring_physician_user_id uuid REFERENCES users(id),
      ADD COLUMN consent_accepted_by_user_id uuid REFERENCES users(id),
      ADD COLUMN delivered_at timestamptz,
      ADD COLUMN follow_up_window_ends_at timestamptz,
      ADD COLUMN closed_at timestamptz,
      -- The deadline whose overdue escalation was sent, so each stage escalates once.
      ADD COLUMN escalated_deadline_at timestamptz;
    CREATE INDEX cases_assigned_idx ON cases (assigned_specialist_user_id) WHERE assigned_specialist_user_id IS NOT NULL;
    CREATE INDEX cases_overdue_idx ON cases (stage_deadline_at) WHERE stage_deadline_at IS NOT NULL;

    ALTER TABLE case_timeline DROP CONSTRAINT case_timeline_kind_check;
    ALTER TABLE case_timeline ADD COLUMN event text;
    -- Entries written in one transaction share their instant; the sequence keeps their order.
    ALTER TABLE case_timeline ADD COLUMN seq bigserial;
    CREATE INDEX case_timeline_order_idx ON case_timeline (case_id, occurred_at, seq);
    ALTER TABLE case_timeline ADD CONSTRAINT case_timeline_kind_check CHECK (kind IN ('created','transition','event'));
    ALTER TABLE case_timeline ADD CONSTRAINT case_timeline_event_check CHECK ((kind = 'event') = (event IS NOT NULL));

    CREATE TABLE case_offers (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      case_id uuid NOT NULL REFERENCES cases(id),
      specialist_user_id uuid NOT NULL REFERENCES users(id),
      offered_by_user_id uuid NOT NULL REFERENCES users(id),
      offered_at timestamptz NOT NULL,
      expires_at timestamptz NOT NULL,
      note text,
      status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','accepted','declined','expired','withdrawn','ended')),
      responded_at timestamptz,
      decline_reason text,
      CHECK (expires_at > offered_at),
      CHECK ((status = 'declined') = (decline_reason IS NOT NULL))
    );
    -- At most one open offer per case: two coordinators offering at once cannot both succeed.
    CREATE UNIQUE INDEX case_offers_one_pending_idx ON case_offers (case_id) WHERE status = 'pending';
    CREATE INDEX case_offers_specialist_idx ON case_offers (specialist_user_id, status);
    CREATE INDEX case_offers_expiry_idx ON case_offers (expires_at) WHERE status = 'pending';

    CREATE TABLE case_patient_questions (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      case_id uuid NOT NULL REFERENCES cases(id),
      asked_by_user_id uuid NOT NULL REFERENCES users(id),
      text text NOT NULL CHECK (length(text) BETWEEN 1 AND 4000),
      asked_at timestamptz NOT NULL,
      answer text CHECK (length(answer) BETWEEN 1 AND 8000),
      answered_by_user_id uuid REFERENCES users(id),
      answered_at timestamptz,
      retracted_at timestamptz,
      CHECK ((answer IS NULL) = (answered_at IS NULL))
    );
    CREATE INDEX case_patient_questions_case_idx ON case_patient_questions (case_id, asked_at);

    -- A plain attachment list; the records issue turns it into the full records pipeline.
    CREATE TABLE case_attachments (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      case_id uuid NOT NULL REFERENCES cases(id),
      file_name text NOT NULL CHECK (length(file_name) BETWEEN 1 AND 255),
      media_type text NOT NULL,
      size_bytes bigint NOT NULL CHECK (size_bytes >= 0),
      sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
      storage_key text NOT NULL UNIQUE,
      description text,
      uploaded_by_user_id uuid NOT NULL REFERENCES users(id),
      uploaded_at timestamptz NOT NULL
    );
    CREATE INDEX case_attachments_case_idx ON case_attachments (case_id, uploaded_at);

    -- The specialist's working draft: one per case, saved often, never part of the record until signed.
    CREATE TABLE opinion_drafts (
      case_id uuid PRIMARY KEY REFERENCES cases(id),
      author_user_id uuid NOT NULL REFERENCES users(id),
      content jsonb NOT NULL DEFAULT '{}',
      version integer NOT NULL DEFAULT 1,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL
    );

    -- A second specialist approves or returns a draft; an approval holds for the draft version seen.
    CREATE TABLE peer_reviews (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      case_id uuid NOT NULL REFERENCES cases(id),
      reviewer_user_id uuid NOT NULL REFERENCES users(id),
      requested_by_user_id uuid NOT NULL REFERENCES users(id),
      requested_at timestamptz NOT NULL,
      draft_version integer NOT NULL,
      status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','approved','returned','withdrawn')),
      comment text CHECK (length(comment) <= 8000),
      decided_at timestamptz,
      CHECK ((status = 'returned') <= (comment IS NOT NULL))
    );
    CREATE UNIQUE INDEX peer_reviews_one_pending_idx ON peer_reviews (case_id) WHERE status = 'pending';
    CREATE INDEX peer_reviews_reviewer_idx ON peer_reviews (reviewer_user_id, status);

    -- Signed opinions: sequence 1 is the opinion, later ones are addenda. Append-only: a signed
    -- version is never changed, only followed by an addendum.
    CREATE TABLE opinion_versions (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      case_id uuid NOT NULL REFERENCES cases(id),
      sequence integer NOT NULL CHECK (sequence >= 1),
      kind text NOT NULL CHECK (kind IN ('opinion','addendum')),
      content jsonb NOT NULL,
      signed_by_user_id uuid NOT NULL REFERENCES users(id),
      signer_name text NOT NULL,
      signer_credentials text NOT NULL,
      signed_at timestamptz NOT NULL,
      seal_sha256 text NOT NULL CHECK (seal_sha256 ~ '^[0-9a-f]{64}$'),
      verification_code text NOT NULL UNIQUE,
      UNIQUE (case_id, sequence),
      CHECK ((kind = 'opinion') = (sequence = 1))
    );
    -- A follow-up question is answered by a signed addendum.
    CREATE TABLE follow_up_questions (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      case_id uuid NOT NULL REFERENCES cases(id),
      asked_by_user_id uuid NOT NULL REFERENCES users(id),
      text text NOT NULL CHECK (length(text) BETWEEN 1 AND 4000),
      asked_at timestamptz NOT NULL,
      answered_version_id uuid REFERENCES opinion_versions(id),
      answered_at timestamptz,
      CHECK ((answered_version_id IS NULL) = (answered_at IS NULL))
    );
    CREATE INDEX follow_up_questions_case_idx ON follow_up_questions (case_id, asked_at);
    CREATE FUNCTION opinion_versions_append_only() RETURNS trigger LANGUAGE plpgsql AS $fn$
    BEGIN
      RAISE EXCEPTION 'opinion_versions is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
    END
    $fn$;
    CREATE TRIGGER opinion_versions_no_update BEFORE UPDATE OR DELETE ON opinion_versions
      FOR EACH ROW EXECUTE FUNCTION opinion_versions_append_only();
    CREATE TRIGGER opinion_versions_no_truncate BEFORE TRUNCATE ON opinion_versions
      FOR EACH STATEMENT EXECUTE FUNCTION opinion_versions_append_only();

    -- The referring physician confirms receipt of each delivered version; unconfirmed ones are reminded.
    CREATE TABLE report_receipts (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      case_id uuid NOT NULL REFERENCES cases(id),
      opinion_version_id uuid NOT NULL REFERENCES opinion_versions(id),
      recipient_user_id uuid NOT NULL REFERENCES users(id),
      sent_at timestamptz NOT NULL,
      reminded_at timestamptz,
      confirmed_at timestamptz,
      UNIQUE (opinion_version_id, recipient_user_id)
    );
    CREATE INDEX report_receipts_unconfirmed_idx ON report_receipts (sent_at) WHERE confirmed_at IS NULL;

    -- What a proxy may do for the patient: read only, or act (edit intake, answer, ask follow-ups).
    ALTER TABLE patient_proxies
      ADD COLUMN scope text NOT NULL DEFAULT 'act' CHECK (scope IN ('view','act')),
      ADD COLUMN granted_by_user_id uuid REFERENCES users(id);

    -- Invitations may now be for a patient (a referred case to confirm) or a patient's proxy.
    ALTER TABLE invitations DROP CONSTRAINT invitations_role_check;
    ALTER TABLE invitations ADD CONSTRAINT invitations_role_check
      CHECK (role IN ('patient','proxy','referring_physician','coordinator','specialist','care_team','org_admin'));
    ALTER TABLE invitations
      ADD COLUMN patient_id uuid REFERENCES patients(id),
      ADD COLUMN proxy_scope text CHECK (proxy_scope IN ('view','act')),
      ADD CONSTRAINT invitations_patient_check CHECK ((role IN ('patient','proxy')) <= (patient_id IS NOT NULL));
    ALTER TABLE patients ADD COLUMN email text CHECK (email = lower(email));

    CREATE TABLE notifications (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      organization_id uuid NOT NULL REFERENCES organizations(id),
      user_id uuid NOT NULL REFERENCES users(id),
      case_id uuid REFERENCES cases(id),
      kind text NOT NULL,
      data jsonb NOT NULL DEFAULT '{}',
      created_at timestamptz NOT NULL,
      read_at timestamptz
    );
    CREATE INDEX notifications_user_idx ON notifications (user_id, created_at DESC, id DESC);
    CREATE INDEX notifications_unread_idx ON notifications (user_id) WHERE read_at IS NULL;

    -- Cases per state and organization, kept by trigger: the queue shows these counts on every
    -- page, and counting tens of thousands of rows per request does not scale. Derived data: not
    -- in backups (restoring the cases rebuilds it).
    CREATE TABLE case_state_counts (
      organization_id uuid NOT NULL REFERENCES organizations(id),
      state text NOT NULL,
      count integer NOT NULL CHECK (count >= 0),
      PRIMARY KEY (organization_id, state)
    );
    CREATE FUNCTION case_state_counts_track() RETURNS trigger LANGUAGE plpgsql AS $fn$
    BEGIN
      IF TG_OP = 'UPDATE' AND OLD.state = NEW.state AND OLD.organization_id = NEW.organization_id THEN
        RETURN NULL;
      END IF;
      -- Rows are locked in the order of their state name, so two transitions in opposite
      -- directions cannot deadlock on these counters.
      IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.state < OLD.state) THEN
        INSERT INTO case_state_counts AS c (organization_id, state, count)
          VALUES (NEW.organization_id, NEW.state, 1)
          ON CONFLICT (organization_id, state) DO UPDATE SET count = c.count + 1;
        IF TG_OP = 'UPDATE' THEN
          UPDATE case_state_counts SET count = count - 1
            WHERE organization_id = OLD.organization_id AND state = OLD.state;
        END IF;
      ELSE
        UPDATE case_state_counts SET count = count - 1
          WHERE organization_id = OLD.organization_id AND state = OLD.state;
        IF TG_OP = 'UPDATE' THEN
          INSERT INTO case_state_counts AS c (organization_id, state, count)
            VALUES (NEW.organization_id, NEW.state, 1)
            ON CONFLICT (organization_id, state) DO UPDATE SET count = c.count + 1;
        END IF;
      END IF;
      RETURN NULL;
    END
    $fn$;
    CREATE TRIGGER cases_state_counts AFTER INSERT OR DELETE OR UPDATE OF state, organization_id
      ON cases FOR EACH ROW EXECUTE FUNCTION case_state_counts_track();
    INSERT INTO case_state_counts (organization_id, state, count)
      SELECT organization_id, state, count(*) FROM cases GROUP BY organization_id, state;

    REVOKE UPDATE, DELETE, TRUNCATE ON opinion_versions FROM consilium_app;
    REVOKE UPDATE, DELETE, TRUNCATE ON opinion_versions FROM PUBLIC;
  `.execute(db);
}
