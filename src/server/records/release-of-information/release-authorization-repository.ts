/**
 * SQL for a release-of-information authorization: who the patient of a case is and which
 * organization will receive the records. The caller has already found the case through the
 * shared patient access filter (attachments/attachment-repository.ts); no rules live here.
 */
import type { Database, DatabaseTransaction } from '../../db/database.ts';

type Executor = Database | DatabaseTransaction;

/** The patient's identity and the organization's name and time zone for one case. */
export function findReleaseParties(db: Executor, caseId: string) {
  return db
    .selectFrom('cases as c')
    .innerJoin('patients as p', 'p.id', 'c.patient_id')
    .innerJoin('organizations as o', 'o.id', 'c.organization_id')
    .select([
      'c.id',
      'p.given_name as patient_given_name',
      'p.family_name as patient_family_name',
      'p.birth_date as patient_birth_date',
      'o.name as organization_name',
      'o.time_zone as organization_time_zone',
    ])
    .where('c.id', '=', caseId)
    .executeTakeFirst();
}
