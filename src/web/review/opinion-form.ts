/**
 * The opinion editor's model: the form values (the opinion's own shape, with empty strings where
 * nothing is written yet), how they become the content the server stores, and what is wrong with
 * them — checked with core's `opinionContentSchema`, the very schema the server applies, so the
 * browser and the server agree on every rule (issue 3: "schema in core, validated on both sides").
 *
 * Drafts are saved section by section: a section that is valid as written is saved as written; a
 * section that is not (a treatment option without its risks) keeps its last saved value until it
 * is, so an autosave never throws away finished work nor sends something the server refuses. An
 * item left entirely blank (just added) is not part of the content. A list section is "none
 * considered" only when the specialist says so; an empty list is never the default.
 */
import type { z } from 'zod';
import { canonicalJson } from '../../core/canonical-json.ts';
import { requiredOpinionSections, type OpinionSection } from '../../core/case-lifecycle.ts';
import {
  opinionContentSchema,
  opinionSectionKeys,
  presentOpinionSections,
  type ConfidenceLevel,
  type DiagnosisOutcome,
  type OpinionContent,
  type RelativeCost,
} from '../../core/opinion.ts';

/** The editor's sections in reading order: the required ones, then the optional references. */
export const editorSections = [...requiredOpinionSections, 'references'] as const;
export type EditorSection = (typeof editorSections)[number];

type ContentKey = keyof OpinionContent;

export const sectionContentKeys: Readonly<Record<EditorSection, ContentKey>> = {
  ...opinionSectionKeys,
  references: 'references',
};

/** List sections where an empty list, chosen explicitly, says "none considered". */
export const noneSections = [
  'alternativeDiagnoses',
  'recommendedTests',
  'followUpWindows',
  'warningSigns',
] as const;
export type NoneSection = (typeof noneSections)[number];

export interface AlternativeDiagnosisValues {
  key: string;
  diagnosis: string;
  code: string;
  reasoning: string;
}
export interface RecommendedTestValues {
  key: string;
  test: string;
  reason: string;
}
export interface TreatmentOptionValues {
  key: string;
  name: string;
  expectedBenefit: string;
  sideEffectsAndRisks: string;
  recoveryTime: string;
  relativeCost: RelativeCost | '';
  fitWithGoals: string;
}
export interface FollowUpWindowValues {
  key: string;
  what: string;
  when: string;
}
export interface WarningSignValues {
  key: string;
  sign: string;
  action: string;
}
export interface ReferenceValues {
  key: string;
  citation: string;
  url: string;
}
export interface QuestionAnswerValues {
  questionId: string;
  answer: string;
}

export interface OpinionFormValues {
  diagnosisAssessment: {
    outcome: DiagnosisOutcome | '';
    diagnosis: { code: string; text: string };
    confidence: ConfidenceLevel | '';
    rationale: string;
  };
  alternativeDiagnoses: AlternativeDiagnosisValues[];
  recommendedTests: RecommendedTestValues[];
  treatmentOptions: TreatmentOptionValues[];
  recommendation: { text: string; changesProposedTreatment: boolean | null };
  riskOfWaiting: { riskOfWaiting: string; riskOfActingNow: string; advisedTiming: string };
  followUpWindows: FollowUpWindowValues[];
  warningSigns: WarningSignValues[];
  /** One per question of the case, in the patient's order. */
  questionAnswers: QuestionAnswerValues[];
  plainLanguageSummary: string;
  references: ReferenceValues[];
  noneConsidered: Record<NoneSection, boolean>;
}

let keyCounter = 0;
/** A key for a list item (React needs one; it never leaves the browser). */
export function newItemKey(): string {
  keyCounter += 1;
  return `item-${keyCounter}`;
}

export const emptyItems = {
  alternativeDiagnoses: (): AlternativeDiagnosisValues => ({
    key: newItemKey(),
    diagnosis: '',
    code: '',
    reasoning: '',
  }),
  recommendedTests: (): RecommendedTestValues => ({ key: newItemKey(), test: '', reason: '' }),
  treatmentOptions: (): TreatmentOptionValues => ({
    key: newItemKey(),
    name: '',
    expectedBenefit: '',
    sideEffectsAndRisks: '',
    recoveryTime: '',
    relativeCost: '',
    fitWithGoals: '',
  }),
  followUpWindows: (): FollowUpWindowValues => ({ key: newItemKey(), what: '', when: '' }),
  warningSigns: (): WarningSignValues => ({ key: newItemKey(), sign: '', action: '' }),
  references: (): ReferenceValues => ({ key: newItemKey(), citation: '', url: '' }),
};

/** The form values for a saved draft and the case's questions. */
export function formValuesOf(
  content: OpinionContent,
  questions: readonly { id: string }[],
): OpinionFormValues {
  const assessment = content.diagnosisAssessment;
  const answers = new Map((content.questionAnswers ?? []).map((a) => [a.questionId, a.answer]));
  return {
    diagnosisAssessment: {
      outcome: assessment?.outcome ?? '',
      diagnosis: {
        code: assessment?.diagnosis.code ?? '',
        text: assessment?.diagnosis.text ?? '',
      },
      confidence: assessment?.confidence ?? '',
      rationale: assessment?.rationale ?? '',
    },
    alternativeDiagnoses: (content.alternativeDiagnoses ?? []).map((item) => ({
      key: newItemKey(),
      diagnosis: item.diagnosis,
      code: item.code ?? '',
      reasoning: item.reasoning,
    })),
    recommendedTests: (content.recommendedTests ?? []).map((item) => ({
      key: newItemKey(),
      ...item,
    })),
    treatmentOptions: (content.treatmentOptions ?? []).map((item) => ({
      key: newItemKey(),
      ...item,
    })),
    recommendation: {
      text: content.recommendation?.text ?? '',
      changesProposedTreatment: content.recommendation?.changesProposedTreatment ?? null,
    },
    riskOfWaiting: {
      riskOfWaiting: content.riskOfWaiting?.riskOfWaiting ?? '',
      riskOfActingNow: content.riskOfWaiting?.riskOfActingNow ?? '',
      advisedTiming: content.riskOfWaiting?.advisedTiming ?? '',
    },
    followUpWindows: (content.followUpWindows ?? []).map((item) => ({
      key: newItemKey(),
      ...item,
    })),
    warningSigns: (content.warningSigns ?? []).map((item) => ({ key: newItemKey(), ...item })),
    questionAnswers: questions.map((question) => ({
      questionId: question.id,
      answer: answers.get(question.id) ?? '',
    })),
    plainLanguageSummary: content.plainLanguageSummary ?? '',
    references: (content.references ?? []).map((item) => ({
      key: newItemKey(),
      citation: item.citation,
      url: item.url ?? '',
    })),
    noneConsidered: {
      alternativeDiagnoses: content.alternativeDiagnoses?.length === 0,
      recommendedTests: content.recommendedTests?.length === 0,
      followUpWindows: content.followUpWindows?.length === 0,
      warningSigns: content.warningSigns?.length === 0,
    },
  };
}

/** The DOM id of the input for a form path, so a problem can be focused by its path. */
export function fieldId(path: string): string {
  return `opinion-${path.replace(/\./g, '-')}`;
}

/** What is wrong with one field, for the editor to say in the person's language. */
export type ProblemKind = 'required' | 'choose' | 'tooLong' | 'code' | 'url' | 'invalid';

export interface FieldProblem {
  /** The form path, e.g. `treatmentOptions.2.recoveryTime`. */
  path: string;
  section: EditorSection;
  kind: ProblemKind;
  max?: number;
}

export interface BuiltDraft {
  /** What a save sends: each section valid as written, or as last saved when it is not. */
  content: OpinionContent;
  /** Sections written in a way that cannot be saved yet (their last saved value is kept). */
  incomplete: EditorSection[];
  problems: FieldProblem[];
}

function blank(value: string): boolean {
  return value.trim() === '';
}

/** The item as the schema sees it: the React key never leaves the browser. */
function withoutKey<T extends { key: string }>(item: T): Omit<T, 'key'> {
  const rest: Partial<T> = { ...item };
  delete rest.key;
  return rest as Omit<T, 'key'>;
}

function isBlankItem(item: object): boolean {
  return Object.entries(item).every(
    ([name, value]) => name === 'key' || typeof value !== 'string' || blank(value),
  );
}

/** Optional text: left out when empty, so the schema does not judge an empty string. */
function optionalText(value: string): string | undefined {
  return blank(value) ? undefined : value;
}

/**
 * A list section as the schema should see it, with the form index of each item it keeps (blank
 * items are left out, so content index and form index differ).
 */
function listOf<T extends { key: string }, R>(
  items: readonly T[],
  convert: (item: Omit<T, 'key'>) => R,
): { raw: R[]; formIndex: number[] } {
  const raw: R[] = [];
  const formIndex: number[] = [];
  items.forEach((item, index) => {
    if (isBlankItem(item)) return;
    raw.push(convert(withoutKey(item)));
    formIndex.push(index);
  });
  return { raw, formIndex };
}

interface RawSection {
  /** Undefined: nothing written, the section is absent. */
  raw: unknown;
  /** Content index → form index, for list sections. */
  formIndex?: number[];
}

function rawSectionOf(values: OpinionFormValues, key: ContentKey): RawSection {
  switch (key) {
    case 'diagnosisAssessment': {
      const value = values.diagnosisAssessment;
      const empty =
        value.outcome === '' &&
        value.confidence === '' &&
        blank(value.diagnosis.code) &&
        blank(value.diagnosis.text) &&
        blank(value.rationale);
      return {
        raw: empty
          ? undefined
          : {
              outcome: value.outcome,
              diagnosis: { code: value.diagnosis.code.toUpperCase(), text: value.diagnosis.text },
              confidence: value.confidence,
              rationale: value.rationale,
            },
      };
    }
    case 'alternativeDiagnoses':
    case 'recommendedTests':
    case 'followUpWindows':
    case 'warningSigns': {
      if (values.noneConsidered[key]) return { raw: [] };
      const { raw, formIndex } =
        key === 'alternativeDiagnoses'
          ? listOf(values.alternativeDiagnoses, (item) => ({
              diagnosis: item.diagnosis,
              code: optionalText(item.code)?.toUpperCase(),
              reasoning: item.reasoning,
            }))
          : listOf<{ key: string }, unknown>(values[key], (item) => item);
      return { raw: raw.length === 0 ? undefined : raw, formIndex };
    }
    case 'treatmentOptions': {
      const { raw, formIndex } = listOf(values.treatmentOptions, (item) => item);
      return { raw: raw.length === 0 ? undefined : raw, formIndex };
    }
    case 'references': {
      const { raw, formIndex } = listOf(values.references, (item) => ({
        citation: item.citation,
        url: optionalText(item.url),
      }));
      return { raw: raw.length === 0 ? undefined : raw, formIndex };
    }
    case 'recommendation': {
      const value = values.recommendation;
      return {
        raw:
          blank(value.text) && value.changesProposedTreatment === null
            ? undefined
            : { text: value.text, changesProposedTreatment: value.changesProposedTreatment },
      };
    }
    case 'riskOfWaiting': {
      const value = values.riskOfWaiting;
      const empty =
        blank(value.riskOfWaiting) && blank(value.riskOfActingNow) && blank(value.advisedTiming);
      return { raw: empty ? undefined : { ...value } };
    }
    case 'questionAnswers': {
      const raw: { questionId: string; answer: string }[] = [];
      const formIndex: number[] = [];
      values.questionAnswers.forEach((answer, index) => {
        if (blank(answer.answer)) return;
        raw.push({ questionId: answer.questionId, answer: answer.answer });
        formIndex.push(index);
      });
      return { raw: raw.length === 0 ? undefined : raw, formIndex };
    }
    case 'plainLanguageSummary':
      return { raw: optionalText(values.plainLanguageSummary) };
  }
}

function problemKindOf(issue: z.core.$ZodIssue): { kind: ProblemKind; max?: number } {
  switch (issue.code) {
    case 'too_small':
      return { kind: 'required' };
    case 'too_big':
      return { kind: 'tooLong', max: Number(issue.maximum) };
    case 'invalid_value':
    case 'invalid_type':
      return { kind: 'choose' };
    case 'invalid_format':
      return {
        kind: issue.format === 'regex' ? 'code' : issue.format === 'url' ? 'url' : 'invalid',
      };
    case 'custom':
    case 'invalid_element':
    case 'invalid_key':
    case 'invalid_union':
    case 'not_multiple_of':
    case 'unrecognized_keys':
      return { kind: 'invalid' };
  }
}

/** The form path of an issue in a section, given where the section's items sit in the form. */
export function formPathOf(
  key: ContentKey,
  issuePath: readonly PropertyKey[],
  formIndex: readonly number[] | undefined,
): string {
  const [first, ...rest] = issuePath;
  if (first === undefined) return key;
  const index =
    typeof first === 'number' && formIndex !== undefined ? (formIndex[first] ?? first) : first;
  // An answer's form field is the answer text; its question id is never typed by anyone.
  const tail = key === 'questionAnswers' ? ['answer'] : rest.map(String);
  return [key, String(index), ...tail].join('.');
}

/** The editor section holding a content key. */
export function sectionOfKey(key: ContentKey): EditorSection {
  const found = editorSections.find((section) => sectionContentKeys[section] === key);
  if (found === undefined) throw new Error(`no editor section for ${key}`);
  return found;
}

/** The draft as it would be saved now, and what stops some of it from being saved. */
export function buildDraft(values: OpinionFormValues, saved: OpinionContent): BuiltDraft {
  const assembled: Record<string, unknown> = {};
  const incomplete: EditorSection[] = [];
  const problems: FieldProblem[] = [];
  for (const section of editorSections) {
    const key = sectionContentKeys[section];
    const { raw, formIndex } = rawSectionOf(values, key);
    if (raw === undefined) continue;
    const parsed = opinionContentSchema.shape[key].safeParse(raw);
    if (parsed.success) {
      assembled[key] = parsed.data;
      continue;
    }
    incomplete.push(section);
    for (const issue of parsed.error.issues)
      problems.push({
        path: formPathOf(key, issue.path, formIndex),
        section,
        ...problemKindOf(issue),
      });
    if (saved[key] !== undefined) assembled[key] = saved[key];
  }
  // Every section passed its own schema (or was saved before), so the whole passes too; parsing
  // again gives the content its type and the schema's key order.
  const whole = opinionContentSchema.safeParse(assembled);
  return { content: whole.success ? whole.data : saved, incomplete, problems };
}

/** Whether two contents say the same thing (key order and absent members aside). */
export function sameContent(a: OpinionContent, b: OpinionContent): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

export type SectionStatus = 'complete' | 'incomplete' | 'missing' | 'optional';

/**
 * Each section's state for its completeness marker: complete when core counts it present (the
 * server's `sectionsMissing` is the same rule over the saved draft), incomplete when what is
 * written cannot be saved yet.
 */
export function sectionStatuses(
  built: BuiltDraft,
  questionIds: readonly string[],
): Record<EditorSection, SectionStatus> {
  const present = new Set<OpinionSection>(presentOpinionSections(built.content, questionIds));
  const statuses = {} as Record<EditorSection, SectionStatus>;
  for (const section of editorSections) {
    if (built.incomplete.includes(section)) statuses[section] = 'incomplete';
    else if (section === 'references')
      statuses[section] = built.content.references === undefined ? 'optional' : 'complete';
    else statuses[section] = present.has(section) ? 'complete' : 'missing';
  }
  return statuses;
}

/** The editor section a server issue path (`body.content.treatmentOptions.0.name`) belongs to. */
export function contentPathOf(serverPath: string): { key: ContentKey; rest: string[] } | null {
  const parts = serverPath
    .replace(/^\/?body[./]content[./]?/, '')
    .replace(/^\/?content[./]?/, '')
    .split(/[./]/)
    .filter((part) => part !== '');
  const [first, ...rest] = parts;
  if (first === undefined || !(first in opinionContentSchema.shape)) return null;
  return { key: first as ContentKey, rest };
}

/**
 * The form path of a server issue about the content sent from `values` (content indices are
 * mapped back to the form, as `buildDraft` leaves blank items out).
 */
export function formPathOfServerIssue(
  serverPath: string,
  values: OpinionFormValues,
): string | null {
  const located = contentPathOf(serverPath);
  if (located === null) return null;
  const { formIndex } = rawSectionOf(values, located.key);
  const path = located.rest.map((part) => (/^\d+$/.test(part) ? Number(part) : part));
  return formPathOf(located.key, path, formIndex);
}
