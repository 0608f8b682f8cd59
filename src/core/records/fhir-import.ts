/**
 * FHIR R4 records turned into the clinical facts of a case (issue 4: "FHIR/C-CDA import into
 * structured conditions, medications, allergies, observations and documents"): a Bundle of any
 * type (collection, transaction, searchset, document, batch responses with nested bundles;
 * Synthea-style `urn:uuid:` references), a single resource, or NDJSON (one resource per line, as
 * bulk exports write it) becomes `ClinicalItem`s, the patients it names, and hints about the
 * document as a whole (its kind, date of service and source). C-CDA documents reach this module
 * after conversion to a FHIR document bundle. Pure: the server reads the file.
 *
 * Rules:
 * - what is read: Patient (identities), Condition, AllergyIntolerance, MedicationRequest,
 *   MedicationStatement (the medication from `medicationCodeableConcept` or a referenced or
 *   contained Medication, its ingredients as lower-case names), Observation (value[x] and unit,
 *   components), Procedure, DiagnosticReport and DocumentReference (kind from LOINC document codes
 *   and report categories), Composition (document header and section narratives). Other R4
 *   resources are accepted and counted but yield no item (Encounter, Claim, Immunization …).
 * - original codes are kept as recorded (system, code, display).
 * - records marked `entered-in-error` (and conditions or allergies whose verification is
 *   `refuted`) are not the patient's facts and are left out.
 * - what is not FHIR is refused (`not_fhir`): JSON without a known R4 `resourceType`, a Bundle
 *   without a valid `type`, entries that are neither a resource nor a request or response, and
 *   elements of the wrong JSON type among those read. JSON that does not parse at all is kept as a
 *   `corrupt` document. A narrative carrying script or markup is refused (`active_content`).
 * - dates are the calendar date a value states (`2012-05-24T10:00:00+02:00` → `2012-05-24`); a
 *   partial date (`2004`, `2004-06`) is no date.
 * - item ids are deterministic per document: a name-based UUID of the document id and the
 *   resource's type and id (or its position when it has none, is repeated, or the caller asks for
 *   positions because the ids were generated on the fly, as C-CDA conversion does).
 * - limits: at most `fhirImportMaxResources` resources per document.
 */
import { isIsoDate } from '../iso-dates.ts';
import { nameBasedUuid } from '../fhir/name-based-uuid.ts';
import { findActiveContent } from './content-sniffing.ts';
import { documentKindForCodings } from './document-kinds.ts';
import {
  ingredientNameFromIngredientDisplay,
  ingredientNamesFromDrugName,
} from './drug-ingredients.ts';
import { fhirR4ResourceTypes } from './fhir-resource-types.ts';
import { refuseRecord, type RecordRefusal } from './record-refusals.ts';
import type {
  ClinicalItem,
  DocumentCondition,
  DocumentKind,
  IsoDate,
  MedicationItem,
  RecordCoding,
  RecordPatientIdentity,
  ReportItem,
} from './record-types.ts';
import { classifyDocumentTitle, recordTextMaxCharacters } from './text-facts.ts';

/** The most resources one document may hold (a 50 MB Synthea bundle holds about 60,000). */
const fhirImportMaxResources = 500_000;

/** How deep bundles may nest (a batch response holds search result bundles). */
const maxBundleDepth = 3;

/** The namespace of the name-based ids of imported items (RFC 9562 section 5.5). */
const clinicalItemIdNamespace = '6f1c9a52-3d0b-4e7a-9c84-2b5e1f7d0a36';

export interface FhirImportOptions {
  /** The document the items come from; part of every item id. */
  documentId: string;
  /** Derive item ids from positions, not resource ids (ids generated during a conversion). */
  idsByPosition?: boolean;
  /** The name of the source in the evidence of identities (default `FHIR`). */
  foundIn?: string;
  /** The most resources read (default `fhirImportMaxResources`). */
  maxResources?: number;
}

/** What the whole document is, as far as its resources say. */
export interface FhirDocumentHints {
  kind: DocumentKind;
  dateOfService: IsoDate | null;
  source: string | null;
}

export interface FhirImport {
  ok: true;
  /** `corrupt` when the JSON does not parse; nothing is imported then. */
  condition: DocumentCondition;
  patientIdentities: RecordPatientIdentity[];
  clinical: ClinicalItem[];
  documentHints: FhirDocumentHints;
  /** Narrative text (Composition sections, plain-text attachments), cut at the text limit. */
  text: string | null;
  /** How many resources of each type were read, imported or not. */
  resourceCounts: Record<string, number>;
  warnings: string[];
}

export type FhirImportResult = FhirImport | RecordRefusal;

/** Raised inside the importer when the JSON is not FHIR; turned into a `not_fhir` refusal. */
class NotFhirError extends Error {}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readObject(value: unknown, where: string): Json | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) throw new NotFhirError(`${where} must be a JSON object.`);
  return value;
}

function readArray(value: unknown, where: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new NotFhirError(`${where} must be a JSON array.`);
  return value;
}

function readString(value: unknown, where: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new NotFhirError(`${where} must be a string.`);
  return value;
}

function readNumber(value: unknown, where: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new NotFhirError(`${where} must be a number.`);
  return value;
}

interface Concept {
  text: string | null;
  codings: RecordCoding[];
}

function readCodings(value: unknown, where: string): RecordCoding[] {
  const codings: RecordCoding[] = [];
  readArray(value, where).forEach((item, index) => {
    const coding = readObject(item, `${where}[${index}]`);
    if (coding === undefined) return;
    const code = readString(coding.code, `${where}[${index}].code`);
    if (code === undefined || code.trim() === '') return;
    const display = readString(coding.display, `${where}[${index}].display`);
    codings.push({
      system: readString(coding.system, `${where}[${index}].system`) ?? '',
      code,
      ...(display !== undefined ? { display } : {}),
    });
  });
  return codings;
}

function readConcept(value: unknown, where: string): Concept {
  const concept = readObject(value, where);
  if (concept === undefined) return { text: null, codings: [] };
  const text = readString(concept.text, `${where}.text`)?.trim();
  return {
    text: text === undefined || text === '' ? null : text,
    codings: readCodings(concept.coding, `${where}.coding`),
  };
}

function conceptDisplay(concept: Concept): string | null {
  return (
    concept.text ??
    concept.codings.find((coding) => coding.display !== undefined && coding.display.trim() !== '')
      ?.display ??
    concept.codings[0]?.code ??
    null
  );
}

function firstCode(concept: Concept): string | null {
  return concept.codings[0]?.code ?? null;
}

/** The calendar date a FHIR date, dateTime or instant states; null for partial dates. */
export function fhirDateToIso(value: string | undefined | null): IsoDate | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})(?:T|$)/.exec((value ?? '').trim());
  if (match === null) return null;
  const date = `${match[1]}-${match[2]}-${match[3]}`;
  return isIsoDate(date) ? date : null;
}

function readDate(value: unknown, where: string): IsoDate | null {
  return fhirDateToIso(readString(value, where));
}

function readPeriod(value: unknown, where: string): { start: IsoDate | null; end: IsoDate | null } {
  const period = readObject(value, where);
  if (period === undefined) return { start: null, end: null };
  return {
    start: readDate(period.start, `${where}.start`),
    end: readDate(period.end, `${where}.end`),
  };
}

function formatQuantity(
  value: unknown,
  where: string,
): { value: string; unit: string | null } | null {
  const quantity = readObject(value, where);
  if (quantity === undefined) return null;
  const amount = readNumber(quantity.value, `${where}.value`);
  const unit =
    readString(quantity.unit, `${where}.unit`) ??
    readString(quantity.code, `${where}.code`) ??
    null;
  if (amount === undefined) return null;
  const comparator = readString(quantity.comparator, `${where}.comparator`) ?? '';
  return { value: `${comparator}${amount}`, unit };
}

/** Plain text of an XHTML narrative: block ends become line breaks, entities are decoded. */
export function narrativeToText(xhtml: string): string {
  return xhtml
    .replace(/<(br|hr)\b[^>]*>/gi, '\n')
    .replace(/<\/(p|div|tr|li|h[1-6]|table|thead|tbody|paragraph|item|list)>/gi, '\n')
    .replace(/<\/(td|th)>/gi, '\t')
    .replace(/<[^>]*>/g, '')
    .replace(/&#x([0-9a-f]+);/gi, (_, hex: string) => safeCodePoint(parseInt(hex, 16)))
    .replace(/&#(\d+);/g, (_, decimal: string) => safeCodePoint(Number(decimal)))
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

function safeCodePoint(codePoint: number): string {
  return codePoint > 0 && codePoint <= 0x10ffff && !(codePoint >= 0xd800 && codePoint <= 0xdfff)
    ? String.fromCodePoint(codePoint)
    : '';
}

const unitNames: Readonly<Record<string, string>> = {
  s: 'second',
  min: 'minute',
  h: 'hour',
  d: 'day',
  wk: 'week',
  mo: 'month',
  a: 'year',
};

/** A Timing's repeat as words: `every day`, `2 times per day`, `every 6 hours`. */
function repeatToWords(repeat: Json, where: string): string | null {
  const frequency = readNumber(repeat.frequency, `${where}.frequency`) ?? 1;
  const period = readNumber(repeat.period, `${where}.period`);
  const unitCode = readString(repeat.periodUnit, `${where}.periodUnit`);
  if (period === undefined || unitCode === undefined) return null;
  const unit = unitNames[unitCode] ?? unitCode;
  const per = period === 1 ? unit : `${period} ${unit}s`;
  return frequency === 1 ? `every ${per}` : `${frequency} times per ${per}`;
}

function readDosage(
  value: unknown,
  where: string,
): { dose: string | null; frequency: string | null; start: IsoDate | null; end: IsoDate | null } {
  const dosages = readArray(value, where);
  let dose: string | null = null;
  let frequency: string | null = null;
  let start: IsoDate | null = null;
  let end: IsoDate | null = null;
  dosages.forEach((item, index) => {
    const at = `${where}[${index}]`;
    const dosage = readObject(item, at);
    if (dosage === undefined) return;
    if (dose === null) {
      const doseAndRate = readObject(
        readArray(dosage.doseAndRate, `${at}.doseAndRate`)[0],
        `${at}.doseAndRate[0]`,
      );
      const quantity = formatQuantity(
        doseAndRate?.doseQuantity,
        `${at}.doseAndRate[0].doseQuantity`,
      );
      const range = readObject(doseAndRate?.doseRange, `${at}.doseAndRate[0].doseRange`);
      const low = formatQuantity(range?.low, `${at}.doseRange.low`);
      const high = formatQuantity(range?.high, `${at}.doseRange.high`);
      if (quantity !== null)
        dose = quantity.unit === null ? quantity.value : `${quantity.value} ${quantity.unit}`;
      else if (low !== null && high !== null)
        dose = `${low.value}–${high.value}${high.unit === null ? '' : ` ${high.unit}`}`;
      else dose = readString(dosage.text, `${at}.text`)?.trim() || null;
    }
    const timing = readObject(dosage.timing, `${at}.timing`);
    if (frequency === null && timing !== undefined) {
      const code = conceptDisplay(readConcept(timing.code, `${at}.timing.code`));
      const repeat = readObject(timing.repeat, `${at}.timing.repeat`);
      frequency =
        code ?? (repeat === undefined ? null : repeatToWords(repeat, `${at}.timing.repeat`));
      if (repeat !== undefined && start === null && end === null) {
        const bounds = readPeriod(repeat.boundsPeriod, `${at}.timing.repeat.boundsPeriod`);
        start = bounds.start;
        end = bounds.end;
      }
    }
    if (frequency !== null && dosage.asNeededBoolean === true && !frequency.endsWith('as needed'))
      frequency = `${frequency}, as needed`;
    if (frequency === null && dosage.asNeededBoolean === true) frequency = 'as needed';
  });
  return { dose, frequency, start, end };
}

function identityName(value: unknown, where: string): string | null {
  const names = readArray(value, where)
    .map((item, index) => readObject(item, `${where}[${index}]`))
    .filter((name): name is Json => name !== undefined);
  const preferred =
    names.find((name) => name.use === 'official') ??
    names.find((name) => name.use === 'usual') ??
    names.find((name) => name.use !== 'old' && name.use !== 'maiden' && name.use !== 'nickname') ??
    names[0];
  if (preferred === undefined) return null;
  const text = readString(preferred.text, `${where}.text`)?.trim();
  if (text !== undefined && text !== '') return text;
  const given = readArray(preferred.given, `${where}.given`).map((part, index) =>
    readString(part, `${where}.given[${index}]`),
  );
  const family = readString(preferred.family, `${where}.family`);
  const parts = [...given, family].filter(
    (part): part is string => part !== undefined && part.trim() !== '',
  );
  return parts.length === 0 ? null : parts.join(' ');
}

function isEnteredInError(resource: Json, where: string): boolean {
  if (resource.status === 'entered-in-error') return true;
  const verification = readConcept(resource.verificationStatus, `${where}.verificationStatus`);
  return verification.codings.some(
    (coding) => coding.code === 'entered-in-error' || coding.code === 'refuted',
  );
}

interface IndexedResource {
  resource: Json;
  fullUrl: string | null;
}

interface PendingMedication {
  ordinal: number;
  key: string;
  resource: Json;
  where: string;
}

/** A FHIR import fed one resource at a time (see `createFhirImporter`). */
export interface FhirImporter {
  /** Adds a resource (a Bundle adds its entries); a refusal ends the import. */
  add: (resource: unknown, where?: string) => RecordRefusal | null;
  /** The import of everything added. */
  finish: () => FhirImportResult;
}

/**
 * An import that takes resources one at a time, so a large NDJSON file can be read line by line.
 * References to Medications, Organizations and Patients are resolved when it finishes, so they may
 * come in any order.
 */
export function createFhirImporter(options: FhirImportOptions): FhirImporter {
  const foundIn = options.foundIn ?? 'FHIR';
  const maxResources = options.maxResources ?? fhirImportMaxResources;
  const byReference = new Map<string, IndexedResource>();
  const items: { ordinal: number; item: ClinicalItem }[] = [];
  const pending: PendingMedication[] = [];
  const identities: RecordPatientIdentity[] = [];
  const subjectNames: string[] = [];
  const compositions: IndexedResource[] = [];
  const organizations: Json[] = [];
  const texts: string[] = [];
  let textLength = 0;
  const resourceCounts: Record<string, number> = {};
  const usedKeys = new Set<string>();
  const warnings: string[] = [];
  let ordinal = 0;
  let added = false;
  let bundleTimestamp: IsoDate | null = null;
  let refusal: RecordRefusal | null = null;

  function addText(text: string) {
    if (text.trim() === '' || textLength >= recordTextMaxCharacters) return;
    const room = recordTextMaxCharacters - textLength;
    const cut = text.length > room ? text.slice(0, room) : text;
    texts.push(cut);
    textLength += cut.length + 2;
  }

  function itemKey(resource: Json, resourceType: string, position: number): string {
    const id = typeof resource.id === 'string' ? resource.id : undefined;
    let key =
      options.idsByPosition === true || id === undefined
        ? `${resourceType}#${position}`
        : `${resourceType}/${id}`;
    if (usedKeys.has(key)) key = `${key}#${position}`;
    usedKeys.add(key);
    return key;
  }

  function itemId(key: string): string {
    return nameBasedUuid(clinicalItemIdNamespace, `${options.documentId}|${key}`);
  }

  function base(
    resource: Json,
    key: string,
    display: string | null,
    codes: RecordCoding[],
    date: IsoDate | null,
  ) {
    return {
      id: itemId(key),
      sourceDocumentId: options.documentId,
      date,
      display: display ?? String(resource.resourceType),
      codes,
    };
  }

  function index(resource: Json, resourceType: string, fullUrl: string | null) {
    const entry: IndexedResource = { resource, fullUrl };
    if (fullUrl !== null) byReference.set(fullUrl, entry);
    if (typeof resource.id === 'string') byReference.set(`${resourceType}/${resource.id}`, entry);
  }

  function resolve(reference: string | undefined, container: Json): Json | undefined {
    if (reference === undefined) return undefined;
    if (reference.startsWith('#')) {
      const id = reference.slice(1);
      return readArray(container.contained, 'contained').find(
        (contained): contained is Json => isObject(contained) && contained.id === id,
      );
    }
    const direct = byReference.get(reference);
    if (direct !== undefined) return direct.resource;
    const typed = /([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/.exec(reference);
    return typed === null ? undefined : byReference.get(`${typed[1]}/${typed[2]}`)?.resource;
  }

  function checkNarrative(resource: Json, where: string) {
    const narrative = readObject(resource.text, `${where}.text`);
    const div = readString(narrative?.div, `${where}.text.div`);
    if (div !== undefined && findActiveContent(div) !== null)
      throw new ActiveContentError(`${where} has a narrative with script or markup.`);
  }

  function mapMedication(key: string, position: number, resource: Json, where: string) {
    const resourceType = String(resource.resourceType);
    const isRequest = resourceType === 'MedicationRequest';
    let concept = readConcept(
      resource.medicationCodeableConcept,
      `${where}.medicationCodeableConcept`,
    );
    let ingredients: string[] = [];
    const reference = readObject(resource.medicationReference, `${where}.medicationReference`);
    if (reference !== undefined) {
      const medication = resolve(
        readString(reference.reference, `${where}.medicationReference.reference`),
        resource,
      );
      if (medication !== undefined) {
        concept = readConcept(medication.code, `${where} → Medication.code`);
        readArray(medication.ingredient, `${where} → Medication.ingredient`).forEach((item, i) => {
          const ingredient = readObject(item, `${where} → Medication.ingredient[${i}]`);
          if (ingredient === undefined || ingredient.isActive === false) return;
          let display = conceptDisplay(
            readConcept(
              ingredient.itemCodeableConcept,
              `${where} → Medication.ingredient[${i}].itemCodeableConcept`,
            ),
          );
          const itemReference = readObject(
            ingredient.itemReference,
            `${where} → Medication.ingredient[${i}].itemReference`,
          );
          if (display === null && itemReference !== undefined) {
            const substance = resolve(
              readString(itemReference.reference, `${where} → itemReference.reference`),
              medication,
            );
            display =
              (substance !== undefined
                ? conceptDisplay(readConcept(substance.code, `${where} → Substance.code`))
                : null) ??
              readString(itemReference.display, `${where} → itemReference.display`) ??
              null;
          }
          const name = display === null ? null : ingredientNameFromIngredientDisplay(display);
          if (name !== null && !ingredients.includes(name)) ingredients.push(name);
        });
      } else {
        const display = readString(reference.display, `${where}.medicationReference.display`);
        if (display !== undefined) concept = { text: display, codings: [] };
        warnings.push(`${where}: the referenced Medication is not in the file.`);
      }
    }
    const display = conceptDisplay(concept);
    if (ingredients.length === 0) {
      for (const name of [display, ...concept.codings.map((coding) => coding.display)]) {
        if (name === null || name === undefined) continue;
        ingredients = ingredientNamesFromDrugName(name);
        if (ingredients.length > 0) break;
      }
    }
    const dosage = readDosage(
      isRequest ? resource.dosageInstruction : resource.dosage,
      isRequest ? `${where}.dosageInstruction` : `${where}.dosage`,
    );
    let date: IsoDate | null;
    let start = dosage.start;
    let end = dosage.end;
    if (isRequest) {
      date = readDate(resource.authoredOn, `${where}.authoredOn`);
      const dispense = readObject(resource.dispenseRequest, `${where}.dispenseRequest`);
      const validity = readPeriod(
        dispense?.validityPeriod,
        `${where}.dispenseRequest.validityPeriod`,
      );
      if (start === null && end === null) {
        start = validity.start;
        end = validity.end;
      }
    } else {
      const effective = readPeriod(resource.effectivePeriod, `${where}.effectivePeriod`);
      const effectiveDate = readDate(resource.effectiveDateTime, `${where}.effectiveDateTime`);
      date =
        effectiveDate ??
        effective.start ??
        readDate(resource.dateAsserted, `${where}.dateAsserted`);
      if (start === null && end === null) {
        start = effective.start ?? effectiveDate;
        end = effective.end;
      }
    }
    const item: MedicationItem = {
      ...base(resource, key, display, concept.codings, date),
      type: 'medication',
      status: readString(resource.status, `${where}.status`) ?? null,
      ingredients,
      dose: dosage.dose,
      frequency: dosage.frequency,
      start,
      end,
    };
    items.push({ ordinal: position, item });
  }

  function mapReport(
    key: string,
    position: number,
    resource: Json,
    where: string,
    resourceType: string,
  ) {
    let concept: Concept;
    let categories: RecordCoding[];
    let date: IsoDate | null;
    let display: string | null;
    if (resourceType === 'DiagnosticReport') {
      concept = readConcept(resource.code, `${where}.code`);
      categories = readArray(resource.category, `${where}.category`).flatMap(
        (category, i) => readConcept(category, `${where}.category[${i}]`).codings,
      );
      date =
        readDate(resource.effectiveDateTime, `${where}.effectiveDateTime`) ??
        readPeriod(resource.effectivePeriod, `${where}.effectivePeriod`).start ??
        readDate(resource.issued, `${where}.issued`);
      display = conceptDisplay(concept);
    } else {
      concept = readConcept(resource.type, `${where}.type`);
      categories = readArray(resource.category, `${where}.category`).flatMap(
        (category, i) => readConcept(category, `${where}.category[${i}]`).codings,
      );
      const context = readObject(resource.context, `${where}.context`);
      date =
        readPeriod(context?.period, `${where}.context.period`).start ??
        readDate(resource.date, `${where}.date`);
      display =
        readString(resource.description, `${where}.description`)?.trim() || conceptDisplay(concept);
      readArray(resource.content, `${where}.content`).forEach((item, i) => {
        const content = readObject(item, `${where}.content[${i}]`);
        const attachment = readObject(content?.attachment, `${where}.content[${i}].attachment`);
        const contentType =
          readString(attachment?.contentType, `${where}.content[${i}].attachment.contentType`) ??
          '';
        const data = readString(attachment?.data, `${where}.content[${i}].attachment.data`);
        if (data !== undefined && /^text\/plain\b/i.test(contentType)) {
          const text = decodeBase64Utf8(data);
          if (text !== null) addText(text);
        }
      });
    }
    const kind =
      documentKindForCodings(concept.codings) ??
      documentKindForCodings(categories) ??
      (display === null ? null : classifyDocumentTitle(display));
    const item: ReportItem = {
      ...base(resource, key, display, concept.codings, date),
      type: 'report',
      kind,
    };
    items.push({ ordinal: position, item });
  }

  function observationValue(
    resource: Json,
    where: string,
  ): { value: string | null; unit: string | null } {
    const quantity = formatQuantity(resource.valueQuantity, `${where}.valueQuantity`);
    if (quantity !== null) return quantity;
    if (resource.valueCodeableConcept !== undefined)
      return {
        value: conceptDisplay(
          readConcept(resource.valueCodeableConcept, `${where}.valueCodeableConcept`),
        ),
        unit: null,
      };
    for (const name of ['valueString', 'valueDateTime', 'valueTime'] as const) {
      const value = readString(resource[name], `${where}.${name}`);
      if (value !== undefined) return { value, unit: null };
    }
    if (typeof resource.valueBoolean === 'boolean')
      return { value: String(resource.valueBoolean), unit: null };
    const integer = readNumber(resource.valueInteger, `${where}.valueInteger`);
    if (integer !== undefined) return { value: String(integer), unit: null };
    const range = readObject(resource.valueRange, `${where}.valueRange`);
    if (range !== undefined) {
      const low = formatQuantity(range.low, `${where}.valueRange.low`);
      const high = formatQuantity(range.high, `${where}.valueRange.high`);
      return {
        value: `${low?.value ?? ''}–${high?.value ?? ''}`,
        unit: high?.unit ?? low?.unit ?? null,
      };
    }
    const ratio = readObject(resource.valueRatio, `${where}.valueRatio`);
    if (ratio !== undefined) {
      const numerator = formatQuantity(ratio.numerator, `${where}.valueRatio.numerator`);
      const denominator = formatQuantity(ratio.denominator, `${where}.valueRatio.denominator`);
      return {
        value: `${numerator?.value ?? '?'}/${denominator?.value ?? '?'}`,
        unit: numerator?.unit ?? null,
      };
    }
    const period = readPeriod(resource.valuePeriod, `${where}.valuePeriod`);
    if (period.start !== null || period.end !== null)
      return { value: `${period.start ?? ''} – ${period.end ?? ''}`, unit: null };
    const components = readArray(resource.component, `${where}.component`)
      .map((item, i) => {
        const component = readObject(item, `${where}.component[${i}]`);
        if (component === undefined) return null;
        const name = conceptDisplay(readConcept(component.code, `${where}.component[${i}].code`));
        const value = observationValue(component, `${where}.component[${i}]`);
        if (value.value === null) return null;
        return `${name ?? 'value'}: ${value.value}${value.unit === null ? '' : ` ${value.unit}`}`;
      })
      .filter((text): text is string => text !== null);
    return { value: components.length === 0 ? null : components.join('; '), unit: null };
  }

  function mapResource(
    resource: Json,
    resourceType: string,
    position: number,
    where: string,
    fullUrl: string | null,
  ) {
    checkNarrative(resource, where);
    if (resourceType === 'Patient') {
      const name = identityName(resource.name, `${where}.name`);
      const birthDate = readDate(resource.birthDate, `${where}.birthDate`);
      if (name !== null || birthDate !== null) {
        const id =
          typeof resource.id === 'string' ? `Patient/${resource.id}` : `Patient (${where})`;
        const duplicate = identities.some(
          (identity) => identity.name === name && identity.birthDate === birthDate,
        );
        if (!duplicate) identities.push({ name, birthDate, foundIn: `${foundIn} ${id}` });
      }
      return;
    }
    if (resourceType === 'Organization') {
      organizations.push(resource);
      return;
    }
    if (resourceType === 'Composition') {
      compositions.push({ resource, fullUrl });
      return;
    }
    const subject = readObject(resource.subject ?? resource.patient, `${where}.subject`);
    const subjectName = readString(subject?.display, `${where}.subject.display`)?.trim();
    if (subjectName !== undefined && subjectName !== '' && !subjectNames.includes(subjectName))
      subjectNames.push(subjectName);

    switch (resourceType) {
      case 'Condition': {
        if (isEnteredInError(resource, where)) return;
        const key = itemKey(resource, resourceType, position);
        const concept = readConcept(resource.code, `${where}.code`);
        const abatement = readPeriod(resource.abatementPeriod, `${where}.abatementPeriod`);
        items.push({
          ordinal: position,
          item: {
            ...base(
              resource,
              key,
              conceptDisplay(concept),
              concept.codings,
              readDate(resource.onsetDateTime, `${where}.onsetDateTime`) ??
                readPeriod(resource.onsetPeriod, `${where}.onsetPeriod`).start ??
                readDate(resource.recordedDate, `${where}.recordedDate`),
            ),
            type: 'condition',
            clinicalStatus: firstCode(
              readConcept(resource.clinicalStatus, `${where}.clinicalStatus`),
            ),
            abatementDate:
              readDate(resource.abatementDateTime, `${where}.abatementDateTime`) ??
              abatement.end ??
              abatement.start,
          },
        });
        return;
      }
      case 'AllergyIntolerance': {
        if (isEnteredInError(resource, where)) return;
        const key = itemKey(resource, resourceType, position);
        const concept = readConcept(resource.code, `${where}.code`);
        const reactions: string[] = [];
        readArray(resource.reaction, `${where}.reaction`).forEach((item, i) => {
          const reaction = readObject(item, `${where}.reaction[${i}]`);
          readArray(reaction?.manifestation, `${where}.reaction[${i}].manifestation`).forEach(
            (manifestation, k) => {
              const text = conceptDisplay(
                readConcept(manifestation, `${where}.reaction[${i}].manifestation[${k}]`),
              );
              if (text !== null && !reactions.includes(text)) reactions.push(text);
            },
          );
        });
        const category = readArray(resource.category, `${where}.category`)
          .map((value, i) => readString(value, `${where}.category[${i}]`))
          .find((value) => value !== undefined);
        items.push({
          ordinal: position,
          item: {
            ...base(
              resource,
              key,
              conceptDisplay(concept),
              concept.codings,
              readDate(resource.onsetDateTime, `${where}.onsetDateTime`) ??
                readPeriod(resource.onsetPeriod, `${where}.onsetPeriod`).start ??
                readDate(resource.recordedDate, `${where}.recordedDate`) ??
                // STU3's name for recordedDate, still written by older exporters (Synthea 2019).
                readDate(resource.assertedDate, `${where}.assertedDate`),
            ),
            type: 'allergy',
            category: category ?? null,
            clinicalStatus: firstCode(
              readConcept(resource.clinicalStatus, `${where}.clinicalStatus`),
            ),
            criticality: readString(resource.criticality, `${where}.criticality`) ?? null,
            reactions,
          },
        });
        return;
      }
      case 'MedicationRequest':
      case 'MedicationStatement': {
        if (isEnteredInError(resource, where)) return;
        const key = itemKey(resource, resourceType, position);
        const reference = readObject(resource.medicationReference, `${where}.medicationReference`);
        const target = readString(reference?.reference, `${where}.medicationReference.reference`);
        if (target !== undefined && !target.startsWith('#'))
          pending.push({ ordinal: position, key, resource, where });
        else mapMedication(key, position, resource, where);
        return;
      }
      case 'Observation': {
        if (isEnteredInError(resource, where) || resource.status === 'cancelled') return;
        const key = itemKey(resource, resourceType, position);
        const concept = readConcept(resource.code, `${where}.code`);
        const category = readArray(resource.category, `${where}.category`)
          .map((value, i) => firstCode(readConcept(value, `${where}.category[${i}]`)))
          .find((code) => code !== null);
        const value = observationValue(resource, where);
        items.push({
          ordinal: position,
          item: {
            ...base(
              resource,
              key,
              conceptDisplay(concept),
              concept.codings,
              readDate(resource.effectiveDateTime, `${where}.effectiveDateTime`) ??
                readPeriod(resource.effectivePeriod, `${where}.effectivePeriod`).start ??
                readDate(resource.effectiveInstant, `${where}.effectiveInstant`) ??
                readDate(resource.issued, `${where}.issued`),
            ),
            type: 'observation',
            category: category ?? null,
            value: value.value,
            unit: value.unit,
          },
        });
        return;
      }
      case 'Procedure': {
        if (isEnteredInError(resource, where)) return;
        const key = itemKey(resource, resourceType, position);
        const concept = readConcept(resource.code, `${where}.code`);
        items.push({
          ordinal: position,
          item: {
            ...base(
              resource,
              key,
              conceptDisplay(concept),
              concept.codings,
              readDate(resource.performedDateTime, `${where}.performedDateTime`) ??
                readPeriod(resource.performedPeriod, `${where}.performedPeriod`).start,
            ),
            type: 'procedure',
            status: readString(resource.status, `${where}.status`) ?? null,
          },
        });
        return;
      }
      case 'DiagnosticReport':
      case 'DocumentReference': {
        if (isEnteredInError(resource, where)) return;
        mapReport(
          itemKey(resource, resourceType, position),
          position,
          resource,
          where,
          resourceType,
        );
        return;
      }
      default:
        return;
    }
  }

  function addResource(value: unknown, where: string, fullUrl: string | null, depth: number) {
    const resource = readObject(value, where);
    if (resource === undefined) throw new NotFhirError(`${where} is empty.`);
    const resourceType = resource.resourceType;
    if (typeof resourceType !== 'string') throw new NotFhirError(`${where} has no "resourceType".`);
    if (!fhirR4ResourceTypes.has(resourceType))
      throw new NotFhirError(
        `${where} is of type "${resourceType}", which is not a FHIR R4 resource type.`,
      );
    readString(resource.id, `${where}.id`);
    ordinal += 1;
    if (ordinal > maxResources)
      throw new TooManyResourcesError(`The file holds more than ${maxResources} resources.`);
    resourceCounts[resourceType] = (resourceCounts[resourceType] ?? 0) + 1;
    const label = typeof resource.id === 'string' ? `${resourceType}/${resource.id}` : resourceType;
    const at = depth === 0 && where === 'resource' ? label : `${where} (${label})`;

    if (resourceType === 'Bundle') {
      if (depth >= maxBundleDepth) throw new NotFhirError(`${at}: bundles nest too deeply.`);
      const type = readString(resource.type, `${at}.type`);
      if (type === undefined || !bundleTypes.has(type))
        throw new NotFhirError(
          `${at} has no valid Bundle "type" (got ${JSON.stringify(type ?? null)}).`,
        );
      bundleTimestamp ??= readDate(resource.timestamp, `${at}.timestamp`);
      const entries = readArray(resource.entry, `${at}.entry`);
      entries.forEach((item, index) => {
        const entryWhere = depth === 0 ? `entry[${index}]` : `${where}.entry[${index}]`;
        const entry = readObject(item, entryWhere);
        if (entry === undefined) throw new NotFhirError(`${entryWhere} is empty.`);
        const entryUrl = readString(entry.fullUrl, `${entryWhere}.fullUrl`) ?? null;
        if (entry.resource === undefined || entry.resource === null) {
          // A transaction's DELETE or GET and a batch response's outcome carry no resource.
          if (isObject(entry.request) || isObject(entry.response)) return;
          throw new NotFhirError(`${entryWhere} has neither a resource nor a request.`);
        }
        addResource(entry.resource, entryWhere, entryUrl, depth + 1);
      });
      return;
    }
    // Only what references are resolved to is kept, so a large NDJSON file streams through.
    if (referencedTypes.has(resourceType)) index(resource, resourceType, fullUrl);
    mapResource(resource, resourceType, ordinal, at, fullUrl);
  }

  function add(value: unknown, where = 'resource'): RecordRefusal | null {
    if (refusal !== null) return refusal;
    try {
      added = true;
      addResource(value, where, null, 0);
      return null;
    } catch (error) {
      if (error instanceof NotFhirError) {
        refusal = refuseRecord('not_fhir', `This is not a FHIR R4 record: ${error.message}`);
      } else if (error instanceof ActiveContentError) {
        refusal = refuseRecord(
          'active_content',
          `The FHIR record holds active content: ${error.message}`,
        );
      } else if (error instanceof TooManyResourcesError) {
        refusal = refuseRecord('file_too_large', error.message);
      } else {
        throw error;
      }
      return refusal;
    }
  }

  function documentHints(clinical: ClinicalItem[]): FhirDocumentHints {
    const composition = compositions[0]?.resource;
    if (composition !== undefined) {
      const type = readConcept(composition.type, 'Composition.type');
      const title = readString(composition.title, 'Composition.title') ?? '';
      const events = readArray(composition.event, 'Composition.event');
      const eventPeriod = readPeriod(
        readObject(events[0], 'Composition.event[0]')?.period,
        'Composition.event[0].period',
      );
      const custodian = readObject(composition.custodian, 'Composition.custodian');
      const authors = readArray(composition.author, 'Composition.author');
      let source: string | null = null;
      for (const reference of [
        custodian,
        ...authors.map((author, i) => readObject(author, `Composition.author[${i}]`)),
      ]) {
        if (reference === undefined) continue;
        const target = resolve(readString(reference.reference, 'reference'), composition);
        const name =
          (target?.resourceType === 'Organization'
            ? readString(target.name, 'Organization.name')
            : undefined) ??
          (reference === custodian
            ? readString(reference.display, 'Composition.custodian.display')
            : undefined);
        if (name !== undefined && name.trim() !== '') {
          source = name.trim();
          break;
        }
      }
      return {
        kind: documentKindForCodings(type.codings) ?? classifyDocumentTitle(title) ?? 'other',
        dateOfService: eventPeriod.start ?? readDate(composition.date, 'Composition.date'),
        source,
      };
    }
    // A file of reports of one kind is a document of that kind; a file of medication requests
    // alone is a prescription; anything richer (a patient's record) is `other`.
    let kind: DocumentKind = 'other';
    const reportKinds = new Set(
      clinical.map((item) => (item.type === 'report' ? item.kind : null)),
    );
    const [onlyReportKind] = reportKinds;
    if (
      clinical.length > 0 &&
      reportKinds.size === 1 &&
      onlyReportKind !== undefined &&
      onlyReportKind !== null
    )
      kind = onlyReportKind;
    else if (
      clinical.length > 0 &&
      clinical.every((item) => item.type === 'medication') &&
      (resourceCounts.MedicationStatement ?? 0) === 0
    )
      kind = 'prescription';
    const dates = clinical
      .map((item) => item.date)
      .filter((date): date is IsoDate => date !== null)
      .sort();
    const named = organizations
      .map((organization) =>
        typeof organization.name === 'string' ? organization.name.trim() : '',
      )
      .filter((name) => name !== '');
    return {
      kind,
      dateOfService: dates[dates.length - 1] ?? bundleTimestamp,
      source: new Set(named).size === 1 ? named[0]! : null,
    };
  }

  function finish(): FhirImportResult {
    if (refusal !== null) return refusal;
    try {
      for (const medication of pending)
        mapMedication(medication.key, medication.ordinal, medication.resource, medication.where);
      for (const { resource } of compositions) {
        readArray(resource.section, 'Composition.section').forEach((item, i) => {
          const section = readObject(item, `Composition.section[${i}]`);
          const title = readString(section?.title, `Composition.section[${i}].title`);
          const narrative = readObject(section?.text, `Composition.section[${i}].text`);
          const div = readString(narrative?.div, `Composition.section[${i}].text.div`);
          if (div !== undefined && findActiveContent(div) !== null)
            throw new ActiveContentError(
              `Composition.section[${i}] has a narrative with script or markup.`,
            );
          const body = div === undefined ? '' : narrativeToText(div);
          if (body !== '') addText(title === undefined ? body : `${title}\n${body}`);
        });
      }
    } catch (error) {
      if (error instanceof NotFhirError)
        return refuseRecord('not_fhir', `This is not a FHIR R4 record: ${error.message}`);
      if (error instanceof ActiveContentError)
        return refuseRecord(
          'active_content',
          `The FHIR record holds active content: ${error.message}`,
        );
      throw error;
    }
    if (!added) return refuseRecord('not_fhir', 'The file holds no FHIR resource.');
    const clinical = items.sort((a, b) => a.ordinal - b.ordinal).map((entry) => entry.item);
    const patientIdentities =
      identities.length > 0
        ? identities
        : subjectNames
            .slice(0, 5)
            .map((name) => ({ name, birthDate: null, foundIn: `${foundIn} subject reference` }));
    return {
      ok: true,
      condition: 'ready',
      patientIdentities,
      clinical,
      documentHints: documentHints(clinical),
      text: texts.length === 0 ? null : texts.join('\n\n'),
      resourceCounts,
      warnings,
    };
  }

  return { add, finish };
}

/** The resource types references are followed to (medications, their substances, custodians). */
const referencedTypes = new Set(['Medication', 'Substance', 'Organization']);

class ActiveContentError extends Error {}
class TooManyResourcesError extends Error {}

const bundleTypes = new Set([
  'document',
  'message',
  'transaction',
  'transaction-response',
  'batch',
  'batch-response',
  'history',
  'searchset',
  'collection',
]);

/** UTF-8 text of base64 `data`, or null when it is not valid base64 or UTF-8. */
function decodeBase64Utf8(data: string): string | null {
  try {
    const binary = atob(data.replace(/\s+/g, ''));
    const bytes = Uint8Array.from(binary, (character) => character.charCodeAt(0));
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}

/** The import of one parsed JSON value: a Bundle or a single resource. */
export function importFhirResource(json: unknown, options: FhirImportOptions): FhirImportResult {
  const importer = createFhirImporter(options);
  const refused = importer.add(json);
  return refused ?? importer.finish();
}

function corruptImport(message: string): FhirImport {
  return {
    ok: true,
    condition: 'corrupt',
    patientIdentities: [],
    clinical: [],
    documentHints: { kind: 'other', dateOfService: null, source: null },
    text: null,
    resourceCounts: {},
    warnings: [message],
  };
}

/**
 * The import of a FHIR JSON file's text: one JSON value (a Bundle or a resource), or NDJSON (one
 * resource per line). Text that is neither is kept as `corrupt`; script or markup anywhere in it
 * is refused.
 */
export function importFhirJsonText(text: string, options: FhirImportOptions): FhirImportResult {
  const body = text.startsWith('\ufeff') ? text.slice(1) : text;
  const active = findActiveContent(body);
  if (active !== null)
    return refuseRecord(
      'active_content',
      `The FHIR file holds script or markup (${active.slice(0, 40)}).`,
    );
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (error) {
    const lines = body.split(/\r?\n/).filter((line) => line.trim() !== '');
    if (lines.length < 2) return corruptImport(`The JSON does not parse: ${String(error)}`);
    const importer = createFhirImporter(options);
    for (const [index, line] of lines.entries()) {
      let resource: unknown;
      try {
        resource = JSON.parse(line);
      } catch {
        return corruptImport(`Line ${index + 1} of the NDJSON file does not parse.`);
      }
      const refused = importer.add(resource, `line ${index + 1}`);
      if (refused !== null) return refused;
    }
    return importer.finish();
  }
  return importFhirResource(parsed, options);
}
