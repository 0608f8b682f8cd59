/**
 * Encryption at rest of records (issue 4, docs/storage.md): per-organization key-encryption keys
 * wrapped by the instance master key, and the blobs table holding, for each encrypted object in
 * the blob store, its plaintext digest and size and its data key wrapped by one of those keys.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- An organization's key-encryption keys (KEKs), one version per rotation. The key itself is
    -- AES-256-GCM-encrypted under the master key (which never enters the database); the AAD binds
    -- it to its id, organization and version. 'retiring' is the old key during a rotation: still
    -- readable, never used for new blobs.
    CREATE TABLE organization_keys (
      id uuid PRIMARY KEY,
      organization_id uuid NOT NULL REFERENCES organizations(id),
      version integer NOT NULL CHECK (version >= 1),
      -- Fingerprint of the master key that wrapped this key, to name a wrong master key plainly.
      master_key_id text NOT NULL CHECK (master_key_id ~ '^[0-9a-f]{16}$'),
      wrapped_key bytea NOT NULL CHECK (octet_length(wrapped_key) = 32),
      nonce bytea NOT NULL CHECK (octet_length(nonce) = 12),
      tag bytea NOT NULL CHECK (octet_length(tag) = 16),
      status text NOT NULL DEFAULT 'active' CHECK (status IN ('active','retiring','retired')),
      created_at timestamptz NOT NULL,
      retired_at timestamptz,
      UNIQUE (organization_id, version),
      UNIQUE (id, organization_id),
      CHECK ((status = 'retired') = (retired_at IS NOT NULL))
    );
    -- At most one key wraps new data keys per organization.
    CREATE UNIQUE INDEX organization_keys_one_active_idx ON organization_keys (organization_id)
      WHERE status = 'active';

    -- One encrypted object of the blob store. A row is written only once its object is durable,
    -- so a row never names a missing or half-written object (an object without a row is an orphan
    -- that sweepOrphanBlobs removes). The data key is wrapped by a key of the same organization.
    CREATE TABLE blobs (
      id uuid PRIMARY KEY,
      organization_id uuid NOT NULL REFERENCES organizations(id),
      storage_key text NOT NULL UNIQUE CHECK (length(storage_key) BETWEEN 1 AND 512),
      format_version smallint NOT NULL CHECK (format_version = 1),
      size_bytes bigint NOT NULL CHECK (size_bytes >= 0),
      sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
      stored_bytes bigint NOT NULL CHECK (stored_bytes > size_bytes),
      kek_id uuid NOT NULL,
      -- nonce (12) || encrypted data key (32) || tag (16)
      wrapped_data_key bytea NOT NULL CHECK (octet_length(wrapped_data_key) = 60),
      created_at timestamptz NOT NULL,
      FOREIGN KEY (kek_id, organization_id) REFERENCES organization_keys (id, organization_id)
    );
    CREATE INDEX blobs_kek_idx ON blobs (kek_id);
    -- De-duplication looks a plaintext digest up within an organization.
    CREATE INDEX blobs_digest_idx ON blobs (organization_id, sha256);

    -- Losing a key loses every record under it: the application may not delete keys.
    REVOKE DELETE, TRUNCATE ON organization_keys FROM consilium_app;
    REVOKE DELETE, TRUNCATE ON organization_keys FROM PUBLIC;
  `.execute(db);
}
