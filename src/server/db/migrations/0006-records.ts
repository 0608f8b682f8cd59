/**
 * The records pipeline (issue 4): resumable uploads, the documents they become (stored encrypted
 * as blobs, migration 0005), the clinical facts imported from structured records, the safety
 * net's findings with their resolution trail, and each organization's checklists.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- One resumable (tus) upload into a case. The bytes wait in the staging directory while they
    -- arrive; once complete, one pass checks, scans and encrypts them into a document. What the
    -- upload became (or why it was refused or quarantined) stays here for the uploader to see.
    CREATE TABLE record_uploads (
      id uuid PRIMARY KEY,
      organization_id uuid NOT NULL REFERENCES organizations(id),
      case_id uuid NOT NULL REFERENCES cases(id),
      uploaded_by_user_id uuid NOT NULL REFERENCES users(id),
      on_behalf_of_user_id uuid REFERENCES users(id),
      -- One drop of files or folder in the browser.
      batch_id uuid,
      file_name text NOT NULL CHECK (length(file_name) BETWEEN 1 AND 255),
      relative_path text CHECK (length(relative_path) <= 1024),
      declared_size bigint NOT NULL CHECK (declared_size > 0),
      received_bytes bigint NOT NULL DEFAULT 0 CHECK (received_bytes >= 0),
      state text NOT NULL DEFAULT 'receiving'
        CHECK (state IN ('receiving','processing','stored','refused','quarantined','cancelled')),
      refusal_code text,
      refusal_message text,
      created_at timestamptz NOT NULL,
      completed_at timestamptz,
      processed_at timestamptz,
      CHECK ((state IN ('refused','quarantined')) = (refusal_code IS NOT NULL))
    );
    CREATE INDEX record_uploads_case_idx ON record_uploads (case_id, created_at);
    CREATE INDEX record_uploads_pending_idx ON record_uploads (completed_at)
      WHERE state IN ('processing','quarantined');

    -- A document of the case: one stored file with what was derived from it. Exact duplicates
    -- (same digest in the same case) get their own row naming the first one and share its blob.
    CREATE TABLE record_documents (
      id uuid PRIMARY KEY,
      organization_id uuid NOT NULL REFERENCES organizations(id),
      case_id uuid NOT NULL REFERENCES cases(id),
      upload_id uuid NOT NULL UNIQUE REFERENCES record_uploads(id),
      blob_id uuid NOT NULL REFERENCES blobs(id),
      uploaded_by_user_id uuid NOT NULL REFERENCES users(id),
      file_name text NOT NULL CHECK (length(file_name) BETWEEN 1 AND 255),
      relative_path text,
      format text NOT NULL CHECK (format IN
        ('pdf','jpeg','png','heic','tiff','dicom','fhir_json','ccda_xml','text')),
      kind text NOT NULL CHECK (kind IN ('pathology_report','imaging_report','imaging_study',
        'lab_results','discharge_summary','clinic_letter','prescription','referral','other')),
      date_of_service date,
      source text CHECK (length(source) <= 200),
      display_name text NOT NULL,
      -- Set when a person corrected kind, date or source (audited).
      described_by_user_id uuid REFERENCES users(id),
      described_at timestamptz,
      sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
      size_bytes bigint NOT NULL CHECK (size_bytes > 0),
      condition text NOT NULL CHECK (condition IN ('ready','corrupt','encrypted')),
      duplicate_of_document_id uuid REFERENCES record_documents(id),
      patient_identities jsonb NOT NULL DEFAULT '[]',
      text_excerpt text,
      -- For DICOM instances: study, series, instance and what the viewer and the timeline need.
      dicom jsonb,
      created_at timestamptz NOT NULL
    );
    CREATE INDEX record_documents_case_idx ON record_documents (case_id, created_at);
    -- The first document of each digest in a case; later ones are duplicates naming it.
    CREATE UNIQUE INDEX record_documents_digest_idx ON record_documents (case_id, sha256)
      WHERE duplicate_of_document_id IS NULL;

    -- Clinical facts imported from a structured record (FHIR R4, C-CDA), with their original codes.
    CREATE TABLE record_clinical_items (
      id uuid PRIMARY KEY,
      case_id uuid NOT NULL REFERENCES cases(id),
      document_id uuid NOT NULL REFERENCES record_documents(id),
      type text NOT NULL CHECK (type IN
        ('condition','medication','allergy','observation','procedure','report')),
      occurred_on date,
      display text NOT NULL,
      codes jsonb NOT NULL DEFAULT '[]',
      -- The rest of the item as imported (status, dose, reactions, value, ...).
      data jsonb NOT NULL DEFAULT '{}'
    );
    CREATE INDEX record_clinical_items_case_idx ON record_clinical_items (case_id, occurred_on);
    CREATE INDEX record_clinical_items_document_idx ON record_clinical_items (document_id);

    -- What the safety net found in a case, one row per finding (by its fingerprint), kept across
    -- runs (core/safety/resolution.ts): the finding as last raised, its state (open, resolved,
    -- dismissed), whether the latest run still raises it, the current resolution and the trail
    -- of every step, which is only ever appended to.
    CREATE TABLE safety_findings (
      id uuid PRIMARY KEY,
      organization_id uuid NOT NULL REFERENCES organizations(id),
      case_id uuid NOT NULL REFERENCES cases(id),
      fingerprint text NOT NULL,
      rule text NOT NULL,
      severity text NOT NULL CHECK (severity IN ('blocker','warning','info')),
      finding jsonb NOT NULL,
      state text NOT NULL CHECK (state IN ('open','resolved','dismissed')),
      present boolean NOT NULL,
      resolution jsonb,
      trail jsonb NOT NULL DEFAULT '[]',
      first_raised_at timestamptz NOT NULL,
      last_raised_at timestamptz NOT NULL,
      UNIQUE (case_id, fingerprint),
      CHECK ((state = 'open') = (resolution IS NULL))
    );
    CREATE INDEX safety_findings_open_idx ON safety_findings (case_id, severity) WHERE state = 'open';

    -- When the safety net last ran over a case, and whether a run is wanted.
    ALTER TABLE cases ADD COLUMN records_checked_at timestamptz;

    -- An organization's own checklists (validated JSON); the shipped defaults apply without a row.
    CREATE TABLE safety_checklists (
      organization_id uuid PRIMARY KEY REFERENCES organizations(id),
      checklists jsonb NOT NULL,
      updated_at timestamptz NOT NULL,
      updated_by_user_id uuid NOT NULL REFERENCES users(id)
    );
  `.execute(db);
}
