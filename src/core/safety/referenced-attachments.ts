/**
 * Referenced attachments that are missing (PRODUCT.md capability 3, "missing attachments"): a
 * letter or report says it comes with images, a pathology report or lab results — "see attached
 * CT images", "pathology report to follow", "biopsy showed …" — and the case holds no such record.
 *
 * The patterns are deliberately conservative, because a false alarm costs the patient a search
 * for a record that does not exist:
 * - a reference must say the record is attached, enclosed, included or to follow, or (for
 *   pathology) state a result ("biopsy showed", "histology confirmed", "biopsy was positive");
 * - a sentence that negates it ("no images attached", "images are not enclosed") or makes it
 *   hypothetical or future ("if the biopsy shows", "biopsy is planned") is not a reference;
 * - the record counts as present when the case has a ready document of that kind, or an imported
 *   report (or, for labs, a laboratory observation) standing for one.
 * One `warning` per document and kind of record referenced.
 */
import type { DocumentKind, RecordDocument } from '../records/record-types.ts';
import { fingerprintOf, type Finding } from './finding.ts';
import type { SafetyNetInput } from './safety-input.ts';
import { foldText } from './text-folding.ts';

/** The kinds of record a document can refer to. */
export const referencedRecordKinds = [
  'imaging_images',
  'imaging_report',
  'pathology_report',
  'lab_results',
] as const;

export type ReferencedRecordKind = (typeof referencedRecordKinds)[number];

const presentAs: Record<ReferencedRecordKind, DocumentKind> = {
  imaging_images: 'imaging_study',
  imaging_report: 'imaging_report',
  pathology_report: 'pathology_report',
  lab_results: 'lab_results',
};

/** How the patient message names each kind: the noun, its pronoun, and a plain explanation. */
const patientWords: Record<
  ReferencedRecordKind,
  { noun: string; pronoun: string; explain: string }
> = {
  imaging_images: { noun: 'scan images', pronoun: 'them', explain: '' },
  imaging_report: { noun: 'a scan report', pronoun: 'it', explain: '' },
  pathology_report: {
    noun: 'a pathology report',
    pronoun: 'it',
    explain: 'This is the lab report on a tissue sample. ',
  },
  lab_results: { noun: 'blood test results', pronoun: 'them', explain: '' },
};

const attached =
  '(?:(?:is|are|has been|have been|will be)\\s+)?(?:attached|enclosed|included|to follow|will follow|follows|forwarded separately)\\b';
const see =
  '\\b(?:see|please see|please find|find|refer to)\\s+(?:the\\s+)?(?:attached|enclosed|accompanying|included)\\s+';
const imagingWord =
  '(?:ct|mri|mr|pet|pet-ct|pet/ct|x-ray|xray|ultrasound|imaging|scan|dicom|echo|echocardiogram|radiology)';
const imageNoun = '(?:images?|films?|scans?|studies|study|cd|disc|dvd|cd-rom)';
const pathologyWord = '(?:pathology|histology|histopathology|cytology|biopsy)';
const labWord = '(?:lab|labs|laboratory|blood)';

/** Sentence patterns per kind of record referenced (text folded to lower case). */
const patterns: Record<ReferencedRecordKind, RegExp[]> = {
  imaging_images: [
    new RegExp(`${see}(?:${imagingWord}\\s+)*${imageNoun}\\b`),
    new RegExp(`\\b(?:${imagingWord}\\s+)?(?:images?|films?|dicom|cd|disc|dvd)\\s+${attached}`),
    new RegExp(
      `\\b(?:images?|scans?)\\s+(?:are\\s+|is\\s+)?on\\s+(?:the\\s+)?(?:attached|enclosed|accompanying)\\s+(?:cd|disc|dvd)\\b`,
    ),
  ],
  imaging_report: [
    new RegExp(`\\b${imagingWord}\\s+reports?\\s+${attached}`),
    new RegExp(`${see}${imagingWord}\\s+reports?\\b`),
  ],
  pathology_report: [
    new RegExp(`\\b${pathologyWord}\\s+(?:reports?|results?|findings)\\s+${attached}`),
    new RegExp(`${see}${pathologyWord}\\b`),
  ],
  lab_results: [
    new RegExp(`\\b${labWord}(?:\\s+(?:tests?|results?|work|values|panel|report))?\\s+${attached}`),
    new RegExp(`${see}${labWord}\\b`),
  ],
};

const resultNouns = new Set(['biopsy', 'biopsies', 'histology', 'histopathology', 'cytology']);
const resultVerbs = new Set([
  'showed',
  'shows',
  'revealed',
  'reveals',
  'confirmed',
  'confirms',
  'demonstrated',
  'demonstrates',
]);
/** Words that end the noun phrase after "biopsy" without stating a result. */
const phraseBreakers = new Set([
  'is',
  'are',
  'be',
  'been',
  'will',
  'would',
  'may',
  'might',
  'could',
  'should',
  'can',
  'if',
  'not',
  'no',
  'planned',
  'scheduled',
  'recommended',
  'pending',
  'requested',
  'and',
  'but',
  'because',
  'as',
  'to',
  'or',
  'when',
  'unless',
]);
/** Words just before a reference that negate it or make it hypothetical. */
const negationCues = new Set([
  'no',
  'not',
  'without',
  'none',
  'never',
  'if',
  'unless',
  'awaiting',
  'await',
  'planned',
  'plan',
  'should',
  'would',
  'will',
]);

/** Sentences of a text: ends at `.`, `!`, `?`, `;` or a line break (a decimal point does not end one). */
function sentencesOf(text: string): string[] {
  return foldText(text)
    .split(/(?<!\d)[.!?;]+(?!\d)|\n+/)
    .map((sentence) => sentence.replace(/\s+/g, ' ').trim())
    .filter((sentence) => sentence.length > 0);
}

function wordsBefore(sentence: string, index: number, count: number): string[] {
  return sentence
    .slice(0, index)
    .split(/[^a-z0-9]+/)
    .filter((word) => word.length > 0)
    .slice(-count);
}

/** A stated tissue result within ten words: "biopsy [of the left breast] showed", "biopsy was positive". */
function statesTissueResult(sentence: string): boolean {
  const words = sentence.split(/[^a-z0-9]+/).filter((word) => word.length > 0);
  for (let index = 0; index < words.length; index++) {
    if (!resultNouns.has(words[index]!)) continue;
    const before = words.slice(Math.max(0, index - 3), index);
    if (before.some((word) => negationCues.has(word))) continue;
    for (let next = index + 1; next < Math.min(words.length, index + 11); next++) {
      const word = words[next]!;
      if (resultVerbs.has(word)) return true;
      if ((word === 'was' || word === 'were') && words[next + 1] === 'positive') return true;
      if (word === 'was' || word === 'were' || phraseBreakers.has(word)) break;
    }
  }
  return false;
}

/** The first sentence of a text that refers to a record of the given kind, or null. */
export function findReference(text: string, kind: ReferencedRecordKind): string | null {
  for (const sentence of sentencesOf(text)) {
    for (const pattern of patterns[kind]) {
      const match = pattern.exec(sentence);
      if (match === null) continue;
      const before = wordsBefore(sentence, match.index, 3);
      if (!before.some((word) => negationCues.has(word))) return sentence;
    }
    if (kind === 'pathology_report' && statesTissueResult(sentence)) return sentence;
  }
  return null;
}

/**
 * Whether the case holds a record of `kind`: a ready document of its kind, an imported report of
 * its kind, or (for lab results) a laboratory observation.
 */
export function isReferencedRecordPresent(
  input: SafetyNetInput,
  kind: ReferencedRecordKind,
): boolean {
  const documentKind = presentAs[kind];
  if (input.documents.some((doc) => doc.condition === 'ready' && doc.kind === documentKind))
    return true;
  return input.clinical.some(
    (item) =>
      (item.type === 'report' && item.kind === documentKind) ||
      (kind === 'lab_results' && item.type === 'observation' && item.category === 'laboratory'),
  );
}

function excerptOf(sentence: string): string {
  return sentence.length <= 160 ? sentence : `${sentence.slice(0, 157)}...`;
}

function referenceFinding(
  document: RecordDocument,
  kind: ReferencedRecordKind,
  sentence: string,
): Finding {
  const words = patientWords[kind];
  return {
    rule: 'referenced_attachment_missing',
    severity: 'warning',
    fingerprint: fingerprintOf('referenced_attachment_missing', [document.id, kind]),
    patientAction: 'upload',
    patientMessage: `One of your records mentions ${words.noun}, but we do not have ${words.pronoun}. The record is "${document.displayName}". ${words.explain}Please upload ${words.pronoun}, or tell us if you cannot get ${words.pronoun}.`,
    staffMessage: `Document ${document.displayName} refers to ${kind.replace('_', ' ')} ("${excerptOf(sentence)}") and the case holds no ${presentAs[kind]} document or imported report.`,
    evidence: {
      sources: [{ type: 'document', documentId: document.id, displayName: document.displayName }],
      values: { referenced: kind, excerpt: excerptOf(sentence) },
    },
  };
}

/** Documents that refer to images, pathology, scan reports or labs the case does not hold. */
export function checkReferencedAttachments(input: SafetyNetInput): Finding[] {
  const missing = referencedRecordKinds.filter((kind) => !isReferencedRecordPresent(input, kind));
  if (missing.length === 0) return [];
  const findings: Finding[] = [];
  for (const document of input.documents) {
    if (document.condition !== 'ready' || document.text === null) continue;
    for (const kind of missing) {
      const sentence = findReference(document.text, kind);
      if (sentence !== null) findings.push(referenceFinding(document, kind, sentence));
    }
  }
  return findings;
}
