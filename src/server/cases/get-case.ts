/**
 * Reading one case: access-filtered in SQL and audited; a case the caller may not see answers 404
 * exactly like one that does not exist.
 */
import { AppError } from '../../core/errors.ts';
import type { Services } from '../app/services.ts';
import { auditedRead } from '../app/unit-of-work.ts';
import { requireActor, type RequestContext } from '../http/request-context.ts';
import { caseAuditOrigin } from './case-facts.ts';
import { findCaseParts, findVisibleCase } from './case-repository.ts';
import { caseViewOf, type CaseView } from './case-view.ts';

/** The whole case as the caller may see it, with the read recorded in the audit trail. */
export async function getCase(
  services: Services,
  context: RequestContext,
  caseId: string,
): Promise<CaseView> {
  const actor = requireActor(context);
  return auditedRead(services, async (unit) => {
    const row = await findVisibleCase(unit.db, actor, 'case.read', caseId);
    if (row === undefined) throw new AppError('not_found');
    const parts = await findCaseParts(unit.db, row.id);
    await unit.audit({
      ...caseAuditOrigin(context, actor, row.patient_user_id),
      eventType: 'case.read',
      patientId: row.patient_id,
      entityType: 'Case',
      entityId: row.id,
    });
    return caseViewOf(actor, row, parts, unit.now);
  });
}
