/**
 * What the text of a record says about itself: whose it is (patient name and date of birth), when
 * the care it describes took place (the date of service), where it comes from (the facility) and
 * what kind of document it is. Used for PDF text and plain-text files, which carry no codes; the
 * structured formats (FHIR, C-CDA, DICOM) state these facts in fields instead. Pure heuristics on a
 * string; each result is a hint a person confirms, never a fact the system acts on alone.
 *
 * Rules:
 * - facts come from labelled fields (`Patient Name: …`, `DOB: …`, `Date of Service: …`,
 *   `Facility: …`), looked for in the first 200,000 characters; a value runs to the end of its
 *   line or to the next known label on that line.
 * - dates are read in the forms records use: `1960-02-01`, `01/02/1960` (month first, as US records
 *   write it, unless the first number is over 12; dots mean day first: `01.02.1960`), two-digit
 *   years (`3/26/09`: 00–29 are 2000s, 30–99 1900s), and month names (`February 1, 1960`,
 *   `1 Feb 1960`, `01-Feb-1960`). Impossible dates (February 30) are not dates.
 * - the date of service is the first date under the most specific label found, in this order:
 *   service, procedure, examination/study, specimen collection, visit, discharge, admission,
 *   report/signature, and last a bare `Date:`.
 * - the source is a labelled facility, else a letterhead line among the first ten lines that names
 *   an institution (hospital, clinic, laboratory …) and is not itself the document's title.
 * - the kind comes from a title among the first fifteen lines (`Discharge Summary`, `Surgical
 *   Pathology Report` …), else from the weight of the phrases the text uses (`hospital course`,
 *   `reference range`, `Dear Dr` …); `other` when nothing is clear.
 */
import { isIsoDate } from '../iso-dates.ts';
import type { DocumentKind, IsoDate, RecordPatientIdentity } from './record-types.ts';

/** The most characters of text kept from one document (PDF text, plain text, narratives). */
export const recordTextMaxCharacters = 2_000_000;

/** How much of a text the label heuristics read: labelled fields sit at the top of a record. */
const textFactsScanLimit = 200_000;

export interface TextFacts {
  kind: DocumentKind;
  dateOfService: IsoDate | null;
  source: string | null;
  patientIdentities: RecordPatientIdentity[];
}

const monthNumbers: Readonly<Record<string, number>> = {
  jan: 1,
  feb: 2,
  mar: 3,
  apr: 4,
  may: 5,
  jun: 6,
  jul: 7,
  aug: 8,
  sep: 9,
  oct: 10,
  nov: 11,
  dec: 12,
};

const monthPattern =
  '(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\\.?';
const ordinal = '(?:st|nd|rd|th)?';

const datePatterns: { pattern: RegExp; read: (match: RegExpExecArray) => IsoDate | null }[] = [
  {
    pattern: /(?<!\d)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)/,
    read: (m) => isoDate(Number(m[1]), Number(m[2]), Number(m[3])),
  },
  {
    pattern: /(?<![\d/.-])(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})(?![\d/])/,
    read: (m) => {
      const first = Number(m[1]);
      const second = Number(m[3]);
      const year = fullYear(m[4]!);
      const dayFirst = m[2] === '.' || first > 12;
      return dayFirst ? isoDate(year, second, first) : isoDate(year, first, second);
    },
  },
  {
    pattern: new RegExp(`\\b${monthPattern}\\s+(\\d{1,2})${ordinal},?\\s+(\\d{4})\\b`, 'i'),
    read: (m) => isoDate(Number(m[3]), monthNumber(m[1]!), Number(m[2])),
  },
  {
    pattern: new RegExp(
      `\\b(\\d{1,2})${ordinal}(?:\\s+of)?[\\s-]+${monthPattern}[\\s,-]+(\\d{4})\\b`,
      'i',
    ),
    read: (m) => isoDate(Number(m[3]), monthNumber(m[2]!), Number(m[1])),
  },
];

function monthNumber(name: string): number {
  return monthNumbers[name.slice(0, 3).toLowerCase()] ?? 0;
}

function fullYear(digits: string): number {
  const year = Number(digits);
  if (digits.length === 4) return year;
  return year < 30 ? 2000 + year : 1900 + year;
}

function isoDate(year: number, month: number, day: number): IsoDate | null {
  if (year < 1850 || year > 2200) return null;
  const date = `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
  return isIsoDate(date) ? date : null;
}

/**
 * The first date written in `value`, as `YYYY-MM-DD`, or null. See the module comment for the
 * forms read and how `01/02/1960` is taken.
 */
export function parseRecordDate(value: string): IsoDate | null {
  let best: { index: number; date: IsoDate } | null = null;
  for (const { pattern, read } of datePatterns) {
    const match = pattern.exec(value);
    if (match === null) continue;
    const date = read(match);
    if (date !== null && (best === null || match.index < best.index))
      best = { index: match.index, date };
  }
  return best?.date ?? null;
}

interface Label {
  pattern: string;
  /** A generic word (`Name`, `Date`): only a label when no word stands right before it. */
  generic?: boolean;
  /** May stand without a colon when a date follows right after (`DOB 01/02/1960`). */
  colonOptional?: boolean;
}

/** Labels that end the value of the label before them on the same line. */
const boundaryLabels = [
  'patient(?:\\s+(?:full\\s+)?name|\\s+id|\\s+number|\\s+no\\.?)?',
  'name',
  'd\\.?\\s?o\\.?\\s?b\\.?',
  'date\\s+of\\s+birth',
  'birth\\s*date',
  'born',
  'age',
  'sex',
  'gender',
  'mrn',
  'medical\\s+record\\s+(?:number|no\\.?)',
  'hospital\\s+(?:number|no\\.?)',
  'nhs\\s+(?:number|no\\.?)',
  'account(?:\\s+(?:number|no\\.?))?',
  'acct\\.?',
  'ssn',
  'id',
  'address',
  'phone',
  'tel\\.?',
  'room',
  'ward',
  'bed',
  'physician',
  'attending(?:\\s+physician)?',
  'provider',
  'consultant',
  'referring(?:\\s+(?:physician|provider|doctor))?',
  'ordering(?:\\s+(?:physician|provider))?',
  '(?:date\\s+of\\s+)?(?:service|admission|discharge|visit|report|procedure|exam(?:ination)?|study|collection)(?:\\s+date)?',
  'dos',
  'date',
  'time',
  'accession(?:\\s+(?:number|no\\.?))?',
  'specimen',
  'collected',
  'received',
  'reported',
  'facility',
  'location',
  'insurance',
  'member\\s+id',
  'page',
];

const boundary = new RegExp(
  `(?:\\s{3,}|\\t|\\s\\|\\s|(?:^|[\\s,;(])(?:${boundaryLabels.join('|')})\\s*[:#])`,
  'i',
);

interface Line {
  number: number;
  text: string;
}

function linesOf(text: string): Line[] {
  return text
    .slice(0, textFactsScanLimit)
    .split(/\r\n|\r|\n|\f/)
    .map((raw, index) => ({ number: index + 1, text: raw.replace(/\u00a0/g, ' ').trimEnd() }));
}

interface LabelledValue {
  line: number;
  value: string;
}

/** The values written after `label` on each line, each cut at the next known label. */
function labelledValues(lines: Line[], label: Label): LabelledValue[] {
  const before =
    label.generic === true ? '(?<![A-Za-z][ \\t]?)(?<=^|[\\s|;,(])' : '(?<=^|[\\s|;,(])';
  const separator = label.colonOptional === true ? '(?:\\s*[:#]\\s*|\\s+(?=\\d))' : '\\s*[:#]\\s*';
  const pattern = new RegExp(`${before}(?:${label.pattern})${separator}`, 'gi');
  const values: LabelledValue[] = [];
  for (const line of lines) {
    for (const match of line.text.matchAll(pattern)) {
      const rest = line.text.slice(match.index + match[0].length);
      const cut = boundary.exec(rest);
      const value = (cut === null ? rest : rest.slice(0, cut.index)).trim();
      if (value !== '') values.push({ line: line.number, value });
    }
  }
  return values;
}

const nameLabelGroups: Label[][] = [
  [
    { pattern: "patient(?:'s)?\\s+(?:full\\s+)?name" },
    { pattern: 'name\\s+of\\s+(?:the\\s+)?patient' },
    { pattern: 'pt\\.?\\s+name' },
  ],
  [
    { pattern: 'patient', generic: true },
    { pattern: 'pt\\.?', generic: true },
  ],
  [{ pattern: 'name', generic: true }],
];

/** `Re: Jane Doe, DOB 01/02/1960`: a letter's subject line names the patient when it gives a DOB. */
const subjectLabel: Label = { pattern: 're', generic: true };

const birthDateLabels: Label[] = [
  { pattern: 'date\\s+of\\s+birth', colonOptional: true },
  { pattern: 'birth\\s*date', colonOptional: true },
  { pattern: 'd\\.?\\s?o\\.?\\s?b\\.?', colonOptional: true },
  { pattern: 'born', colonOptional: true },
];

const notNames = /^(n\/?a|none|unknown|not\s+(?:given|stated|known)|name|patient|self|same)$/i;

/** A person's name as written, or null when the value cannot be one. */
function cleanName(value: string): string | null {
  const name = value
    .replace(/,?\s+(?:dob|d\.o\.b\.?|born|date of birth|age|sex|gender|mrn)\b.*$/i, '')
    .replace(/[\s,;(]+\d.*$/, '')
    .replace(/[\s,;:]+$/, '')
    .replace(/\s+/g, ' ')
    .trim();
  if (name.length < 2 || name.length > 80) return null;
  if (/\d/.test(name) || notNames.test(name)) return null;
  if ((name.match(/\p{L}/gu) ?? []).length < 2) return null;
  if (name.split(' ').length > 6) return null;
  return name;
}

function sameName(a: string, b: string): boolean {
  const key = (name: string) =>
    name
      .toLowerCase()
      .replace(/[^\p{L}\s]/gu, ' ')
      .split(/\s+/)
      .filter((part) => part !== '')
      .sort()
      .join(' ');
  return key(a) === key(b);
}

function findPatientIdentities(lines: Line[], foundIn: string): RecordPatientIdentity[] {
  const births = birthDateLabels
    .flatMap((label) => labelledValues(lines, label))
    .map((found) => ({ line: found.line, date: parseRecordDate(found.value) }))
    .filter((found): found is { line: number; date: IsoDate } => found.date !== null)
    .sort((a, b) => a.line - b.line);

  let names: LabelledValue[] = [];
  for (const group of nameLabelGroups) {
    names = group
      .flatMap((label) => labelledValues(lines, label))
      .map((found) => ({ line: found.line, value: cleanName(found.value) ?? '' }))
      .filter((found) => found.value !== '');
    if (names.length > 0) break;
  }
  if (names.length === 0) {
    names = labelledValues(lines, subjectLabel)
      .filter((found) => births.some((birth) => birth.line === found.line))
      .map((found) => ({ line: found.line, value: cleanName(found.value) ?? '' }))
      .filter((found) => found.value !== '');
  }
  names.sort((a, b) => a.line - b.line);

  const identities: RecordPatientIdentity[] = [];
  for (const name of names) {
    if (
      identities.some((identity) => identity.name !== null && sameName(identity.name, name.value))
    )
      continue;
    // The date of birth written on the name's line or within the next three lines belongs to it;
    // with a single name, the first one anywhere does.
    const near = births.find((birth) => birth.line >= name.line && birth.line <= name.line + 3);
    const birth = near ?? (names.length === 1 ? births[0] : undefined);
    identities.push({
      name: name.value,
      birthDate: birth?.date ?? null,
      foundIn: `${foundIn}, line ${name.line}`,
    });
    if (identities.length === 5) break;
  }
  const firstBirth = births[0];
  if (identities.length === 0 && firstBirth !== undefined)
    identities.push({
      name: null,
      birthDate: firstBirth.date,
      foundIn: `${foundIn}, line ${firstBirth.line}`,
    });
  return identities;
}

/** Date-of-service labels, most specific first (see the module comment). */
const serviceDateLabelGroups: Label[][] = [
  [
    { pattern: 'date(?:\\(s\\))?\\s+of\\s+service' },
    { pattern: 'service\\s+date' },
    { pattern: 'dos', generic: true },
  ],
  [
    { pattern: 'date\\s+of\\s+(?:procedure|operation|surgery)' },
    { pattern: '(?:procedure|operation|surgery)\\s+date' },
  ],
  [
    { pattern: 'date\\s+of\\s+(?:exam(?:ination)?|study|scan|imaging)' },
    { pattern: '(?:exam(?:ination)?|study|scan|imaging)\\s+date' },
  ],
  [
    { pattern: 'date\\s+(?:of\\s+collection|collected)' },
    { pattern: '(?:collection|specimen|sample)\\s+date' },
    { pattern: '(?:specimen\\s+)?collected(?:\\s+on)?' },
  ],
  [
    { pattern: 'date\\s+of\\s+(?:visit|encounter|consultation|appointment)' },
    { pattern: '(?:visit|encounter|consultation|appointment|clinic)\\s+date' },
    { pattern: 'seen\\s+on' },
  ],
  [
    { pattern: 'date\\s+of\\s+discharge' },
    { pattern: 'discharge\\s+date' },
    { pattern: 'discharged(?:\\s+on)?' },
  ],
  [
    { pattern: 'date\\s+of\\s+admission' },
    { pattern: 'admission\\s+date' },
    { pattern: 'admitted(?:\\s+on)?' },
  ],
  [
    { pattern: 'date\\s+of\\s+report' },
    { pattern: '(?:report|result|letter)\\s+date' },
    { pattern: '(?:date\\s+)?reported(?:\\s+on)?' },
    { pattern: '(?:electronically\\s+)?signed(?:\\s+on)?' },
    { pattern: 'dictated(?:\\s+on)?' },
  ],
  [{ pattern: 'date', generic: true }],
];

function findDateOfService(lines: Line[]): IsoDate | null {
  for (const group of serviceDateLabelGroups) {
    const dates = group
      .flatMap((label) => labelledValues(lines, label))
      .sort((a, b) => a.line - b.line)
      .map((found) => parseRecordDate(found.value))
      .filter((date): date is IsoDate => date !== null);
    if (dates[0] !== undefined) return dates[0];
  }
  return null;
}

const sourceLabels: Label[] = [
  {
    pattern:
      '(?:performing|sending|ordering|reporting)\\s+(?:facility|site|laboratory|lab|organi[sz]ation)',
  },
  { pattern: 'facility(?:\\s+name)?' },
  { pattern: 'hospital(?:\\s+name)?', generic: true },
  { pattern: 'institution' },
  { pattern: 'clinic(?:\\s+name)?', generic: true },
  { pattern: 'practice(?:\\s+name)?', generic: true },
  { pattern: 'organi[sz]ation' },
  { pattern: 'laboratory', generic: true },
];

const institutionWords =
  /\b(hospitals?|clinics?|medical\s+(?:cent(?:er|re)|group|associates|practice)|health(?:\s*care)?|laborator(?:y|ies)|labs|imaging|radiology|pathology|infirmary|institute|universit(?:y|ies)|practice|surgery|nhs|trust|foundation|cent(?:er|re)|klinik|hôpital|hospital)\b/i;
const titleWords =
  /\b(report|summary|results?|notes?|letter|referral|prescription|request|discharge|consultation|page)\b/i;

function findSource(lines: Line[]): string | null {
  for (const label of sourceLabels) {
    const found = labelledValues(lines, label)
      .map((value) => value.value.replace(/[\s,;:]+$/, '').trim())
      .find((value) => /\p{L}{2}/u.test(value) && value.length <= 100 && !/^\d/.test(value));
    if (found !== undefined) return found;
  }
  const top = lines.filter((line) => line.text.trim() !== '').slice(0, 10);
  for (const line of top) {
    const text = line.text.replace(/\s+/g, ' ').trim();
    if (text.length > 80 || text.includes(':') || /^\d/.test(text) || text.split(' ').length > 10)
      continue;
    if (titleWords.test(text) || !institutionWords.test(text)) continue;
    return text;
  }
  return null;
}

const titleKinds: { kind: DocumentKind; pattern: RegExp }[] = [
  {
    kind: 'discharge_summary',
    pattern: /\bdischarge\s+(summary|report|letter)\b|\bsummary\s+of\s+discharge\b/i,
  },
  {
    kind: 'pathology_report',
    pattern:
      /\b((surgical|anatomic|cyto)?\s*pathology\s+(report|consultation)|surgical\s+pathology|histopatholog\w*|cytology\s+report|biopsy\s+report)\b/i,
  },
  {
    kind: 'imaging_report',
    pattern:
      /\b(radiology|imaging)\s+(report|consultation)\b|\bdiagnostic\s+imaging\b|\b(ct|mri|mr|x-?ray|ultrasound|sonograph\w*|mammogra\w*|pet(\/ct)?|nuclear\s+medicine|dexa|echocardiogra\w*)\b(\s+[\w/,-]+){0,4}?\s+(report|scan|study|exam\w*)\b/i,
  },
  {
    kind: 'lab_results',
    pattern:
      /\b(lab(oratory)?\s+(results?|report)|test\s+results|blood\s+(test|work)\s+results?|cumulative\s+report|(chemistry|hematology|haematology|microbiology)\s+report)\b/i,
  },
  { kind: 'prescription', pattern: /\b(prescription|medication\s+order)\b/i },
  {
    kind: 'referral',
    pattern:
      /\b(referral(\s+(letter|note|form))?|letter\s+of\s+referral|request\s+for\s+(consultation|second\s+opinion))\b/i,
  },
  {
    kind: 'clinic_letter',
    pattern:
      /\b(clinic\s+(letter|note|visit)|consult(ation)?\s+(letter|note|report)|progress\s+note|office\s+visit|outpatient\s+(letter|clinic|visit)|history\s+and\s+physical)\b/i,
  },
];

/** The kind a document title names (`Surgical Pathology Report`), or null. */
export function classifyDocumentTitle(title: string): DocumentKind | null {
  return titleKinds.find((entry) => entry.pattern.test(title))?.kind ?? null;
}

const bodyCues: { kind: DocumentKind; cue: RegExp; weight: number }[] = [
  { kind: 'discharge_summary', cue: /hospital course/i, weight: 3 },
  { kind: 'discharge_summary', cue: /discharge diagnos/i, weight: 3 },
  { kind: 'discharge_summary', cue: /(date of discharge|discharge date)/i, weight: 2 },
  { kind: 'discharge_summary', cue: /discharge (medications|instructions)/i, weight: 2 },
  { kind: 'discharge_summary', cue: /(date of admission|admission date)/i, weight: 1 },
  { kind: 'pathology_report', cue: /gross description/i, weight: 3 },
  { kind: 'pathology_report', cue: /microscopic (description|examination)/i, weight: 3 },
  { kind: 'pathology_report', cue: /immunohistochem/i, weight: 3 },
  { kind: 'pathology_report', cue: /final (pathologic\w* )?diagnosis/i, weight: 2 },
  { kind: 'pathology_report', cue: /frozen section|synoptic/i, weight: 2 },
  { kind: 'pathology_report', cue: /\bhistolog/i, weight: 2 },
  { kind: 'pathology_report', cue: /\bspecimen\b/i, weight: 1 },
  { kind: 'imaging_report', cue: /\bimpression:/i, weight: 2 },
  { kind: 'imaging_report', cue: /\btechnique:/i, weight: 2 },
  { kind: 'imaging_report', cue: /\bcomparison:/i, weight: 2 },
  { kind: 'imaging_report', cue: /\bradiologist\b/i, weight: 2 },
  { kind: 'imaging_report', cue: /\bfindings:/i, weight: 1 },
  { kind: 'imaging_report', cue: /\b(ct|mri|x-ray|ultrasound)\b/i, weight: 1 },
  { kind: 'lab_results', cue: /(reference|ref\.?|normal) range/i, weight: 3 },
  { kind: 'lab_results', cue: /specimen (collected|received)/i, weight: 2 },
  { kind: 'lab_results', cue: /\b(units?|flag)\b/i, weight: 1 },
  {
    kind: 'lab_results',
    cue: /\b(hemoglobin|haemoglobin|creatinine|glucose|sodium|potassium)\b/i,
    weight: 1,
  },
  { kind: 'prescription', cue: /\bsig:/i, weight: 3 },
  { kind: 'prescription', cue: /\brefills?\b/i, weight: 3 },
  { kind: 'prescription', cue: /\b(dispense|qty|quantity)\b/i, weight: 2 },
  { kind: 'prescription', cue: /\btake \d+ (tablet|capsule)/i, weight: 2 },
  { kind: 'referral', cue: /reason for referral/i, weight: 3 },
  { kind: 'referral', cue: /thank you for seeing/i, weight: 3 },
  { kind: 'referral', cue: /\b(please|kindly) see\b/i, weight: 2 },
  { kind: 'referral', cue: /\breferred to\b/i, weight: 2 },
  { kind: 'referral', cue: /i would be grateful/i, weight: 2 },
  { kind: 'clinic_letter', cue: /\bdear (dr|doctor|colleague)\b/i, weight: 3 },
  { kind: 'clinic_letter', cue: /yours (sincerely|faithfully)/i, weight: 3 },
  { kind: 'clinic_letter', cue: /thank you for referring/i, weight: 3 },
  { kind: 'clinic_letter', cue: /kind regards/i, weight: 2 },
  { kind: 'clinic_letter', cue: /seen (him|her|them)? ?in (the )?clinic/i, weight: 2 },
  { kind: 'clinic_letter', cue: /assessment and plan/i, weight: 2 },
];

/** How much evidence the phrases of a text must add up to before they name its kind. */
const bodyKindThreshold = 4;

/**
 * The kind of a document from its text: a title among its first fifteen non-empty lines, else the
 * kind whose phrases weigh most (at least 4; each phrase counts once), else `other`.
 */
export function classifyDocumentText(text: string): DocumentKind {
  const lines = linesOf(text);
  const top = lines.filter((line) => line.text.trim() !== '').slice(0, 15);
  for (const line of top) {
    if (line.text.length > 100) continue;
    const kind = classifyDocumentTitle(line.text);
    if (kind !== null) return kind;
  }
  const body = text.slice(0, textFactsScanLimit);
  const scores = new Map<DocumentKind, number>();
  for (const { kind, cue, weight } of bodyCues) {
    if (cue.test(body)) scores.set(kind, (scores.get(kind) ?? 0) + weight);
  }
  let best: DocumentKind = 'other';
  let bestScore = bodyKindThreshold - 1;
  for (const [kind, score] of scores) {
    if (score > bestScore) {
      best = kind;
      bestScore = score;
    }
  }
  return best;
}

/**
 * The facts a text states about itself (see the module comment). `foundIn` names the text in the
 * evidence of each identity (e.g. `PDF text`), to which the line number is added.
 */
export function extractTextFacts(text: string, options: { foundIn: string }): TextFacts {
  const lines = linesOf(text);
  return {
    kind: classifyDocumentText(text),
    dateOfService: findDateOfService(lines),
    source: findSource(lines),
    patientIdentities: findPatientIdentities(lines, options.foundIn),
  };
}
