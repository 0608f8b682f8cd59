/**
 * Saving the intake at any step of the wizard (issue 3: save as draft, resume later). Once
 * submitted, the intake is what the organization received, except the clinical facts the records
 * check reads, which the patient side may correct until the case is ready for matching
 * (`intakeChangeAllowed` in core/case-intake.ts); such a correction queues the check again.
 */
import {
  changesRecordsCheckInput,
  intakeChangeAllowed,
  intakeCorrectionStates,
  recordsCheckIntakeFields,
  type CaseDraftChange,
} from '../../core/case-intake.ts';
import type { CaseState } from '../../core/case-lifecycle.ts';
import { AppError } from '../../core/errors.ts';
import type { Icd10CmCodeSet } from '../../core/terminology/icd10cm.ts';
import type { Services } from '../app/services.ts';
import { transact } from '../app/unit-of-work.ts';
import { requireActor, type RequestContext } from '../http/request-context.ts';
import { lockCaseRecords } from '../records/record-repository.ts';
import { queueRecordsCheck } from '../records/safety/check-case-records.ts';
import { loadIcd10CmCodeSet } from '../terminology/icd10cm-files.ts';
import { caseActorOf, caseAuditOrigin } from './case-facts.ts';
import {
  findCaseState,
  findVisibleCase,
  replaceAllergies,
  replaceDevices,
  replaceMedications,
  replaceQuestions,
  updateIntake,
  type IntakeColumns,
} from './case-repository.ts';
import { readCaseView, type CaseView } from './case-view.ts';
import { requireValidDiagnosisCode } from './diagnosis-code.ts';

/**
 * Applies `change` to the intake. 404 when the caller may not edit the case; 409 with the current
 * state when the case no longer takes this change (see the module comment), or when
 * `expectedVersion` is not the stored version.
 */
export async function updateCaseDraft(
  services: Services,
  context: RequestContext,
  caseId: string,
  change: CaseDraftChange & { expectedVersion?: number | undefined },
): Promise<CaseView> {
  const actor = requireActor(context);
  const codeSet: Icd10CmCodeSet | null =
    typeof change.diagnosisCode === 'string' ? await loadIcd10CmCodeSet() : null;
  return transact(services, async (unit) => {
    const row = await findVisibleCase(unit.trx, actor, 'case.update', caseId);
    if (row === undefined) throw new AppError('not_found');
    const state = row.state as CaseState;
    const { expectedVersion, ...intake } = change;
    if (!intakeChangeAllowed(state, intake)) {
      const correcting = (intakeCorrectionStates as readonly CaseState[]).includes(state);
      throw new AppError('conflict', {
        message: correcting
          ? 'Once a case is submitted, only its diagnosis, proposed treatment, medications and allergies can be corrected.'
          : 'Only a draft can be changed.',
        details: {
          currentState: row.state,
          ...(correcting ? { correctable: [...recordsCheckIntakeFields] } : {}),
        },
      });
    }
    if (expectedVersion !== undefined && expectedVersion !== row.version) {
      throw new AppError('conflict', {
        message: 'Someone else changed this case. Reload it and try again.',
        details: { currentState: row.state, currentVersion: row.version },
      });
    }
    // Consent is the patient's to give, personally or through their proxy; a referring
    // physician starts the case and the patient confirms it (issue 3).
    const relations = caseActorOf(actor, row).relations;
    if (
      change.consentAccepted !== undefined &&
      !relations.includes('self') &&
      !relations.includes('proxy')
    ) {
      throw new AppError('validation_failed', {
        message: 'Only the patient or their proxy can give consent.',
        details: {
          issues: [{ path: 'body.consentAccepted', message: 'only the patient or their proxy' }],
        },
      });
    }
    // A submitted case's check is queued with this change, which the case's records lock
    // orders against a run already under way (see `queueRecordsCheck`).
    const submitted = state !== 'draft';
    if (submitted) await lockCaseRecords(unit.trx, row.id);
    const columns: IntakeColumns = {
      ...(change.urgency === undefined ? {} : { urgency: change.urgency }),
      ...(change.urgencyReason === undefined ? {} : { urgency_reason: change.urgencyReason }),
      ...(change.conditionDescription === undefined
        ? {}
        : { condition_description: change.conditionDescription }),
      ...(change.diagnosisCode === undefined
        ? {}
        : {
            diagnosis_code:
              change.diagnosisCode === null || codeSet === null
                ? null
                : requireValidDiagnosisCode(codeSet, change.diagnosisCode, unit.now),
          }),
      ...(change.diagnosisText === undefined ? {} : { diagnosis_text: change.diagnosisText }),
      ...(change.proposedTreatment === undefined
        ? {}
        : { proposed_treatment: change.proposedTreatment }),
      ...(change.history === undefined ? {} : { history: change.history }),
      ...(change.goals === undefined ? {} : { goals: change.goals }),
      // The exact consent text version accepted is stored (issue 3), with the moment.
      ...(change.consentAccepted === undefined
        ? {}
        : change.consentAccepted
          ? { consent_version: row.organization_consent_version, consent_accepted_at: unit.now }
          : { consent_version: null, consent_accepted_at: null }),
    };
    const updated = await updateIntake(
      unit.trx,
      row.id,
      { state, version: row.version },
      columns,
      unit.now,
    );
    if (updated === undefined) {
      const current = await findCaseState(unit.trx, row.id);
      throw new AppError('conflict', {
        message: 'Someone else changed this case. Reload it and try again.',
        details: { currentState: current.state, currentVersion: current.version },
      });
    }
    if (change.questions !== undefined) await replaceQuestions(unit.trx, row.id, change.questions);
    if (change.medications !== undefined)
      await replaceMedications(unit.trx, row.id, change.medications);
    if (change.allergies !== undefined) await replaceAllergies(unit.trx, row.id, change.allergies);
    if (change.devices !== undefined) await replaceDevices(unit.trx, row.id, change.devices);
    await unit.audit({
      ...caseAuditOrigin(context, actor, row.patient_user_id),
      eventType: 'case.updated',
      patientId: row.patient_id,
      entityType: 'Case',
      entityId: row.id,
      details: {
        fields: Object.keys(change).filter(
          (key) => key !== 'expectedVersion' && change[key as keyof typeof change] !== undefined,
        ),
      },
    });
    // In a draft the check waits for submission, which queues it.
    if (submitted && changesRecordsCheckInput(intake))
      await queueRecordsCheck(services.records.jobs, row.id, unit.trx);
    return readCaseView(unit.trx, actor, row.id, unit.now);
  });
}
