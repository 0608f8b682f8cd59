/**
 * The intake wizard's form model: its steps, the form values built from a saved draft, the draft
 * change each step saves, and the checks run before saving. The checks are core's intake schema
 * (`caseDraftChangeSchema`, the one the server applies) plus the wizard's own rule that an urgent
 * request says why; the server's submission guard (`case-lifecycle.ts`) decides what is still
 * missing before the request can be sent.
 */
import type { useForm } from '@mantine/form';
import type { TFunction } from 'i18next';
import {
  allergySeverities,
  caseDraftChangeSchema,
  caseGoalsSchema,
  type AllergySeverity,
  type CaseDraftChange,
  type CaseGoals,
  type opinionScopes,
} from '../../core/case-intake.ts';
import {
  intakeQuestionLimits,
  type GuardFailure,
  type Urgency,
} from '../../core/case-lifecycle.ts';
import type { CaseView } from './case-api.ts';

/** The wizard's steps, in order. */
export const intakeSteps = [
  'condition',
  'health',
  'history',
  'questions',
  'goals',
  'documents',
  'consent',
] as const;

export type IntakeStep = (typeof intakeSteps)[number];

export type OpinionScope = (typeof opinionScopes)[number];
export type OpinionFormat = 'written' | 'consultation';

export interface MedicationRow {
  key: string;
  name: string;
  dose: string;
  frequency: string;
}

export interface AllergyRow {
  key: string;
  substance: string;
  reaction: string;
  severity: AllergySeverity | '';
}

export interface TextRow {
  key: string;
  text: string;
}

export interface IntakeValues {
  conditionDescription: string;
  /** The ICD-10-CM code in display form (`E11.9`), or '' when none was picked. */
  diagnosisCode: string;
  diagnosisText: string;
  proposedTreatment: string;
  medications: MedicationRow[];
  allergies: AllergyRow[];
  devices: TextRow[];
  history: string;
  questions: TextRow[];
  whatMatters: string;
  opinionScope: OpinionScope | '';
  preferredLanguage: string;
  opinionFormat: OpinionFormat | '';
  urgency: Urgency;
  urgencyReason: string;
}

/** The wizard's form (Mantine's form type is not exported under NodeNext resolution). */
export type IntakeForm = ReturnType<typeof useForm<IntakeValues>>;

let rowCounter = 0;
/** A key for a list row, stable while the row lives (React keys, focus after adding a row). */
export function newRowKey(): string {
  rowCounter += 1;
  return `row-${rowCounter}`;
}

export const emptyMedication = (): MedicationRow => ({
  key: newRowKey(),
  name: '',
  dose: '',
  frequency: '',
});
export const emptyAllergy = (): AllergyRow => ({
  key: newRowKey(),
  substance: '',
  reaction: '',
  severity: '',
});
export const emptyTextRow = (): TextRow => ({ key: newRowKey(), text: '' });

/** The goals as stored (they passed the same schema on the way in); anything else counts as none. */
export function goalsOf(view: CaseView): CaseGoals {
  const parsed = caseGoalsSchema.safeParse(view.goals);
  return parsed.success ? parsed.data : {};
}

function isAllergySeverity(value: string | null): value is AllergySeverity {
  return allergySeverities.some((severity) => severity === value);
}

/** The form values for a saved draft. */
export function intakeValuesOf(view: CaseView): IntakeValues {
  const goals = goalsOf(view);
  return {
    conditionDescription: view.conditionDescription ?? '',
    diagnosisCode: view.diagnosis.code ?? '',
    diagnosisText: view.diagnosis.text ?? '',
    proposedTreatment: view.proposedTreatment ?? '',
    medications: view.medications.map((medication) => ({
      key: newRowKey(),
      name: medication.name,
      dose: medication.dose ?? '',
      frequency: medication.frequency ?? '',
    })),
    allergies: view.allergies.map((allergy) => ({
      key: newRowKey(),
      substance: allergy.substance,
      reaction: allergy.reaction ?? '',
      severity: isAllergySeverity(allergy.severity) ? allergy.severity : '',
    })),
    devices: view.devices.map((text) => ({ key: newRowKey(), text })),
    history: view.history ?? '',
    questions:
      view.questions.length > 0
        ? view.questions.map((question) => ({ key: newRowKey(), text: question.text }))
        : [emptyTextRow()],
    whatMatters: goals.whatMatters ?? '',
    opinionScope: goals.opinionScope ?? '',
    preferredLanguage: goals.preferredLanguage ?? '',
    opinionFormat:
      goals.writtenOnly === undefined ? '' : goals.writtenOnly ? 'written' : 'consultation',
    urgency: view.urgency,
    urgencyReason: view.urgencyReason ?? '',
  };
}

const blank = (value: string) => value.trim() === '';
const textOrNull = (value: string) => (blank(value) ? null : value.trim());

/** The lists a step sends, and for each sent item the index of its row in the form. */
type ListName = 'medications' | 'allergies' | 'devices' | 'questions';
type RowIndexes = Partial<Record<ListName, number[]>>;

interface StepChange {
  change: CaseDraftChange;
  rowIndexes: RowIndexes;
}

/** Rows left wholly empty are not sent (an unused "add" is not an entry). */
function keptRows<T>(rows: T[], isEmpty: (row: T) => boolean): { rows: T[]; indexes: number[] } {
  const indexes = rows.flatMap((row, index) => (isEmpty(row) ? [] : [index]));
  return { rows: indexes.map((index) => rows[index]!), indexes };
}

function goalsChange(values: IntakeValues): CaseGoals {
  return {
    ...(blank(values.whatMatters) ? {} : { whatMatters: values.whatMatters.trim() }),
    ...(values.opinionScope === '' ? {} : { opinionScope: values.opinionScope }),
    ...(values.preferredLanguage === '' ? {} : { preferredLanguage: values.preferredLanguage }),
    ...(values.opinionFormat === '' ? {} : { writtenOnly: values.opinionFormat === 'written' }),
  };
}

/** What saving `step` sends: only that step's fields, lists whole. */
export function stepChangeOf(step: IntakeStep, values: IntakeValues): StepChange {
  switch (step) {
    case 'condition':
      return {
        change: {
          conditionDescription: textOrNull(values.conditionDescription),
          diagnosisCode: textOrNull(values.diagnosisCode),
          diagnosisText: textOrNull(values.diagnosisText),
          proposedTreatment: textOrNull(values.proposedTreatment),
        },
        rowIndexes: {},
      };
    case 'health': {
      const medications = keptRows(
        values.medications,
        (row) => blank(row.name) && blank(row.dose) && blank(row.frequency),
      );
      const allergies = keptRows(
        values.allergies,
        (row) => blank(row.substance) && blank(row.reaction) && row.severity === '',
      );
      const devices = keptRows(values.devices, (row) => blank(row.text));
      return {
        change: {
          medications: medications.rows.map((row) => ({
            name: row.name.trim(),
            dose: textOrNull(row.dose),
            frequency: textOrNull(row.frequency),
          })),
          allergies: allergies.rows.map((row) => ({
            substance: row.substance.trim(),
            reaction: textOrNull(row.reaction),
            severity: row.severity === '' ? null : row.severity,
          })),
          devices: devices.rows.map((row) => row.text.trim()),
        },
        rowIndexes: {
          medications: medications.indexes,
          allergies: allergies.indexes,
          devices: devices.indexes,
        },
      };
    }
    case 'history':
      return { change: { history: textOrNull(values.history) }, rowIndexes: {} };
    case 'questions': {
      const questions = keptRows(values.questions, (row) => blank(row.text));
      return {
        change: { questions: questions.rows.map((row) => row.text.trim()) },
        rowIndexes: { questions: questions.indexes },
      };
    }
    case 'goals':
      return {
        change: {
          goals: goalsChange(values),
          urgency: values.urgency,
          // The reason belongs to an urgent request only.
          urgencyReason: values.urgency === 'urgent' ? textOrNull(values.urgencyReason) : null,
        },
        rowIndexes: {},
      };
    case 'documents':
    case 'consent':
      // Documents arrive later; consent is saved the moment it is given or taken back.
      return { change: {}, rowIndexes: {} };
  }
}

/** What a field's problem is, for the sentence shown under it. */
export type FieldProblem =
  | { kind: 'required' }
  | { kind: 'tooLong'; max: number }
  | { kind: 'invalid' }
  | { kind: 'urgencyReasonRequired' };

/** The sentence shown under a field with `problem`. */
export function problemMessage(problem: FieldProblem, t: TFunction): string {
  switch (problem.kind) {
    case 'required':
      return t('cases.problems.required');
    case 'tooLong':
      return t('cases.problems.tooLong', { max: problem.max });
    case 'invalid':
      return t('cases.problems.invalid');
    case 'urgencyReasonRequired':
      return t('cases.problems.urgencyReasonRequired');
  }
}

const listFieldPaths: Record<ListName, (index: number, sub: string | undefined) => string> = {
  medications: (index, sub) => `medications.${index}.${sub ?? 'name'}`,
  allergies: (index, sub) => `allergies.${index}.${sub ?? 'substance'}`,
  devices: (index) => `devices.${index}.text`,
  questions: (index) => `questions.${index}.text`,
};

function isListName(value: unknown): value is ListName {
  return (
    value === 'medications' || value === 'allergies' || value === 'devices' || value === 'questions'
  );
}

/** The form path of a schema issue's path, mapping sent list items back to their form rows. */
function formPathOf(path: readonly PropertyKey[], rowIndexes: RowIndexes): string {
  const [head, second, third] = path;
  if (head === 'goals' && typeof second === 'string') {
    return second === 'writtenOnly' ? 'opinionFormat' : second;
  }
  if (isListName(head) && typeof second === 'number') {
    const index = rowIndexes[head]?.[second] ?? second;
    return listFieldPaths[head](index, typeof third === 'string' ? third : undefined);
  }
  return typeof head === 'string' ? head : '';
}

/**
 * The problems with `step` as the form holds it, by form path. Empty when the step can be saved.
 * The change is checked with core's schema, exactly as the server will check it.
 */
export function stepProblems(step: IntakeStep, values: IntakeValues): Record<string, FieldProblem> {
  const { change, rowIndexes } = stepChangeOf(step, values);
  const problems: Record<string, FieldProblem> = {};
  const parsed = caseDraftChangeSchema.safeParse(change);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const path = formPathOf(issue.path, rowIndexes);
      if (path === '' || problems[path] !== undefined) continue;
      if (issue.code === 'too_big' && typeof issue.maximum === 'number')
        problems[path] = { kind: 'tooLong', max: issue.maximum };
      else if (issue.code === 'too_small') problems[path] = { kind: 'required' };
      else problems[path] = { kind: 'invalid' };
    }
  }
  if (step === 'goals' && values.urgency === 'urgent' && blank(values.urgencyReason))
    problems.urgencyReason ??= { kind: 'urgencyReasonRequired' };
  return problems;
}

/** The guard failures of submission that the wizard can help with, and the step that fixes each. */
export const failureSteps: Partial<Record<GuardFailure, IntakeStep>> = {
  condition_missing: 'condition',
  too_few_questions: 'questions',
  too_many_questions: 'questions',
  urgency_reason_missing: 'goals',
  consent_missing: 'consent',
};

/** What still blocks sending the request, as the server judged the draft it last saved. */
export function submissionFailures(view: CaseView): string[] {
  return (
    view.availableTransitions.find((transition) => transition.name === 'submit')?.failures ?? []
  );
}

/** Whether each step holds anything yet (a step never touched is where the person stopped). */
function stepsWithContent(view: CaseView): Record<IntakeStep, boolean> {
  const goals = goalsOf(view);
  return {
    condition:
      view.conditionDescription !== null ||
      view.diagnosis.code !== null ||
      view.diagnosis.text !== null ||
      view.proposedTreatment !== null,
    health: view.medications.length + view.allergies.length + view.devices.length > 0,
    history: view.history !== null,
    questions: view.questions.length > 0,
    goals: Object.keys(goals).length > 0 || view.urgency === 'urgent',
    documents: false,
    consent: view.consent.accepted,
  };
}

/** Whether a step still lacks what submission needs. */
function stepIncomplete(step: IntakeStep, view: CaseView): boolean {
  switch (step) {
    case 'condition':
      return view.conditionDescription === null;
    case 'questions':
      return view.questions.length < intakeQuestionLimits.min;
    case 'goals':
      return view.urgency === 'urgent' && view.urgencyReason === null;
    case 'consent':
      return !view.consent.accepted;
    case 'health':
    case 'history':
    case 'documents':
      return false;
  }
}

/**
 * Where a returning person continues: the first step that still lacks something submission
 * needs, or the step after the last one they filled in, whichever comes first.
 */
export function resumeStepIndex(view: CaseView): number {
  const content = stepsWithContent(view);
  const firstIncomplete = intakeSteps.findIndex((step) => stepIncomplete(step, view));
  let lastFilled = -1;
  intakeSteps.forEach((step, index) => {
    if (content[step]) lastFilled = index;
  });
  const afterLastFilled = Math.min(lastFilled + 1, intakeSteps.length - 1);
  return firstIncomplete === -1 ? afterLastFilled : Math.min(firstIncomplete, afterLastFilled);
}

/** Steps that hold an answer and lack nothing submission needs, for the check marks. */
export function completedSteps(view: CaseView): Set<IntakeStep> {
  const content = stepsWithContent(view);
  return new Set(intakeSteps.filter((step) => content[step] && !stepIncomplete(step, view)));
}
