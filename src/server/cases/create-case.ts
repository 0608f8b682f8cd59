/**
 * Starting a case: the patient for themself, a proxy for the patient who delegated to them, or a
 * referring physician for a patient they referred (issue 3). The case starts as the patient
 * side's draft, which they fill in and submit later.
 */
import { AppError } from '../../core/errors.ts';
import type { Services } from '../app/services.ts';
import { transact } from '../app/unit-of-work.ts';
import { requireActor, type RequestContext } from '../http/request-context.ts';
import { findVisiblePatient } from '../patients/patient-repository.ts';
import { caseAuditOrigin } from './case-facts.ts';
import { findPatientReferrers, insertCase, insertTimelineEntry } from './case-repository.ts';
import { readCaseView, type CaseView } from './case-view.ts';

/** Creates an empty draft for `patientId`; 404 when the caller may not start a case for them. */
export async function createCase(
  services: Services,
  context: RequestContext,
  input: { patientId: string },
): Promise<CaseView> {
  const actor = requireActor(context);
  return transact(services, async (unit) => {
    const patient = await findVisiblePatient(unit.trx, actor, 'case.create', input.patientId);
    if (patient === undefined) throw new AppError('not_found');
    // The case's referring physician receives the report: the one starting it, or else the
    // patient's own referring physician when there is exactly one.
    const referrers = await findPatientReferrers(unit.trx, patient.id);
    const referringPhysicianUserId = referrers.includes(actor.userId)
      ? actor.userId
      : referrers.length === 1
        ? (referrers[0] ?? null)
        : null;
    const { id } = await insertCase(unit.trx, {
      organizationId: actor.organizationId,
      patientId: patient.id,
      createdByUserId: actor.userId,
      referringPhysicianUserId,
      now: unit.now,
    });
    await insertTimelineEntry(unit.trx, {
      caseId: id,
      occurredAt: unit.now,
      actorUserId: actor.userId,
      kind: 'created',
      toState: 'draft',
    });
    await unit.audit({
      ...caseAuditOrigin(context, actor, patient.user_id),
      eventType: 'case.created',
      patientId: patient.id,
      entityType: 'Case',
      entityId: id,
    });
    return readCaseView(unit.trx, actor, id, unit.now);
  });
}
