/**
 * The FHIR R4 export of a case and its opinion (issue 3): the case as the caller may read it, handed
 * to the pure builder in core. Everyone who may read the case may export it — the patient side
 * included, whose record it is — and the export is audited like any read of patient data.
 */
import type { CaseState } from '../../core/case-lifecycle.ts';
import type { AddendumContent, OpinionContent } from '../../core/opinion.ts';
import { caseFhirBundle, type CaseFhirSignedVersion } from '../../core/fhir/case-bundle.ts';
import type { FhirBundle } from '../../core/fhir/fhir-types.ts';
import { roles, type Role } from '../../core/roles.ts';
import type { Services } from '../app/services.ts';
import { transact } from '../app/unit-of-work.ts';
import { requireActor, type RequestContext } from '../http/request-context.ts';
import { asUrgency } from './case-facts.ts';
import { findCaseCreator, findCaseParts } from './case-repository.ts';
import { loadCase } from './load-case.ts';
import { findFollowUpQuestions, findOpinionVersions } from './opinion-repository.ts';

const asRole = (value: string): Role | undefined => roles.find((role) => role === value);

export async function exportCaseFhir(
  services: Services,
  context: RequestContext,
  caseId: string,
): Promise<FhirBundle> {
  const actor = requireActor(context);
  return transact(services, async (unit) => {
    const loaded = await loadCase(unit, context, actor, 'case.read', caseId);
    const { row } = loaded;
    const parts = await findCaseParts(unit.trx, caseId);
    const versions = await findOpinionVersions(unit.trx, caseId);
    const followUps = await findFollowUpQuestions(unit.trx, caseId);
    const questionOf = new Map(
      followUps
        .filter((question) => question.answered_version_id !== null)
        .map((question) => [question.answered_version_id, question.text]),
    );
    const creator = await findCaseCreator(unit.trx, row.organization_id, row.created_by_user_id);
    const signedVersions = versions.map((version): CaseFhirSignedVersion => {
      const base = {
        id: version.id,
        sequence: version.sequence,
        followUpQuestion: questionOf.get(version.id) ?? null,
        signerId: version.signed_by_user_id,
        signerName: version.signer_name,
        signerCredentials: version.signer_credentials,
        signedAt: version.signed_at,
        sealSha256: version.seal_sha256,
        verificationCode: version.verification_code,
      };
      return version.kind === 'opinion'
        ? { ...base, kind: 'opinion', content: version.content as OpinionContent }
        : { ...base, kind: 'addendum', content: version.content as AddendumContent };
    });
    const bundle = caseFhirBundle({
      organization: { id: row.organization_id, name: row.organization_name },
      patient: {
        id: row.patient_id,
        givenName: row.patient_given_name,
        familyName: row.patient_family_name,
        birthDate: row.patient_birth_date,
        email: row.patient_email ?? row.patient_user_email,
      },
      case: {
        id: row.id,
        state: row.state as CaseState,
        urgency: asUrgency(row.urgency),
        submittedAt: row.submitted_at,
        createdAt: row.created_at,
        conditionDescription: row.condition_description,
        diagnosis:
          row.diagnosis_code === null
            ? null
            : { code: row.diagnosis_code, text: row.diagnosis_text },
        proposedTreatment: row.proposed_treatment,
        questions: parts.questions.map((question) => ({ id: question.id, text: question.text })),
        medications: parts.medications,
        allergies: parts.allergies.map((allergy) => ({
          substance: allergy.substance,
          reaction: allergy.reaction,
          severity: allergy.severity as 'mild' | 'moderate' | 'severe' | 'unknown' | null,
        })),
      },
      specialist:
        parts.people.specialist_user_id === null
          ? null
          : {
              id: parts.people.specialist_user_id,
              name: parts.people.specialist_name ?? '',
              credentials: parts.people.specialist_credentials ?? '',
            },
      requester: (() => {
        const role = creator?.role == null ? undefined : asRole(creator.role);
        return creator === undefined || role === undefined
          ? null
          : { id: creator.id, name: creator.name, role };
      })(),
      signedVersions: loaded.row.signed_version_count > 0 ? signedVersions : [],
      exportedAt: unit.now,
    });
    await unit.audit({
      ...loaded.transitionActor.origin,
      eventType: 'case.fhir_exported',
      patientId: row.patient_id,
      entityType: 'Case',
      entityId: caseId,
    });
    return bundle;
  });
}
