/**
 * C-CDA documents (HL7 CDA R2 with the C-CDA R2.1 templates) read into the same clinical items as
 * FHIR: the document is converted to a FHIR document bundle and handed to the FHIR import, while
 * the document-level facts are read from the CDA header itself.
 *
 * Header rules (CDA R2 header, C-CDA R2.1 volume 2 section 1):
 * - kind: the LOINC document type in `ClinicalDocument/code`, else the words of its `title`.
 * - date of service: the encounter (`componentOf/encompassingEncounter/effectiveTime`; its end for
 *   a discharge summary, its start otherwise); for summary documents (CCD, patient summary) the
 *   document's own `effectiveTime`, because their service event spans the patient's life;
 *   otherwise the start of `documentationOf/serviceEvent/effectiveTime`; last the document's
 *   `effectiveTime`.
 * - source: the encounter's facility organization, else the author's organization, else the
 *   custodian (`custodian/assignedCustodian/representedCustodianOrganization/name`).
 * - patient identity: `recordTarget/patientRole/patient` (legal name first) and its `birthTime`.
 *
 * Conversion rules, working around what the converter does not read on its own:
 * - sections declared with an "entries optional" template (e.g. Medications 2.16.840.1.113883.10.
 *   20.22.2.1) are read as their "entries required" twin, so entries present are not lost; the
 *   admission and discharge diagnosis sections are read as problem lists, and discharge
 *   medications (C-CDA 4.35 acts wrapping medication activities) as a medications section.
 * - sections the converter cannot read are skipped (each named in a warning), never the document.
 * - a dose keeps the unit the document gave it (none means "each": 2 puffs, 1 tablet); the
 *   converter's blanket `[IU]` is not used.
 * - an allergy's category comes from the C-CDA allergy observation's type (SNOMED CT value, e.g.
 *   416098002 drug allergy) or, failing that, from the allergen's code system (RxNorm, NDF-RT,
 *   NDC mean a medication); the converter's own default is not used.
 * - XML that is not whole (cut off, tags not closed in order; `xml-structure.ts`) or does not
 *   parse is kept as `corrupt`; a ClinicalDocument without the header every
 *   CDA document has (code, effectiveTime, recordTarget) is refused (`not_ccda`).
 */
import { convertCcdaToFhir, convertXmlToCcda, type Ccda } from '@medplum/ccda';
import { findActiveContent } from '../../../core/records/content-sniffing.ts';
import { documentKindForLoinc } from '../../../core/records/document-kinds.ts';
import { createFhirImporter } from '../../../core/records/fhir-import.ts';
import { findXmlStructureError } from '../../../core/records/xml-structure.ts';
import { refuseRecord, type RecordRefusal } from '../../../core/records/record-refusals.ts';
import type {
  ClinicalItem,
  DocumentCondition,
  DocumentKind,
  IsoDate,
  RecordPatientIdentity,
} from '../../../core/records/record-types.ts';
import { classifyDocumentTitle } from '../../../core/records/text-facts.ts';

export interface CcdaImport {
  ok: true;
  condition: DocumentCondition;
  kind: DocumentKind;
  dateOfService: IsoDate | null;
  source: string | null;
  patientIdentities: RecordPatientIdentity[];
  clinical: ClinicalItem[];
  text: string | null;
  warnings: string[];
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The parser gives a single child as an object and repeated ones as an array; this gives a list. */
function list(value: unknown): Json[] {
  if (Array.isArray(value)) return value.filter(isObject);
  return isObject(value) ? [value] : [];
}

function child(value: unknown, ...path: string[]): Json | undefined {
  let current: unknown = value;
  for (const step of path) {
    if (Array.isArray(current)) current = current[0];
    if (!isObject(current)) return undefined;
    current = current[step];
  }
  if (Array.isArray(current)) current = current[0];
  return isObject(current) ? current : undefined;
}

function attribute(value: Json | undefined, name: string): string | undefined {
  const found = value?.[`@_${name}`];
  return typeof found === 'string' ? found : undefined;
}

/** Text content of a parsed element: a string, or `#text` when it has attributes too. */
function textContent(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim() || undefined;
  if (typeof value === 'number') return String(value);
  if (isObject(value)) return textContent(value['#text']);
  if (Array.isArray(value)) return textContent(value[0]);
  return undefined;
}

/** An HL7 TS value (`YYYYMMDDHHMMSS±ZZZZ`) as its calendar date; null when less than a day. */
export function hl7DateToIso(value: string | undefined): IsoDate | null {
  const match = /^(\d{4})(\d{2})(\d{2})/.exec(value?.trim() ?? '');
  if (match === null) return null;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (month < 1 || month > 12 || day < 1) return null;
  if (day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return null;
  return `${match[1]}-${match[2]}-${match[3]}`;
}

/** The date an IVL_TS or TS states: its value, or its low (or high when `end` is asked for). */
function intervalDate(effectiveTime: Json | undefined, end: boolean): IsoDate | null {
  if (effectiveTime === undefined) return null;
  const point = hl7DateToIso(attribute(effectiveTime, 'value'));
  if (point !== null) return point;
  const low = hl7DateToIso(attribute(child(effectiveTime, 'low'), 'value'));
  const high = hl7DateToIso(attribute(child(effectiveTime, 'high'), 'value'));
  return end ? (high ?? low) : (low ?? high);
}

/** LOINC document codes of summaries whose service event spans a lifetime (CCD, patient summary). */
const summaryDocumentCodes = new Set(['34133-9', '60591-5']);

function organizationName(organization: Json | undefined): string | null {
  const name = textContent(organization?.name);
  return name === undefined ? null : name.replace(/\s+/g, ' ').trim() || null;
}

function personName(name: Json): string | null {
  const given = (Array.isArray(name.given) ? name.given : [name.given])
    .map(textContent)
    .filter((part): part is string => part !== undefined);
  const family = (Array.isArray(name.family) ? name.family : [name.family])
    .map(textContent)
    .filter((part): part is string => part !== undefined);
  const parts = [...given, ...family];
  if (parts.length > 0) return parts.join(' ');
  return textContent(name) ?? null;
}

function headerIdentities(header: Json): RecordPatientIdentity[] {
  const identities: RecordPatientIdentity[] = [];
  for (const target of list(header.recordTarget)) {
    const patient = child(target, 'patientRole', 'patient');
    if (patient === undefined) continue;
    const names = list(patient.name);
    const legal = names.find((name) => attribute(name, 'use') === 'L') ?? names[0];
    const name = legal === undefined ? null : personName(legal);
    const birthDate = hl7DateToIso(attribute(child(patient, 'birthTime'), 'value'));
    if (name !== null || birthDate !== null)
      identities.push({ name, birthDate, foundIn: 'C-CDA recordTarget' });
  }
  return identities;
}

function headerFacts(header: Json): {
  kind: DocumentKind;
  dateOfService: IsoDate | null;
  source: string | null;
} {
  const code = attribute(child(header, 'code'), 'code') ?? '';
  const title = textContent(header.title) ?? '';
  const kind = documentKindForLoinc(code) ?? classifyDocumentTitle(title) ?? 'other';
  const encounter = child(header, 'componentOf', 'encompassingEncounter');
  const documentDate = intervalDate(child(header, 'effectiveTime'), false);
  const encounterDate = intervalDate(
    child(encounter, 'effectiveTime'),
    kind === 'discharge_summary',
  );
  const serviceDate = intervalDate(
    child(header, 'documentationOf', 'serviceEvent', 'effectiveTime'),
    false,
  );
  const dateOfService =
    encounterDate ??
    (summaryDocumentCodes.has(code) ? documentDate : (serviceDate ?? documentDate));
  const source =
    organizationName(
      child(encounter, 'location', 'healthCareFacility', 'serviceProviderOrganization'),
    ) ??
    list(header.author)
      .map((author) => organizationName(child(author, 'assignedAuthor', 'representedOrganization')))
      .find((name) => name !== null) ??
    organizationName(
      child(header, 'custodian', 'assignedCustodian', 'representedCustodianOrganization'),
    );
  return { kind, dateOfService, source };
}

/** "Entries optional" section templates and the "entries required" twin the converter reads. */
const sectionTemplateTwins: Readonly<Record<string, string>> = {
  '2.16.840.1.113883.10.20.22.2.1': '2.16.840.1.113883.10.20.22.2.1.1', // Medications
  '2.16.840.1.113883.10.20.22.2.3': '2.16.840.1.113883.10.20.22.2.3.1', // Results
  '2.16.840.1.113883.10.20.22.2.4': '2.16.840.1.113883.10.20.22.2.4.1', // Vital signs
  '2.16.840.1.113883.10.20.22.2.7': '2.16.840.1.113883.10.20.22.2.7.1', // Procedures
  '2.16.840.1.113883.10.20.22.2.22': '2.16.840.1.113883.10.20.22.2.22.1', // Encounters
  '2.16.840.1.113883.10.20.22.2.24': '2.16.840.1.113883.10.20.22.2.5.1', // Discharge diagnosis
  '2.16.840.1.113883.10.20.22.2.43': '2.16.840.1.113883.10.20.22.2.5.1', // Admission diagnosis
};

/** Section templates the converter reads as they are (the first of a section's ids counts). */
const convertedTemplates = new Set([
  ...Object.values(sectionTemplateTwins),
  '2.16.840.1.113883.10.20.22.2.2',
  '2.16.840.1.113883.10.20.22.2.2.1',
  '2.16.840.1.113883.10.20.22.2.5',
  '2.16.840.1.113883.10.20.22.2.5.1',
  '2.16.840.1.113883.10.20.22.2.6',
  '2.16.840.1.113883.10.20.22.2.6.1',
]);

const dischargeMedicationTemplates = new Set([
  '2.16.840.1.113883.10.20.22.2.11',
  '2.16.840.1.113883.10.20.22.2.11.1',
]);
const medicationsTemplate = '2.16.840.1.113883.10.20.22.2.1.1';

function sectionsOf(ccda: Json): Json[] {
  return list(child(ccda, 'component', 'structuredBody')?.component).flatMap((component) =>
    list(component.section),
  );
}

/** Rewrites section templates and discharge medication entries as the module comment says. */
function normaliseSections(ccda: Json) {
  for (const section of sectionsOf(ccda)) {
    const roots = list(section.templateId).map((id) => attribute(id, 'root') ?? '');
    if (roots.some((root) => dischargeMedicationTemplates.has(root))) {
      section.templateId = [{ '@_root': medicationsTemplate }];
      section.entry = list(section.entry).flatMap((entry) => {
        const wrapped = list(entry.act).flatMap((act) =>
          list(act.entryRelationship).flatMap((relationship) =>
            list(relationship.substanceAdministration),
          ),
        );
        return wrapped.length > 0 ? [{ substanceAdministration: wrapped }] : [entry];
      });
      continue;
    }
    const known = roots.find((root) => convertedTemplates.has(root));
    const twin = roots.map((root) => sectionTemplateTwins[root]).find((root) => root !== undefined);
    const chosen = known ?? twin;
    if (chosen !== undefined)
      section.templateId = [{ '@_root': chosen }, ...list(section.templateId)];
  }
}

/** SNOMED CT allergy types (C-CDA value set 2.16.840.1.113883.3.88.12.3221.6.2) → FHIR category. */
const allergyTypeCategories: Readonly<Record<string, string>> = {
  '419511003': 'medication', // Propensity to adverse reactions to drug
  '416098002': 'medication', // Allergy to drug
  '59037007': 'medication', // Intolerance to drug
  '414285001': 'food', // Allergy to food
  '235719002': 'food', // Intolerance to food
  '418471000': 'food', // Propensity to adverse reactions to food
  '426232007': 'environment', // Environmental allergy
};

/** Code systems of medications (RxNorm, NDF-RT, MED-RT, NDC), as OIDs and as FHIR URLs. */
const medicationSystems = [
  '2.16.840.1.113883.6.88',
  '2.16.840.1.113883.3.26.1.5',
  '2.16.840.1.113883.6.345',
  '2.16.840.1.113883.6.69',
  'rxnorm',
  'ndfrt',
  'med-rt',
  'medrt',
  '/ndc',
];

function isMedicationSystem(system: string | undefined): boolean {
  const lower = (system ?? '').toLowerCase();
  return medicationSystems.some((known) => lower.includes(known));
}

/** Allergen code → category, from each allergy observation's type (see the module comment). */
function allergyCategories(ccda: Json): Map<string, string | null> {
  const categories = new Map<string, string | null>();
  const visit = (node: unknown) => {
    if (Array.isArray(node)) {
      for (const item of node) visit(item);
      return;
    }
    if (!isObject(node)) return;
    const roots = list(node.templateId).map((id) => attribute(id, 'root'));
    if (roots.includes('2.16.840.1.113883.10.20.22.4.7')) {
      const allergen = child(node, 'participant', 'participantRole', 'playingEntity', 'code');
      const code = attribute(allergen, 'code');
      if (code !== undefined) {
        const type = attribute(child(node, 'value'), 'code') ?? '';
        const category =
          allergyTypeCategories[type] ??
          (isMedicationSystem(attribute(allergen, 'codeSystem')) ? 'medication' : null);
        categories.set(code, category);
      }
    }
    for (const value of Object.values(node)) visit(value);
  };
  visit(ccda.component);
  return categories;
}

/** Sections the converter turns into MedicationRequests (medications, plan of treatment). */
const medicationRequestSections = new Set([medicationsTemplate, '2.16.840.1.113883.10.20.22.2.10']);

/**
 * The unit of each medication's doseQuantity, in the order the converter meets them (it writes
 * `[IU]` for every dose, whatever the document said).
 */
function medicationDoseUnits(ccda: Json): (string | null)[] {
  return sectionsOf(ccda)
    .filter((section) =>
      medicationRequestSections.has(attribute(list(section.templateId)[0], 'root') ?? ''),
    )
    .flatMap((section) => list(section.entry))
    .flatMap((entry) => list(entry.substanceAdministration))
    .map((administration) => attribute(child(administration, 'doseQuantity'), 'unit') ?? null);
}

/** Puts back each dose's own unit (or none, meaning "each") in place of the converter's `[IU]`. */
function restoreDoseUnits(bundle: Json, units: (string | null)[]) {
  const requests = entriesOf(bundle)
    .map((entry) => (isObject(entry) ? entry.resource : undefined))
    .filter(
      (resource): resource is Json =>
        isObject(resource) && resource.resourceType === 'MedicationRequest',
    );
  requests.forEach((request, index) => {
    const unit = requests.length === units.length ? (units[index] ?? null) : null;
    for (const dosage of Array.isArray(request.dosageInstruction)
      ? (request.dosageInstruction as unknown[])
      : []) {
      const doseAndRate =
        isObject(dosage) && Array.isArray(dosage.doseAndRate)
          ? (dosage.doseAndRate as unknown[])
          : [];
      for (const rate of doseAndRate) {
        const quantity = isObject(rate) ? rate.doseQuantity : undefined;
        if (!isObject(quantity)) continue;
        delete quantity.code;
        delete quantity.system;
        if (unit === null) delete quantity.unit;
        else quantity.unit = unit;
      }
    }
  });
}

function entriesOf(bundle: Json): unknown[] {
  return Array.isArray(bundle.entry) ? (bundle.entry as unknown[]) : [];
}

function convertWithFallback(ccda: Ccda, warnings: string[]): Json {
  try {
    return convertCcdaToFhir(ccda, { ignoreUnsupportedSections: true }) as unknown as Json;
  } catch {
    // One section the converter trips over must not cost the others: convert them one by one.
    const components = list(child(ccda, 'component', 'structuredBody')?.component);
    const entries: unknown[] = [];
    const header = {
      ...(ccda as unknown as Json),
      component: { structuredBody: { component: [] } },
    };
    const base = convertCcdaToFhir(header as unknown as Ccda, {
      ignoreUnsupportedSections: true,
    }) as unknown as Json;
    entries.push(...entriesOf(base));
    for (const component of components) {
      const single = { ...header, component: { structuredBody: { component: [component] } } };
      try {
        const converted = convertCcdaToFhir(single as unknown as Ccda, {
          ignoreUnsupportedSections: true,
        }) as unknown as Json;
        const convertedEntries = entriesOf(converted);
        // Every conversion repeats the header resources; keep only the section's own.
        entries.push(
          ...convertedEntries.filter((entry) => {
            const type =
              isObject(entry) && isObject(entry.resource) ? entry.resource.resourceType : '';
            return type !== 'Composition' && type !== 'Patient';
          }),
        );
      } catch {
        const title = textContent(child(component, 'section')?.title) ?? 'untitled';
        warnings.push(`The section "${title}" could not be read and was skipped.`);
      }
    }
    return { resourceType: 'Bundle', type: 'document', entry: entries };
  }
}

/**
 * The C-CDA document in `xml` as clinical items and document facts, or why it is refused. The
 * caller has sniffed it (root `ClinicalDocument` in the CDA namespace, no DOCTYPE).
 */
export function importCcdaXml(
  xml: string,
  options: { documentId: string },
): CcdaImport | RecordRefusal {
  const active = findActiveContent(xml);
  if (active !== null)
    return refuseRecord(
      'active_content',
      `The C-CDA document holds script or markup (${active.slice(0, 40)}).`,
    );
  // Entity declarations can expand without bound; C-CDA documents never carry a DOCTYPE.
  if (/<!DOCTYPE/i.test(xml))
    return refuseRecord(
      'unsupported_type',
      'XML with a document type declaration (DOCTYPE) is not accepted.',
    );
  const structureError = findXmlStructureError(xml);
  if (structureError !== null) return corrupt(`The XML is not whole: ${structureError}.`);
  const warnings: string[] = [];
  let ccda: Ccda;
  try {
    ccda = convertXmlToCcda(xml);
  } catch (error) {
    return corrupt(
      `The XML does not parse (${error instanceof Error ? error.message : String(error)}).`,
    );
  }
  const header = ccda as unknown as Json;
  if (
    !isObject(header) ||
    header.code === undefined ||
    header.effectiveTime === undefined ||
    header.recordTarget === undefined
  )
    return refuseRecord(
      'not_ccda',
      'The ClinicalDocument lacks the header every C-CDA document has (code, effectiveTime, recordTarget).',
    );
  const facts = headerFacts(header);
  const patientIdentities = headerIdentities(header);
  const categories = allergyCategories(header);
  normaliseSections(header);

  let bundle: Json;
  try {
    bundle = convertWithFallback(ccda, warnings);
  } catch (error) {
    return corrupt(
      `The document could not be converted (${error instanceof Error ? error.message : String(error)}).`,
    );
  }
  restoreDoseUnits(bundle, medicationDoseUnits(header));
  for (const entry of entriesOf(bundle)) {
    const resource = isObject(entry) ? entry.resource : undefined;
    if (!isObject(resource) || resource.resourceType !== 'AllergyIntolerance') continue;
    const codings =
      isObject(resource.code) && Array.isArray(resource.code.coding) ? resource.code.coding : [];
    let category: string | null = null;
    for (const coding of codings) {
      if (!isObject(coding)) continue;
      const code = typeof coding.code === 'string' ? coding.code : '';
      category =
        categories.get(code) ??
        (isMedicationSystem(typeof coding.system === 'string' ? coding.system : undefined)
          ? 'medication'
          : null);
      if (category !== null) break;
    }
    if (category === null) delete resource.category;
    else resource.category = [category];
  }

  const importer = createFhirImporter({
    documentId: options.documentId,
    idsByPosition: true,
    foundIn: 'C-CDA',
  });
  const refused = importer.add(bundle);
  const imported = refused ?? importer.finish();
  if (!imported.ok)
    return imported.code === 'active_content'
      ? imported
      : refuseRecord('not_ccda', `The C-CDA document could not be read: ${imported.message}`);
  return {
    ok: true,
    condition: 'ready',
    kind: facts.kind,
    dateOfService: facts.dateOfService,
    source: facts.source,
    patientIdentities,
    clinical: imported.clinical,
    text: imported.text,
    warnings: [...warnings, ...imported.warnings],
  };

  function corrupt(message: string): CcdaImport {
    return {
      ok: true,
      condition: 'corrupt',
      kind: 'other',
      dateOfService: null,
      source: null,
      patientIdentities: [],
      clinical: [],
      text: null,
      warnings: [message],
    };
  }
}
