/**
 * The structured second opinion (PRODUCT.md capability 7, issue 3): the sections a specialist
 * writes, validated the same way in the browser editor and on the server, and the rules that say
 * when a draft is complete enough to sign.
 *
 * A draft is any subset of the sections. A section is "present" once it holds a valid value; a list
 * section may be present and empty, which is the explicit "none considered" (the editor offers it
 * as a choice, never as a default). The signed opinion is frozen: its canonical JSON is sealed with
 * SHA-256 and later corrections or follow-up answers are addenda, never edits (see `opinionSealInput`).
 */
import { z } from 'zod';
import { canonicalJson } from './canonical-json.ts';
import type { OpinionSection } from './case-lifecycle.ts';

const text = (max: number) => z.string().trim().min(1).max(max);
const shortText = text(500);
const longText = text(8000);
const icd10CmCode = z
  .string()
  .trim()
  .regex(/^[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$/, 'an ICD-10-CM code such as C50.911');

/** How the working diagnosis stands after review; the concordance outcome of the opinion. */
export const diagnosisOutcomes = ['confirmed', 'refined', 'changed'] as const;
export type DiagnosisOutcome = (typeof diagnosisOutcomes)[number];

export const confidenceLevels = ['low', 'moderate', 'high'] as const;
export type ConfidenceLevel = (typeof confidenceLevels)[number];

export const relativeCosts = ['lower', 'similar', 'higher', 'unknown'] as const;
export type RelativeCost = (typeof relativeCosts)[number];

export const diagnosisAssessmentSchema = z.strictObject({
  outcome: z.enum(diagnosisOutcomes),
  /** The resulting diagnosis, coded (the working one when confirmed). */
  diagnosis: z.strictObject({ code: icd10CmCode, text: shortText }),
  confidence: z.enum(confidenceLevels),
  rationale: longText,
});

export const alternativeDiagnosisSchema = z.strictObject({
  diagnosis: shortText,
  code: icd10CmCode.optional(),
  reasoning: longText,
});

export const recommendedTestSchema = z.strictObject({ test: shortText, reason: longText });

export const treatmentOptionSchema = z.strictObject({
  name: shortText,
  expectedBenefit: longText,
  sideEffectsAndRisks: longText,
  recoveryTime: shortText,
  relativeCost: z.enum(relativeCosts),
  fitWithGoals: longText,
});

export const recommendationSchema = z.strictObject({
  text: longText,
  /** Whether the recommendation differs from the treatment proposed to the patient. */
  changesProposedTreatment: z.boolean(),
});

export const riskOfWaitingSchema = z.strictObject({
  riskOfWaiting: longText,
  riskOfActingNow: longText,
  advisedTiming: shortText,
});

export const followUpWindowSchema = z.strictObject({ what: shortText, when: shortText });

export const warningSignSchema = z.strictObject({ sign: shortText, action: shortText });

export const questionAnswerSchema = z.strictObject({ questionId: z.uuid(), answer: longText });

export const referenceSchema = z.strictObject({
  citation: text(1000),
  url: z
    .url({ protocol: /^https?$/ })
    .max(2000)
    .optional(),
});

const list = <T extends z.ZodType>(item: T, max: number) => z.array(item).max(max);

/**
 * The opinion's sections. All are optional in a draft; `requiredOpinionSections` (in the lifecycle)
 * says which must be present before signing. Treatment options compare at least one option.
 */
export const opinionContentSchema = z.strictObject({
  diagnosisAssessment: diagnosisAssessmentSchema.optional(),
  alternativeDiagnoses: list(alternativeDiagnosisSchema, 20).optional(),
  recommendedTests: list(recommendedTestSchema, 30).optional(),
  treatmentOptions: list(treatmentOptionSchema, 10).min(1).optional(),
  recommendation: recommendationSchema.optional(),
  riskOfWaiting: riskOfWaitingSchema.optional(),
  followUpWindows: list(followUpWindowSchema, 20).optional(),
  warningSigns: list(warningSignSchema, 20).optional(),
  questionAnswers: list(questionAnswerSchema, 10).optional(),
  plainLanguageSummary: text(6000).optional(),
  references: list(referenceSchema, 50).optional(),
});

export type OpinionContent = z.infer<typeof opinionContentSchema>;

/** The content key holding each required section. */
export const opinionSectionKeys: Readonly<Record<OpinionSection, keyof OpinionContent>> = {
  diagnosis_assessment: 'diagnosisAssessment',
  alternative_diagnoses: 'alternativeDiagnoses',
  recommended_tests: 'recommendedTests',
  treatment_options: 'treatmentOptions',
  recommendation: 'recommendation',
  risk_of_waiting: 'riskOfWaiting',
  follow_up_windows: 'followUpWindows',
  warning_signs: 'warningSigns',
  question_answers: 'questionAnswers',
  plain_language_summary: 'plainLanguageSummary',
};

/**
 * The sections present in `content`. The question answers count as present only when every
 * question of the case has its answer (one-to-one, none left unanswered).
 */
export function presentOpinionSections(
  content: OpinionContent,
  questionIds: readonly string[],
): OpinionSection[] {
  return (Object.keys(opinionSectionKeys) as OpinionSection[]).filter((section) => {
    if (section === 'question_answers')
      return answeredQuestionCount(content, questionIds) >= questionIds.length;
    return content[opinionSectionKeys[section]] !== undefined;
  });
}

/** How many of the case's questions the opinion answers (answers to unknown ids do not count). */
export function answeredQuestionCount(
  content: OpinionContent,
  questionIds: readonly string[],
): number {
  const answered = new Set((content.questionAnswers ?? []).map((answer) => answer.questionId));
  return questionIds.filter((id) => answered.has(id)).length;
}

/**
 * Problems with the answers that the schema alone cannot see: an answer to a question the case
 * does not have, or two answers to the same question. Paths are relative to the content.
 */
export function questionAnswerProblems(
  content: OpinionContent,
  questionIds: readonly string[],
): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  const seen = new Set<string>();
  (content.questionAnswers ?? []).forEach((answer, index) => {
    if (!questionIds.includes(answer.questionId))
      problems.push({
        path: `questionAnswers.${index}.questionId`,
        message: 'not a question of this case',
      });
    else if (seen.has(answer.questionId))
      problems.push({ path: `questionAnswers.${index}.questionId`, message: 'answered twice' });
    seen.add(answer.questionId);
  });
  return problems;
}

/** An addendum: a signed correction, or the answer to a follow-up question. */
export const addendumContentSchema = z.strictObject({
  reason: z.enum(['correction', 'follow_up_answer']),
  text: longText,
});

export type AddendumContent = z.infer<typeof addendumContentSchema>;

/** What the seal of a signed version covers: everything the reader relies on. */
export interface SealedVersion {
  caseId: string;
  sequence: number;
  kind: 'opinion' | 'addendum';
  content: OpinionContent | AddendumContent;
  /** For an addendum answering a follow-up question, the question as asked. */
  followUpQuestion: string | null;
  signedByUserId: string;
  signerName: string;
  signerCredentials: string;
  signedAt: string;
  /** The seal of the version this one follows (null for the opinion itself), chaining them. */
  previousSeal: string | null;
}

/** The exact bytes the SHA-256 seal is computed over (canonical JSON, RFC 8785 style). */
export function opinionSealInput(version: SealedVersion): string {
  return canonicalJson({ format: 'consilium-opinion/1', ...version });
}

/**
 * Verification codes printed on the report: 12 characters of Crockford base32 (no I, L, O, U),
 * shown in groups of four. Input is forgiving: case, spaces, hyphens and look-alikes are ignored.
 */
const crockford = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export function verificationCodeFromBytes(bytes: Uint8Array): string {
  if (bytes.length < 8) throw new Error('need at least 8 random bytes');
  let bits = 0n;
  for (const byte of bytes.slice(0, 8)) bits = (bits << 8n) | BigInt(byte);
  let code = '';
  for (let i = 0; i < 12; i += 1) {
    code += crockford.charAt(Number(bits & 31n));
    bits >>= 5n;
  }
  return code;
}

export function formatVerificationCode(code: string): string {
  return code.match(/.{1,4}/g)?.join('-') ?? code;
}

/** The canonical form of a typed code, or null when it cannot be one. */
export function normalizeVerificationCode(input: string): string | null {
  const cleaned = input
    .toUpperCase()
    .replace(/[\s-]/g, '')
    .replace(/[IL]/g, '1')
    .replace(/O/g, '0');
  return /^[0-9A-HJKMNP-TV-Z]{12}$/.test(cleaned) ? cleaned : null;
}
