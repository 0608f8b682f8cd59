/**
 * The patient's current diagnosis must carry a real ICD-10-CM code when it carries one at all.
 * A category (header) is accepted: the patient reports the diagnosis they were given, which need
 * not be coded to billing specificity; a code deleted from the classification is refused as of
 * today (ICD-10-CM codes are valid per fiscal year).
 */
import { AppError } from '../../core/errors.ts';
import { formatCode, type Icd10CmCodeSet } from '../../core/terminology/icd10cm.ts';

/** The code in display form (`E11.9`), or a validation_failed error naming why it is refused. */
export function requireValidDiagnosisCode(codeSet: Icd10CmCodeSet, code: string, on: Date): string {
  const verdict = codeSet.validate(code, {
    requireBillable: false,
    dateOfService: on.toISOString().slice(0, 10),
  });
  if (verdict.valid) return formatCode(code);
  throw new AppError('validation_failed', {
    message: 'The diagnosis code is not a valid ICD-10-CM code.',
    details: {
      issues: [{ path: 'body.diagnosisCode', message: `ICD-10-CM code ${verdict.reason}` }],
      reason: verdict.reason,
    },
  });
}
