/**
 * Whether a diagnosis as written ("type 2 diabetes", "CAD", "heart attack") agrees with the title
 * of the ICD-10-CM code chosen for it — the code/text mismatch check of PRODUCT.md capability 3.
 * English only; tuned to let plain patient wording pass and to catch a code for another disease
 * or another site.
 *
 * The comparison, on folded words (case and diacritics ignored):
 * 1. abbreviations are expanded (`t2dm`, `htn`, `cad`, `nsclc`, …) and lay phrases replaced by the
 *    words ICD-10-CM titles use ("heart attack" → "myocardial infarction", "stroke" → "cerebral
 *    infarction");
 * 2. stop words are dropped — grammar, ICD filler ("unspecified", "other", "site") and words that
 *    say nothing about which disease ("disease", "diagnosed", "my");
 * 3. words are reduced to their first six letters (a crude stem: diabetes/diabetic,
 *    hypertension/hypertensive) and words of one concept are merged (cancer = carcinoma =
 *    malignant = neoplasm; kidney = renal; bowel = colon);
 * 4. the remaining words are split into qualifiers (cancer words, histology, severity, laterality,
 *    acute/chronic) and specific words (organ, disease name). The wording agrees with the title —
 *    the code's own title with its category's and section's — when at least a third (and at least
 *    one) of the specific words occur there (or, with no specific word, one qualifier does);
 * 5. and nothing conflicts: a different "type N" or "stage N", left against right in the code's
 *    own title, or cancer in the wording while neither the code's title nor its category's is a
 *    neoplasm.
 */
import { phraseKey } from './text-folding.ts';

/** Abbreviations and lay phrases, replaced before comparing (folded phrase → ICD wording). */
const replacements: ReadonlyArray<readonly [string, string]> = [
  ['t2dm', 'type 2 diabetes mellitus'],
  ['t1dm', 'type 1 diabetes mellitus'],
  ['dm2', 'type 2 diabetes mellitus'],
  ['dm1', 'type 1 diabetes mellitus'],
  ['niddm', 'type 2 diabetes mellitus'],
  ['iddm', 'type 1 diabetes mellitus'],
  ['dm', 'diabetes mellitus'],
  ['htn', 'hypertension'],
  ['high blood pressure', 'hypertension'],
  ['chf', 'congestive heart failure'],
  ['hfref', 'heart failure reduced ejection fraction'],
  ['hfpef', 'heart failure preserved ejection fraction'],
  ['cad', 'coronary artery disease'],
  ['coronary artery disease', 'coronary artery ischemic heart disease'],
  ['coronary heart disease', 'coronary artery ischemic heart disease'],
  ['ihd', 'ischemic heart disease'],
  ['mi', 'myocardial infarction'],
  ['heart attack', 'myocardial infarction'],
  ['afib', 'atrial fibrillation'],
  ['a fib', 'atrial fibrillation'],
  ['af', 'atrial fibrillation'],
  ['copd', 'chronic obstructive pulmonary disease'],
  ['ckd', 'chronic kidney disease'],
  ['esrd', 'end stage renal disease'],
  ['aki', 'acute kidney failure'],
  ['oa', 'osteoarthritis'],
  ['ra', 'rheumatoid arthritis'],
  ['tia', 'transient cerebral ischemic attack'],
  ['cva', 'cerebral infarction'],
  ['stroke', 'cerebral infarction'],
  ['dvt', 'deep vein thrombosis'],
  ['pe', 'pulmonary embolism'],
  ['uti', 'urinary tract infection'],
  ['gerd', 'gastro esophageal reflux disease'],
  ['gord', 'gastro esophageal reflux disease'],
  ['ibs', 'irritable bowel syndrome'],
  ['ibd', 'inflammatory bowel disease'],
  ['nsclc', 'non small cell lung cancer'],
  ['sclc', 'small cell lung cancer'],
  ['hcc', 'hepatocellular carcinoma liver'],
  ['crc', 'colorectal cancer'],
  ['dcis', 'ductal carcinoma in situ breast'],
  ['idc', 'invasive ductal carcinoma breast'],
  ['nhl', 'non hodgkin lymphoma'],
  ['cll', 'chronic lymphocytic leukemia'],
  ['aml', 'acute myeloid leukemia'],
  ['cml', 'chronic myeloid leukemia'],
  ['bph', 'benign prostatic hyperplasia'],
  ['aaa', 'abdominal aortic aneurysm'],
  ['acl', 'anterior cruciate ligament'],
  ['lbp', 'low back pain'],
  ['ca', 'cancer'],
  ['leukaemia', 'leukemia'],
  ['tumour', 'tumor'],
  ['oesophagus', 'esophagus'],
  ['oesophageal', 'esophageal'],
  ['ischaemic', 'ischemic'],
  ['anaemia', 'anemia'],
  ['haemorrhage', 'hemorrhage'],
  ['broken', 'fracture'],
];

const stopWords = new Set([
  'a',
  'an',
  'the',
  'of',
  'and',
  'or',
  'with',
  'without',
  'in',
  'on',
  'at',
  'to',
  'for',
  'by',
  'due',
  'from',
  'as',
  'is',
  'my',
  'i',
  'have',
  'has',
  'had',
  'was',
  'diagnosed',
  'diagnosis',
  'suspected',
  'possible',
  'probable',
  'likely',
  'history',
  'known',
  'disease',
  'diseases',
  'disorder',
  'disorders',
  'syndrome',
  'condition',
  'problem',
  'unspecified',
  'specified',
  'other',
  'nos',
  'nec',
  'site',
  'sites',
  'part',
  'parts',
  'classified',
  'elsewhere',
  'stage',
  'grade',
  'type',
]);

/** Concept groups: every stem of a group counts as the group's first word. */
const conceptGroups: ReadonlyArray<readonly string[]> = [
  [
    'cancer',
    'carcinoma',
    'malignant',
    'malignancy',
    'neoplasm',
    'tumor',
    'adenocarcinoma',
    'oncology',
  ],
  ['metastatic', 'metastasis', 'metastases', 'secondary'],
  ['heart', 'cardiac'],
  ['kidney', 'renal', 'nephropathy'],
  ['lung', 'pulmonary', 'bronchus', 'bronchial'],
  ['liver', 'hepatic', 'hepatocellular'],
  ['brain', 'cerebral', 'cerebrum'],
  ['arthritis', 'osteoarthritis', 'arthrosis'],
  ['epilepsy', 'epileptic', 'seizure', 'seizures', 'convulsions'],
  ['breast', 'mammary'],
  ['bowel', 'colon', 'colorectal', 'intestine', 'intestinal', 'rectum', 'rectal'],
  ['stomach', 'gastric'],
  ['skin', 'cutaneous'],
  ['back', 'dorsalgia', 'lumbar', 'spine', 'spinal'],
  ['fracture', 'fractured'],
];

/** Title words that make a code a neoplasm (or blood cancer), for the cancer conflict. */
const neoplasmWords = [
  'neopla',
  'malign',
  'carcin',
  'lympho',
  'leukem',
  'melano',
  'sarcom',
  'myelom',
];

function stem(word: string): string {
  return word.length <= 6 ? word : word.slice(0, 6);
}

const conceptOfStem = new Map<string, string>();
for (const group of conceptGroups)
  for (const word of group) conceptOfStem.set(stem(word), stem(group[0]!));

function conceptOf(word: string): string {
  const stemmed = stem(word);
  return conceptOfStem.get(stemmed) ?? stemmed;
}

/** Concepts that qualify a diagnosis without naming it. */
const qualifiers = new Set(
  [
    'cancer',
    'metastatic',
    'benign',
    'primary',
    'acute',
    'chronic',
    'severe',
    'mild',
    'moderate',
    'early',
    'advanced',
    'recurrent',
    'left',
    'right',
    'bilateral',
    'unilateral',
    'non',
    'small',
    'large',
    'cell',
    'ductal',
    'lobular',
    'invasive',
    'squamous',
    'situ',
    'high',
    'low',
  ].map(conceptOf),
);

const numerals: Record<string, string> = { i: '1', ii: '2', iii: '3', iv: '4', one: '1', two: '2' };

function replacePhrases(key: string): string {
  let padded = ` ${key} `;
  for (const [phrase, replacement] of replacements)
    padded = padded.replaceAll(` ${phrase} `, ` ${replacement} `);
  return padded.trim();
}

function wordsOf(text: string): string[] {
  const key = replacePhrases(phraseKey(text));
  return key === '' ? [] : key.split(' ');
}

/** The value after "type" or "stage" (`type II` → `2`), when stated. */
function qualifierValue(words: string[], label: string): string | null {
  const index = words.indexOf(label);
  const value = index >= 0 ? words[index + 1] : undefined;
  return value === undefined ? null : (numerals[value] ?? value);
}

/** Whether two stated values can be the same (`3` and `3a` can; `1` and `2` cannot). */
function valuesCompatible(left: string, right: string): boolean {
  return left.startsWith(right) || right.startsWith(left);
}

function sideOf(words: string[]): 'left' | 'right' | null {
  const left = words.includes('left');
  const right = words.includes('right');
  if (words.includes('bilateral') || left === right) return null;
  return left ? 'left' : 'right';
}

export interface WordingComparison {
  agrees: boolean;
  /** The diagnosis words found in the titles and those not found (as compared: stems). */
  matched: string[];
  unmatched: string[];
  /** What contradicts the code, when something does (`type 1 vs type 2`, `left vs right`). */
  conflict: string | null;
}

/**
 * Compares a diagnosis as written with a code's titles: `ownTitle` (the code's long title) and
 * `contextTitles` (its category's and section's), per the rules of the module comment.
 */
export function compareDiagnosisWording(
  text: string,
  ownTitle: string,
  contextTitles: readonly string[],
): WordingComparison {
  const textWords = wordsOf(text);
  const ownWords = wordsOf(ownTitle);
  const allTitleWords = [...ownWords, ...contextTitles.flatMap(wordsOf)];
  const titleConcepts = new Set(allTitleWords.map(conceptOf));

  let conflict: string | null = null;
  for (const label of ['type', 'stage']) {
    const stated = qualifierValue(textWords, label);
    if (stated === null) continue;
    const coded = [ownTitle, ...contextTitles]
      .map((title) => qualifierValue(wordsOf(title), label))
      .filter((value) => value !== null);
    if (coded.length > 0 && !coded.some((value) => valuesCompatible(value, stated)))
      conflict = `${label} ${stated} vs ${label} ${coded[0]!}`;
  }
  const statedSide = sideOf(textWords);
  const codedSide = sideOf(ownWords);
  if (conflict === null && statedSide !== null && codedSide !== null && statedSide !== codedSide)
    conflict = `${statedSide} vs ${codedSide}`;
  const categoryWords = [
    ...ownWords,
    ...(contextTitles[0] === undefined ? [] : wordsOf(contextTitles[0])),
  ];
  if (
    conflict === null &&
    textWords.some((word) => conceptOf(word) === 'cancer') &&
    !categoryWords.some((word) => neoplasmWords.some((prefix) => word.startsWith(prefix)))
  )
    conflict = 'cancer vs non-neoplasm';

  const content = [
    ...new Set(
      textWords.filter((word) => !stopWords.has(word) && !/^\d+$/.test(word)).map(conceptOf),
    ),
  ];
  const matched = content.filter((word) => titleConcepts.has(word));
  const unmatched = content.filter((word) => !titleConcepts.has(word));
  const specific = content.filter((word) => !qualifiers.has(word));
  let overlapping: boolean;
  if (content.length === 0) overlapping = true;
  else if (specific.length > 0) {
    const found = specific.filter((word) => titleConcepts.has(word)).length;
    overlapping = found >= Math.max(1, Math.ceil(specific.length / 3));
  } else overlapping = matched.length > 0;
  return { agrees: overlapping && conflict === null, matched, unmatched, conflict };
}
