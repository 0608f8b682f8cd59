/**
 * What the last records check of a case read: the SHA-256 of its input (the day, the patient,
 * the intake's clinical facts, the documents and imported items) and of the organization's
 * checklists. `mark_ready` compares it with the case as it is now, and runs the check again
 * before deciding when they differ, so matching is never decided on a stale check.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- Hex SHA-256 of the canonical JSON of what the check read; null: never checked.
    ALTER TABLE cases ADD COLUMN records_checked_input text
      CHECK (records_checked_input ~ '^[0-9a-f]{64}$');
  `.execute(db);
}
