/**
 * Foundation schema: organizations, accounts and sessions, second factors, patients and their
 * delegations, the append-only hash-chained audit trail, and the mail outbox.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    DO $$ BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'consilium_app') THEN
        CREATE ROLE consilium_app NOLOGIN;
      END IF;
    END $$;
  `.execute(db);
  await sql`GRANT consilium_app TO CURRENT_USER`.execute(db);

  await sql`
    CREATE TABLE organizations (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      slug text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
      name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
      time_zone text NOT NULL DEFAULT 'UTC',
      idle_timeout_minutes integer NOT NULL DEFAULT 30 CHECK (idle_timeout_minutes BETWEEN 5 AND 720),
      absolute_lifetime_minutes integer NOT NULL DEFAULT 720 CHECK (absolute_lifetime_minutes BETWEEN 30 AND 10080),
      consent_version text NOT NULL DEFAULT '1',
      created_at timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE users (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      email text NOT NULL UNIQUE CHECK (email = lower(email) AND position('@' in email) > 1),
      name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
      password_hash text,
      email_verified_at timestamptz,
      locale text NOT NULL DEFAULT 'en',
      totp_secret_encrypted text,
      totp_enabled_at timestamptz,
      totp_last_step bigint,
      totp_pending_secret_encrypted text,
      deactivated_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE memberships (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      organization_id uuid NOT NULL REFERENCES organizations(id),
      user_id uuid NOT NULL REFERENCES users(id),
      role text NOT NULL CHECK (role IN ('patient','proxy','referring_physician','coordinator','specialist','care_team','org_admin')),
      status text NOT NULL DEFAULT 'active' CHECK (status IN ('active','deactivated')),
      created_at timestamptz NOT NULL DEFAULT now(),
      deactivated_at timestamptz,
      UNIQUE (organization_id, user_id)
    );
    CREATE INDEX memberships_user_idx ON memberships (user_id);

    CREATE TABLE sessions (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      token_hash text NOT NULL UNIQUE,
      user_id uuid NOT NULL REFERENCES users(id),
      membership_id uuid REFERENCES memberships(id),
      stage text NOT NULL CHECK (stage IN ('awaiting_second_factor','active')),
      created_at timestamptz NOT NULL,
      last_seen_at timestamptz NOT NULL,
      second_factor_at timestamptz,
      reauthenticated_at timestamptz,
      ip_address text,
      user_agent text,
      revoked_at timestamptz,
      revoked_reason text
    );
    CREATE INDEX sessions_user_idx ON sessions (user_id) WHERE revoked_at IS NULL;

    CREATE TABLE email_tokens (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      user_id uuid NOT NULL REFERENCES users(id),
      purpose text NOT NULL CHECK (purpose IN ('verify_email','reset_password','change_email')),
      new_email text CHECK (new_email = lower(new_email)),
      token_hash text NOT NULL UNIQUE,
      expires_at timestamptz NOT NULL,
      used_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE invitations (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      organization_id uuid NOT NULL REFERENCES organizations(id),
      email text NOT NULL CHECK (email = lower(email)),
      role text NOT NULL CHECK (role IN ('proxy','referring_physician','coordinator','specialist','care_team','org_admin')),
      invited_by_user_id uuid REFERENCES users(id),
      token_hash text NOT NULL UNIQUE,
      expires_at timestamptz NOT NULL,
      accepted_at timestamptz,
      revoked_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE recovery_codes (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      user_id uuid NOT NULL REFERENCES users(id),
      code_hash text NOT NULL,
      used_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX recovery_codes_user_idx ON recovery_codes (user_id) WHERE used_at IS NULL;

    CREATE TABLE passkeys (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      user_id uuid NOT NULL REFERENCES users(id),
      credential_id text NOT NULL UNIQUE,
      public_key bytea NOT NULL,
      counter bigint NOT NULL DEFAULT 0,
      transports text[] NOT NULL DEFAULT '{}',
      device_type text NOT NULL,
      backed_up boolean NOT NULL,
      name text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      last_used_at timestamptz
    );
    CREATE INDEX passkeys_user_idx ON passkeys (user_id);

    CREATE TABLE auth_challenges (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      purpose text NOT NULL CHECK (purpose IN ('passkey_registration','passkey_authentication')),
      challenge text NOT NULL,
      user_id uuid REFERENCES users(id),
      expires_at timestamptz NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE auth_failures (
      id bigserial PRIMARY KEY,
      email text NOT NULL,
      kind text NOT NULL CHECK (kind IN ('password','second_factor')),
      ip_address text,
      occurred_at timestamptz NOT NULL
    );
    CREATE INDEX auth_failures_email_idx ON auth_failures (email, kind, occurred_at DESC);

    CREATE TABLE patients (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      organization_id uuid NOT NULL REFERENCES organizations(id),
      user_id uuid REFERENCES users(id),
      given_name text NOT NULL,
      family_name text NOT NULL,
      birth_date date,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (organization_id, user_id)
    );
    CREATE INDEX patients_org_idx ON patients (organization_id);

    CREATE TABLE patient_proxies (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      organization_id uuid NOT NULL REFERENCES organizations(id),
      patient_id uuid NOT NULL REFERENCES patients(id),
      proxy_user_id uuid NOT NULL REFERENCES users(id),
      granted_at timestamptz NOT NULL DEFAULT now(),
      revoked_at timestamptz
    );
    CREATE INDEX patient_proxies_proxy_idx ON patient_proxies (proxy_user_id) WHERE revoked_at IS NULL;

    CREATE TABLE patient_referrers (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      organization_id uuid NOT NULL REFERENCES organizations(id),
      patient_id uuid NOT NULL REFERENCES patients(id),
      physician_user_id uuid NOT NULL REFERENCES users(id),
      created_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (patient_id, physician_user_id)
    );

    CREATE TABLE mail_outbox (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      organization_id uuid REFERENCES organizations(id),
      to_address text NOT NULL,
      subject text NOT NULL,
      text_body text NOT NULL,
      html_body text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      sent_at timestamptz,
      attempts integer NOT NULL DEFAULT 0,
      last_error text
    );
    CREATE INDEX mail_outbox_unsent_idx ON mail_outbox (created_at) WHERE sent_at IS NULL;

    CREATE TABLE audit_events (
      seq bigint PRIMARY KEY,
      occurred_at timestamptz NOT NULL,
      organization_id uuid,
      actor_user_id uuid,
      on_behalf_of_user_id uuid,
      patient_id uuid,
      event_type text NOT NULL,
      action text NOT NULL CHECK (action IN ('C','R','U','D','E')),
      outcome text NOT NULL CHECK (outcome IN ('0','4','8','12')),
      entity_type text,
      entity_id text,
      ip_address text,
      user_agent text,
      details jsonb NOT NULL DEFAULT '{}',
      previous_hash text NOT NULL,
      hash text NOT NULL
    );
    CREATE INDEX audit_events_org_time_idx ON audit_events (organization_id, occurred_at DESC, seq DESC);
    CREATE INDEX audit_events_actor_idx ON audit_events (organization_id, actor_user_id, seq DESC);
    CREATE INDEX audit_events_patient_idx ON audit_events (organization_id, patient_id, seq DESC);

    CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $fn$
    BEGIN
      RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
    END
    $fn$;
    CREATE TRIGGER audit_events_no_update BEFORE UPDATE OR DELETE ON audit_events
      FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
    CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
      FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();
  `.execute(db);

  await sql`
    GRANT USAGE ON SCHEMA public TO consilium_app;
    GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO consilium_app;
    GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO consilium_app;
    ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO consilium_app;
    ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO consilium_app;
    REVOKE UPDATE, DELETE, TRUNCATE ON audit_events FROM consilium_app;
    REVOKE UPDATE, DELETE, TRUNCATE ON audit_events FROM PUBLIC;
  `.execute(db);
}
