/**
 * A finding of the safety net (PRODUCT.md capability 3): one thing about a case's records that a
 * coordinator, the patient or the reviewing specialist should look at before the case is matched.
 * Every rule of `src/core/safety` produces findings of this one shape, so the server stores,
 * shows and resolves them alike.
 *
 * Rules of the shape:
 * - `rule` is a stable code (never renamed: stored resolutions and the web app's texts key on it).
 * - `severity`: `blocker` (the case cannot be marked ready for matching until it is resolved or
 *   overridden), `warning` (a person should look), `info` (worth knowing, nothing to do).
 * - two explanations: `patientMessage` in plain words (short, about grade 8, says what the patient
 *   can do) and `staffMessage` in clinical words with the values compared.
 * - `evidence` names where the finding comes from (documents, imported clinical items, intake
 *   fields, checklist items) and the values that were compared.
 * - `fingerprint` identifies the finding across runs: built only from what the finding is about
 *   (rule and subject), never from wording, severity or the run's date, so a finding raised again
 *   on the next run is the same finding and keeps its resolution (see `resolution.ts`).
 */

/** How much a finding matters, most serious first. */
export const findingSeverities = ['blocker', 'warning', 'info'] as const;

export type FindingSeverity = (typeof findingSeverities)[number];

/** The stable rule codes, grouped by the check that raises them. */
export const findingRules = [
  // checklists.ts
  'missing_document',
  'stale_document',
  'missing_fact',
  // history-gap.ts
  'history_gap',
  // referenced-attachments.ts
  'referenced_attachment_missing',
  // patient-identity.ts
  'wrong_patient',
  // document-condition.ts
  'unreadable_document',
  'duplicate_document',
  // icd-coding.ts
  'icd_unknown_code',
  'icd_retired_code',
  'icd_not_billable',
  'icd_description_mismatch',
  'icd_code_not_yet_valid',
  // drug-interactions.ts, allergy-conflicts.ts, duplicate-therapy.ts, medication-completeness.ts
  'drug_interaction',
  'allergy_conflict',
  'duplicate_therapy',
  'medication_incomplete',
] as const;

export type FindingRule = (typeof findingRules)[number];

/** What the patient can do about a finding, for the web app's call to action. */
export const patientActions = ['upload', 'reupload', 'answer', 'check', 'none'] as const;

export type PatientAction = (typeof patientActions)[number];

/** One place a finding points at. */
export type EvidenceSource =
  | { type: 'document'; documentId: string; displayName: string; foundIn?: string }
  | { type: 'clinical_item'; itemId: string; sourceDocumentId: string; display: string }
  | { type: 'intake'; field: string; entry?: string }
  | { type: 'checklist'; checklist: string; itemId: string };

export interface FindingEvidence {
  sources: EvidenceSource[];
  /** The values compared, by name (e.g. `expectedBirthDate`, `foundBirthDate`). */
  values: Record<string, string | number | null>;
}

export interface Finding {
  rule: FindingRule;
  severity: FindingSeverity;
  fingerprint: string;
  patientAction: PatientAction;
  patientMessage: string;
  staffMessage: string;
  evidence: FindingEvidence;
}

const severityRank: Record<FindingSeverity, number> = { blocker: 0, warning: 1, info: 2 };

/** Orders severities most serious first. */
export function compareSeverity(left: FindingSeverity, right: FindingSeverity): number {
  return severityRank[left] - severityRank[right];
}

/** The more serious of two severities. */
export function maxSeverity(left: FindingSeverity, right: FindingSeverity): FindingSeverity {
  return compareSeverity(left, right) <= 0 ? left : right;
}

function compareText(left: string, right: string): number {
  return left < right ? -1 : left > right ? 1 : 0;
}

/** The engine's order: severity (blocker first), then rule code, then fingerprint. */
export function compareFindings(left: Finding, right: Finding): number {
  return (
    compareSeverity(left.severity, right.severity) ||
    compareText(left.rule, right.rule) ||
    compareText(left.fingerprint, right.fingerprint)
  );
}

/**
 * The fingerprint of a finding: the rule and the parts naming its subject, each escaped so that
 * no choice of parts can collide with another (`%` and `|` are percent-encoded). Parts that form
 * an unordered set (two drugs of an interaction) must be sorted by the caller.
 */
export function fingerprintOf(rule: FindingRule, parts: readonly string[]): string {
  const escaped = parts.map((part) => part.replaceAll('%', '%25').replaceAll('|', '%7C'));
  return [rule, ...escaped].join('|');
}

function sourceKey(source: EvidenceSource): string {
  switch (source.type) {
    case 'document':
      return `0|${source.documentId}|${source.foundIn ?? ''}`;
    case 'clinical_item':
      return `1|${source.itemId}`;
    case 'intake':
      return `2|${source.field}|${source.entry ?? ''}`;
    case 'checklist':
      return `3|${source.checklist}|${source.itemId}`;
  }
}

/** Evidence sources without repeats, in a fixed order (documents, items, intake, checklist). */
export function orderSources(sources: readonly EvidenceSource[]): EvidenceSource[] {
  const byKey = new Map<string, EvidenceSource>();
  for (const source of sources)
    if (!byKey.has(sourceKey(source))) byKey.set(sourceKey(source), source);
  return [...byKey.entries()]
    .sort(([left], [right]) => compareText(left, right))
    .map(([, source]) => source);
}
