/**
 * Generating the release-of-information authorization of a case (issue 4): the form the patient
 * signs so the organization can ask another facility for their records. Whoever may add documents
 * to the case may prepare it (the patient side, the coordinator); anyone else learns "not found".
 * Nothing is stored but the audit event, which holds no free text (no facility, no record names).
 */
import { AppError } from '../../../core/errors.ts';
import type { Services } from '../../app/services.ts';
import { transact } from '../../app/unit-of-work.ts';
import { findRecordsCase } from '../records-case.ts';
import { caseAuditOrigin } from '../../cases/case-facts.ts';
import { requireActor, type RequestContext } from '../../http/request-context.ts';
import {
  renderReleaseAuthorizationPdf,
  type ReleaseAuthorization,
} from './release-authorization-pdf.ts';
import { findReleaseParties } from './release-authorization-repository.ts';
import type { ReleaseAuthorizationInput } from './release-of-information.types.ts';

/** The calendar date (YYYY-MM-DD) of `instant` in `timeZone`. */
export function calendarDateIn(instant: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(instant);
}

/** The same calendar date a year later (29 February gives 1 March). */
export function oneYearAfter(date: string): string {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(year + 1, month - 1, day)).toISOString().slice(0, 10);
}

/**
 * Renders the authorization for the case's patient, addressed to the caller's organization, and
 * audits that it was prepared. The date range may not reach past the organization's today: records
 * of dates still to come do not exist yet.
 */
export async function generateReleaseAuthorization(
  services: Services,
  context: RequestContext,
  caseId: string,
  input: ReleaseAuthorizationInput,
): Promise<{ pdf: Buffer; fileName: string }> {
  const form = await transact(services, async (unit): Promise<ReleaseAuthorization> => {
    const actor = requireActor(context);
    const found = await findRecordsCase(unit.trx, actor, caseId, 'upload');
    const parties = await findReleaseParties(unit.trx, found.id);
    if (parties === undefined) throw new AppError('not_found');
    const today = calendarDateIn(unit.now, parties.organization_time_zone);
    if (input.to > today)
      throw new AppError('validation_failed', {
        details: {
          issues: [{ path: 'body.to', message: 'The date range may not end in the future.' }],
        },
      });
    await unit.audit({
      ...caseAuditOrigin(context, actor, found.patient_user_id),
      eventType: 'record.release_form_generated',
      patientId: found.patient_id,
      entityType: 'Case',
      entityId: found.id,
      details: {
        recordsWanted: input.recordsWanted.length,
        from: input.from,
        to: input.to,
        purposeStated: input.purpose !== undefined,
      },
    });
    return {
      organization: {
        name: parties.organization_name,
        contactUrl: services.config.http.publicUrl,
      },
      patient: {
        name: `${parties.patient_given_name} ${parties.patient_family_name}`.trim(),
        birthDate: parties.patient_birth_date,
      },
      caseReference: found.id,
      facility: {
        name: input.facility.name,
        address: input.facility.address ?? null,
        phone: input.facility.phone ?? null,
        fax: input.facility.fax ?? null,
      },
      recordsWanted: input.recordsWanted,
      from: input.from,
      to: input.to,
      purpose: input.purpose ?? null,
      preparedOn: today,
      expiresOn: oneYearAfter(today),
    };
  });
  return {
    pdf: await renderReleaseAuthorizationPdf(form),
    fileName: `records-release-authorization-${form.caseReference.slice(0, 8)}.pdf`,
  };
}
