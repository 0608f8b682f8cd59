/**
 * Correcting a submitted intake from the case page (docs/cases.md, "Correcting a submitted
 * intake"): who sees the correction, which of the wizard's fields it holds, and the change it
 * sends. Which states allow it and which fields may change are core's (`intakeCorrectionStates`,
 * `recordsCheckIntakeFields`), the same lists the server applies; the form values and their checks
 * are the wizard's (`intake-form.ts`).
 */
import {
  intakeCorrectionStates,
  recordsCheckIntakeFields,
  type CaseDraftChange,
} from '../../core/case-intake.ts';
import type { CaseState } from '../../core/case-lifecycle.ts';
import { canEver } from '../../core/access.ts';
import type { Role } from '../../core/roles.ts';
import type { CaseView } from './case-api.ts';
import { stepChangeOf, stepProblems, type FieldProblem, type IntakeValues } from './intake-form.ts';

type CorrectableField = (typeof recordsCheckIntakeFields)[number];

/** Whether a case in `state` still takes a correction of its intake. */
export function isCorrectionState(state: CaseState): boolean {
  return (intakeCorrectionStates as readonly CaseState[]).includes(state);
}

/**
 * Whether the viewer may correct the intake now: the case is in a correction state and the viewer
 * may update it (`case.update` in core/access.ts: the patient, the referring physician, a proxy
 * whose grant lets them act). The browser does not know a proxy's grant; an acting proxy is the
 * one offered to withdraw, which every correction state allows (a view-only proxy takes no step).
 */
export function mayCorrectIntake(
  view: Pick<CaseView, 'state' | 'availableTransitions'>,
  role: Role,
): boolean {
  if (!isCorrectionState(view.state) || !canEver(role, 'case.update')) return false;
  return role !== 'proxy' || view.availableTransitions.some(({ name }) => name === 'withdraw');
}

function isCorrectableField(field: string): field is CorrectableField {
  return (recordsCheckIntakeFields as readonly string[]).includes(field);
}

/** A change of the correctable fields only: what the server takes on a submitted case. */
export type IntakeCorrection = Pick<CaseDraftChange, CorrectableField>;

/** The correctable fields as the wizard's condition and health steps would send them. */
function correctableChangeOf(values: IntakeValues): IntakeCorrection {
  const { diagnosisCode, diagnosisText, proposedTreatment } = stepChangeOf(
    'condition',
    values,
  ).change;
  const { medications, allergies } = stepChangeOf('health', values).change;
  return { diagnosisCode, diagnosisText, proposedTreatment, medications, allergies };
}

function copyField<K extends CorrectableField>(
  target: IntakeCorrection,
  source: IntakeCorrection,
  field: K,
): void {
  target[field] = source[field];
}

/**
 * What saving the correction sends: each correctable field whose value differs from the saved
 * one (`intakeValuesOf` the case), lists whole (the server replaces a list). Empty when nothing
 * changed; never a field the server would refuse on a submitted case.
 */
export function correctionChangeOf(values: IntakeValues, saved: IntakeValues): IntakeCorrection {
  const wanted = correctableChangeOf(values);
  const current = correctableChangeOf(saved);
  const change: IntakeCorrection = {};
  for (const field of recordsCheckIntakeFields) {
    if (JSON.stringify(wanted[field]) !== JSON.stringify(current[field]))
      copyField(change, wanted, field);
  }
  return change;
}

/**
 * The problems with the correctable fields as the form holds them, by form path (the wizard's
 * checks, core's schema). Empty when the correction can be saved.
 */
export function correctionProblems(values: IntakeValues): Record<string, FieldProblem> {
  const problems = { ...stepProblems('condition', values), ...stepProblems('health', values) };
  return Object.fromEntries(
    Object.entries(problems).filter(([path]) => isCorrectableField(path.split('.')[0] ?? '')),
  );
}

/** The correctable fields a server validation error names (`validationIssues` keys). */
export function correctableFieldsOf(fields: readonly string[]): CorrectableField[] {
  return fields.filter(isCorrectableField);
}
