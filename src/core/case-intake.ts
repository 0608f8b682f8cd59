/**
 * The intake of a second-opinion case as the patient side writes it (issue 3, "Patient and
 * referring physician"): the shape of a draft change, validated alike by the browser wizard and
 * the server. The draft may be incomplete at every step; what submission requires is the guard of
 * `submit` in `case-lifecycle.ts`.
 */
import { z } from 'zod';
import { intakeQuestionLimits, urgencies, type CaseState } from './case-lifecycle.ts';

/** How severe an allergic reaction is (FHIR R4 AllergyIntolerance.reaction.severity, plus unknown). */
export const allergySeverities = ['mild', 'moderate', 'severe', 'unknown'] as const;

export type AllergySeverity = (typeof allergySeverities)[number];

/** Whether the patient wants an opinion from their own country or from abroad. */
export const opinionScopes = ['national', 'international'] as const;

const text = (max: number) => z.string().trim().min(1).max(max);
const optionalText = (max: number) => text(max).nullable().optional();

/** What matters to the patient and how they want the opinion. Every field may still be missing. */
export const caseGoalsSchema = z.strictObject({
  whatMatters: text(2000).optional(),
  opinionScope: z.enum(opinionScopes).optional(),
  /** A BCP 47 language tag, e.g. `es` or `pt-BR`. */
  preferredLanguage: z
    .string()
    .trim()
    .regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/)
    .optional(),
  /** A written opinion only, or with a consultation. */
  writtenOnly: z.boolean().optional(),
});

export type CaseGoals = z.infer<typeof caseGoalsSchema>;

export const medicationSchema = z.strictObject({
  name: text(200),
  dose: optionalText(200),
  frequency: optionalText(200),
});

export type Medication = z.infer<typeof medicationSchema>;

export const allergySchema = z.strictObject({
  substance: text(200),
  reaction: optionalText(500),
  severity: z.enum(allergySeverities).nullable().optional(),
});

export type Allergy = z.infer<typeof allergySchema>;

/**
 * A change to a draft. Fields left out stay as they are; `null` clears a field; a list replaces
 * the whole list. More than the allowed number of questions is refused here already; at least one
 * is required only at submission.
 */
export const caseDraftChangeSchema = z.strictObject({
  urgency: z.enum(urgencies).optional(),
  urgencyReason: optionalText(2000),
  conditionDescription: optionalText(10_000),
  /** ICD-10-CM, as picked by search; checked against the shipped code set by the server. */
  diagnosisCode: z
    .string()
    .trim()
    .max(10)
    .regex(/^[A-Za-z][0-9][0-9A-Za-z.]{1,6}$/)
    .nullable()
    .optional(),
  diagnosisText: optionalText(500),
  proposedTreatment: optionalText(10_000),
  history: optionalText(20_000),
  goals: caseGoalsSchema.optional(),
  questions: z.array(text(2000)).max(intakeQuestionLimits.max).optional(),
  medications: z.array(medicationSchema).max(50).optional(),
  allergies: z.array(allergySchema).max(50).optional(),
  devices: z.array(text(500)).max(20).optional(),
  /** Accepts (true) or withdraws (false) the organization's current consent text. */
  consentAccepted: z.boolean().optional(),
});

export type CaseDraftChange = z.infer<typeof caseDraftChangeSchema>;

/**
 * The intake fields the records check reads (docs/safety-net.md): the diagnosis, the proposed
 * treatment, the medications and the allergies. A change to any of them makes the case's check
 * stale.
 */
export const recordsCheckIntakeFields = [
  'diagnosisCode',
  'diagnosisText',
  'proposedTreatment',
  'medications',
  'allergies',
] as const satisfies readonly (keyof CaseDraftChange)[];

/**
 * Until a submitted case is ready for matching, the patient side may still correct what the
 * records check reads: its findings ask them to ("check your medicine list"). Everything else of
 * a submitted intake is what the organization received.
 */
export const intakeCorrectionStates = [
  'submitted',
  'triage',
  'awaiting_records',
] as const satisfies readonly CaseState[];

/** Whether `change` touches a field the records check reads. */
export function changesRecordsCheckInput(change: CaseDraftChange): boolean {
  return recordsCheckIntakeFields.some((field) => change[field] !== undefined);
}

/**
 * Whether `change` may be saved on a case in `state`: anything while it is a draft; afterwards,
 * in the correction states, a change of the fields the records check reads and of nothing else.
 */
export function intakeChangeAllowed(state: CaseState, change: CaseDraftChange): boolean {
  if (state === 'draft') return true;
  if (!(intakeCorrectionStates as readonly CaseState[]).includes(state)) return false;
  const fields: readonly string[] = recordsCheckIntakeFields;
  const changed = Object.entries(change).filter(([, value]) => value !== undefined);
  return changed.length > 0 && changed.every(([field]) => fields.includes(field));
}
