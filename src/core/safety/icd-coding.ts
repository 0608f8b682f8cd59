/**
 * ICD-10-CM coding errors (PRODUCT.md capability 3: "invalid or non-billable ICD-10-CM codes and
 * code/text mismatch"), on the case's own diagnosis code and on every condition imported from the
 * records with an ICD-10-CM coding (system `http://hl7.org/fhir/sid/icd-10-cm` or OID
 * `2.16.840.1.113883.6.90`). Validation is `Icd10CmCodeSet.validate` (src/core/terminology).
 *
 * Rules and severities:
 * - `icd_unknown_code`: not a code of the set (nor a retired one). The case's code is a `blocker`
 *   (the case is routed and checked by it); a record's is a `warning`.
 * - `icd_retired_code`: deleted, or subdivided into a header, before the date it is used for: the
 *   day of the check for the case's code, the date of the source document for a record.
 *   `warning` for the case, `info` for a record (it was coded by someone else, long ago).
 * - `icd_not_billable`: a category or subcategory with children where a reportable leaf is
 *   required (Guidelines I.B.3, code to the highest specificity), with the children as
 *   suggestions. `warning` for the case, `info` for a record.
 * - `icd_description_mismatch`: the wording next to the code (the case's diagnosis text; a
 *   record's coding display, else the condition's display) does not agree with the code's title
 *   (`diagnosis-wording.ts`). `warning`.
 * - `icd_code_not_yet_valid`: a record dated before the code existed. The shipped code files
 *   only say when codes were retired; `terminology/safety/icd10cm-added.tsv` gives the first
 *   fiscal year of the codes added in FY2025–FY2027, and every ICD-10-CM code is taken to exist
 *   from the U.S. effective date, 1 October 2015 (FY2016). Counted from the source document's
 *   date of service (when the record was written), never from an onset date, which may precede
 *   the coding by years. `warning`.
 */
import { codeSystemIs, fhirSystemOids, fhirSystems } from '../fhir/code-systems.ts';
import type { ConditionItem, IsoDate, RecordCoding } from '../records/record-types.ts';
import {
  fiscalYearOf,
  formatCode,
  isIcd10CmCodeShape,
  normalizeCode,
  type Icd10CmCodeSet,
  type Icd10CmEntry,
} from '../terminology/icd10cm.ts';
import { compareDiagnosisWording } from './diagnosis-wording.ts';
import {
  fingerprintOf,
  type EvidenceSource,
  type Finding,
  type FindingRule,
  type FindingSeverity,
} from './finding.ts';
import { documentDate } from './record-dates.ts';
import type { SafetyNetInput } from './safety-input.ts';

/** What the ICD rules need of a code set: the shipped `Icd10CmCodeSet` or any other with its API. */
export type Icd10CmIndex = Pick<Icd10CmCodeSet, 'lookup' | 'validate'>;

/** First fiscal year of codes added after the base edition (normalized code → fiscal year). */
export type Icd10CmAdditions = ReadonlyMap<string, number>;

/** ICD-10-CM took effect in the United States on 1 October 2015, the first day of FY2016. */
export const icd10CmFirstFiscalYear = 2016;

/** Whether a coding's system is ICD-10-CM (FHIR URI or HL7 OID). */
export function isIcd10CmSystem(system: string): boolean {
  return codeSystemIs(system, fhirSystems.icd10Cm, fhirSystemOids.icd10Cm);
}

/** Parses `icd10cm-added.tsv` (`code`, `added_fy`, one header row). */
export function parseIcd10CmAdditions(tsv: string): Icd10CmAdditions {
  const additions = new Map<string, number>();
  for (const line of tsv.split('\n').slice(1)) {
    const [code = '', year = ''] = line.replace(/\r$/, '').split('\t');
    if (code === '' || !/^\d{4}$/.test(year)) continue;
    additions.set(normalizeCode(code), Number(year));
  }
  return additions;
}

/** The first fiscal year in which a code was valid, as far as the data knows. */
export function firstValidFiscalYear(code: string, additions: Icd10CmAdditions): number {
  return additions.get(normalizeCode(code)) ?? icd10CmFirstFiscalYear;
}

interface CodeUse {
  code: string;
  /** The wording next to the code, if any. */
  wording: string | null;
  /** The date the code was written down, for retired and not-yet-valid checks. */
  recordDate: IsoDate | null;
  subject: 'case' | 'record';
  /** Parts naming the use in fingerprints. */
  key: string[];
  sources: EvidenceSource[];
  field: string;
}

function finding(
  rule: FindingRule,
  severity: FindingSeverity,
  use: CodeUse,
  patientMessage: string,
  staffMessage: string,
  values: Record<string, string | number | null>,
): Finding {
  return {
    rule,
    severity,
    fingerprint: fingerprintOf(rule, [...use.key, normalizeCode(use.code)]),
    patientAction: use.subject === 'case' ? 'check' : 'none',
    patientMessage,
    staffMessage,
    evidence: { sources: use.sources, values: { code: use.code, ...values } },
  };
}

function whose(use: CodeUse): string {
  return use.subject === 'case'
    ? 'The diagnosis code of your case'
    : 'A diagnosis code in your records';
}

function checkUse(
  use: CodeUse,
  icd: Icd10CmIndex,
  additions: Icd10CmAdditions,
  today: IsoDate,
): Finding[] {
  const isCase = use.subject === 'case';
  const display = isIcd10CmCodeShape(use.code) ? formatCode(use.code) : use.code.trim();
  const dateOfService = use.recordDate ?? (isCase ? today : undefined);
  const verdict = isIcd10CmCodeShape(use.code)
    ? icd.validate(use.code, {
        requireBillable: true,
        ...(dateOfService === undefined ? {} : { dateOfService }),
      })
    : ({ valid: false, reason: 'unknown' } as const);

  if (!verdict.valid && verdict.reason === 'unknown') {
    const category = isIcd10CmCodeShape(use.code)
      ? icd.lookup(normalizeCode(use.code).slice(0, 3))
      : undefined;
    return [
      finding(
        'icd_unknown_code',
        isCase ? 'blocker' : 'warning',
        use,
        `${whose(use)}, ${display}, is not a real ICD-10-CM code. ${isCase ? 'Please check the code with your doctor, or leave it empty and our team will find the right one.' : 'Our team will check it. You do not need to do anything.'}`,
        `${use.field}: ${JSON.stringify(use.code)} is not in the ICD-10-CM FY2027 set or its retired codes.${category === undefined ? '' : ` Its category ${category.display} exists (${category.title}); pick a code under it.`}`,
        { category: category?.display ?? null },
      ),
    ];
  }
  const findings: Finding[] = [];
  if (!verdict.valid && verdict.reason === 'retired') {
    const retired = verdict.retired;
    const suggestions = (verdict.suggestions ?? []).slice(0, 8);
    findings.push(
      finding(
        'icd_retired_code',
        isCase ? 'warning' : 'info',
        use,
        isCase
          ? `The diagnosis code of your case, ${display}, is no longer used. Our team will replace it with the current code. You do not need to do anything.`
          : `A diagnosis code in your records, ${display}, was out of date when it was written. Our team will check it. You do not need to do anything.`,
        `${use.field}: ${display} is ${retired?.status === 'became_header' ? 'a header since' : 'deleted since'} FY${retired?.invalidFromFiscalYear ?? '?'} (last valid FY${retired?.lastValidFiscalYear ?? 'never'}); used for ${dateOfService ?? 'an undated record'}.${suggestions.length > 0 ? ` Codes under it: ${suggestions.join(', ')}.` : ''}`,
        {
          invalidFromFiscalYear: retired?.invalidFromFiscalYear ?? null,
          suggestions: suggestions.join(', '),
        },
      ),
    );
  }
  if (!verdict.valid && verdict.reason === 'not_billable') {
    const suggestions = (verdict.suggestions ?? []).slice(0, 8);
    findings.push(
      finding(
        'icd_not_billable',
        isCase ? 'warning' : 'info',
        use,
        isCase
          ? `The diagnosis code of your case, ${display}, is a general group. Our team will choose the exact code. You do not need to do anything.`
          : `A diagnosis code in your records, ${display}, is a general group, not an exact code. You do not need to do anything.`,
        `${use.field}: ${display} is a non-billable header (ICD-10-CM Guidelines I.B.3: code to the highest specificity). Billable codes under it: ${suggestions.join(', ')}${(verdict.suggestions?.length ?? 0) > suggestions.length ? ', …' : ''}.`,
        { suggestions: suggestions.join(', ') },
      ),
    );
  }

  const entry = icd.lookup(use.code);
  if (entry !== undefined && use.wording !== null && use.wording.trim() !== '') {
    const mismatch = wordingMismatch(use, entry, display);
    if (mismatch !== null) findings.push(mismatch);
  }
  if (entry !== undefined && !isCase && use.recordDate !== null) {
    const firstYear = firstValidFiscalYear(entry.code, additions);
    const usedIn = fiscalYearOf(use.recordDate);
    if (usedIn < firstYear)
      findings.push(
        finding(
          'icd_code_not_yet_valid',
          'warning',
          use,
          `A diagnosis code in your records, ${display}, did not exist yet on the date of that record. Our team will check it. You do not need to do anything.`,
          `${use.field}: ${display} is valid from FY${firstYear} (from ${firstYear - 1}-10-01); the record is dated ${use.recordDate} (FY${usedIn}). The code was probably added later by a converting system, or the record date is wrong.`,
          { firstValidFiscalYear: firstYear, recordDate: use.recordDate },
        ),
      );
  }
  return findings;
}

function wordingMismatch(use: CodeUse, entry: Icd10CmEntry, display: string): Finding | null {
  const wording = use.wording!.trim();
  const context = [entry.category.title, ...(entry.block === null ? [] : [entry.block.title])];
  const comparison = compareDiagnosisWording(wording, entry.title, context);
  if (comparison.agrees) return null;
  return finding(
    'icd_description_mismatch',
    'warning',
    use,
    use.subject === 'case'
      ? `The diagnosis code ${display} stands for "${entry.title}". You wrote "${wording}". These do not seem to match. Please check the code and the text, or tell us if both are right.`
      : `A diagnosis code in your records, ${display}, does not seem to match the words next to it. Our team will check it. You do not need to do anything.`,
    `${use.field}: ${display} "${entry.title}" vs ${JSON.stringify(wording)}: ${comparison.conflict === null ? `no agreement (unmatched: ${comparison.unmatched.join(', ')})` : `conflict, ${comparison.conflict}`}.`,
    { title: entry.title, wording, conflict: comparison.conflict },
  );
}

function conditionUses(input: SafetyNetInput): CodeUse[] {
  const documents = new Map(input.documents.map((document) => [document.id, document]));
  const uses: CodeUse[] = [];
  const conditions = input.clinical.filter(
    (item): item is ConditionItem => item.type === 'condition',
  );
  for (const condition of conditions) {
    const source = documents.get(condition.sourceDocumentId);
    const recordDate = source === undefined ? null : documentDate(source);
    const codings = condition.codes.filter((coding: RecordCoding) =>
      isIcd10CmSystem(coding.system),
    );
    for (const coding of codings) {
      const wording =
        coding.display !== undefined && coding.display.trim() !== ''
          ? coding.display
          : condition.display;
      uses.push({
        code: coding.code,
        wording,
        recordDate,
        subject: 'record',
        key: ['item', condition.id],
        field: `condition ${JSON.stringify(condition.display)}`,
        sources: [
          {
            type: 'clinical_item',
            itemId: condition.id,
            sourceDocumentId: condition.sourceDocumentId,
            display: condition.display,
          },
        ],
      });
    }
  }
  return uses;
}

/** ICD-10-CM coding errors of the case's diagnosis code and of the imported conditions. */
export function checkIcdCoding(
  input: SafetyNetInput,
  icd: Icd10CmIndex,
  additions: Icd10CmAdditions,
): Finding[] {
  const uses: CodeUse[] = [];
  const caseCode = input.case.diagnosisCode?.trim() ?? '';
  if (caseCode !== '')
    uses.push({
      code: caseCode,
      wording: input.case.diagnosisText,
      recordDate: null,
      subject: 'case',
      key: ['case'],
      field: 'Case diagnosis code',
      sources: [
        { type: 'intake', field: 'diagnosisCode' },
        ...(input.case.diagnosisText === null
          ? []
          : [{ type: 'intake', field: 'diagnosisText' } as const]),
      ],
    });
  uses.push(...conditionUses(input));
  return uses.flatMap((use) => checkUse(use, icd, additions, input.today));
}
