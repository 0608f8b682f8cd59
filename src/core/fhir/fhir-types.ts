/**
 * The FHIR R4 (4.0.1) shapes Consilium writes, and only those: the elements the case export fills,
 * with the code lists of their required bindings spelled out as unions so that the compiler refuses
 * a status the specification does not know. Hand-written rather than generated because core stays
 * free of packages; the test of the export checks that these types are assignable to a complete
 * R4 model, so they cannot drift into something that is not FHIR.
 *
 * Element names, cardinalities and code lists follow https://hl7.org/fhir/R4/ (resource pages and
 * their "Terminology Bindings" tables). JSON representation rules (https://hl7.org/fhir/R4/json.html):
 * absent elements are left out, never `null` or empty arrays.
 */

export interface FhirCoding {
  system: string;
  code: string;
  display?: string;
}

export interface FhirCodeableConcept {
  coding?: FhirCoding[];
  text?: string;
}

export interface FhirIdentifier {
  system: string;
  value: string;
}

/** A literal reference; in the export always the `urn:uuid:` full URL of an entry of the Bundle. */
export interface FhirReference {
  reference: string;
  display?: string;
}

export interface FhirAnnotation {
  /** markdown */
  text: string;
  time?: string;
  authorReference?: FhirReference;
}

/** Narrative (https://hl7.org/fhir/R4/narrative.html): `div` is limited XHTML in its namespace. */
export interface FhirNarrative {
  status: 'generated' | 'extensions' | 'additional' | 'empty';
  div: string;
}

export interface FhirExtension {
  url: string;
  valueString?: string;
  valueBoolean?: boolean;
  valuePositiveInt?: number;
  valueDateTime?: string;
  valueCodeableConcept?: FhirCodeableConcept;
  extension?: FhirExtension[];
}

export interface FhirHumanName {
  use?: 'usual' | 'official' | 'temp' | 'nickname' | 'anonymous' | 'old' | 'maiden';
  text?: string;
  family?: string;
  given?: string[];
}

export interface FhirContactPoint {
  system: 'phone' | 'fax' | 'email' | 'pager' | 'url' | 'sms' | 'other';
  value: string;
}

export interface FhirPatient {
  resourceType: 'Patient';
  id: string;
  identifier?: FhirIdentifier[];
  name: FhirHumanName[];
  telecom?: FhirContactPoint[];
  birthDate?: string;
  managingOrganization?: FhirReference;
}

export interface FhirOrganization {
  resourceType: 'Organization';
  id: string;
  identifier?: FhirIdentifier[];
  active: boolean;
  name: string;
}

export interface FhirPractitioner {
  resourceType: 'Practitioner';
  id: string;
  identifier?: FhirIdentifier[];
  name: FhirHumanName[];
  qualification?: { code: FhirCodeableConcept }[];
}

/** Who asks on the patient's behalf (a proxy): RelatedPerson requires the patient it relates to. */
export interface FhirRelatedPerson {
  resourceType: 'RelatedPerson';
  id: string;
  identifier?: FhirIdentifier[];
  patient: FhirReference;
  name: FhirHumanName[];
}

export interface FhirCondition {
  resourceType: 'Condition';
  id: string;
  identifier?: FhirIdentifier[];
  /** Binding: condition-clinical (required). */
  clinicalStatus?: FhirCodeableConcept;
  /** Binding: condition-ver-status (required). */
  verificationStatus: FhirCodeableConcept;
  code?: FhirCodeableConcept;
  subject: FhirReference;
  recordedDate?: string;
  asserter?: FhirReference;
  note?: FhirAnnotation[];
}

/** request-status (https://hl7.org/fhir/R4/valueset-request-status.html). */
export type FhirRequestStatus =
  'draft' | 'active' | 'on-hold' | 'revoked' | 'completed' | 'entered-in-error' | 'unknown';

/** request-priority (https://hl7.org/fhir/R4/valueset-request-priority.html). */
export type FhirRequestPriority = 'routine' | 'urgent' | 'asap' | 'stat';

export interface FhirServiceRequest {
  resourceType: 'ServiceRequest';
  id: string;
  identifier?: FhirIdentifier[];
  status: FhirRequestStatus;
  intent:
    | 'proposal'
    | 'plan'
    | 'directive'
    | 'order'
    | 'original-order'
    | 'reflex-order'
    | 'filler-order'
    | 'instance-order'
    | 'option';
  priority?: FhirRequestPriority;
  code?: FhirCodeableConcept;
  subject: FhirReference;
  authoredOn?: string;
  requester?: FhirReference;
  performer?: FhirReference[];
  reasonCode?: FhirCodeableConcept[];
  reasonReference?: FhirReference[];
  supportingInfo?: FhirReference[];
  note?: FhirAnnotation[];
}

/** task-status (https://hl7.org/fhir/R4/valueset-task-status.html). */
export type FhirTaskStatus =
  | 'draft'
  | 'requested'
  | 'received'
  | 'accepted'
  | 'rejected'
  | 'ready'
  | 'cancelled'
  | 'in-progress'
  | 'on-hold'
  | 'failed'
  | 'completed'
  | 'entered-in-error';

export interface FhirTask {
  resourceType: 'Task';
  id: string;
  identifier?: FhirIdentifier[];
  basedOn?: FhirReference[];
  status: FhirTaskStatus;
  statusReason?: FhirCodeableConcept;
  businessStatus?: FhirCodeableConcept;
  intent: 'unknown' | 'proposal' | 'plan' | 'order' | 'original-order' | 'reflex-order';
  priority?: FhirRequestPriority;
  code?: FhirCodeableConcept;
  focus?: FhirReference;
  for?: FhirReference;
  authoredOn?: string;
  lastModified?: string;
  requester?: FhirReference;
  owner?: FhirReference;
  reasonReference?: FhirReference;
  output?: { type: FhirCodeableConcept; valueReference: FhirReference }[];
}

export interface FhirMedicationStatement {
  resourceType: 'MedicationStatement';
  id: string;
  status:
    | 'active'
    | 'completed'
    | 'entered-in-error'
    | 'intended'
    | 'stopped'
    | 'on-hold'
    | 'unknown'
    | 'not-taken';
  medicationCodeableConcept: FhirCodeableConcept;
  subject: FhirReference;
  dateAsserted?: string;
  informationSource?: FhirReference;
  dosage?: { text: string }[];
}

export interface FhirAllergyIntolerance {
  resourceType: 'AllergyIntolerance';
  id: string;
  /** Binding: allergyintolerance-clinical (required). */
  clinicalStatus?: FhirCodeableConcept;
  /** Binding: allergyintolerance-verification (required). */
  verificationStatus?: FhirCodeableConcept;
  code: FhirCodeableConcept;
  patient: FhirReference;
  recordedDate?: string;
  asserter?: FhirReference;
  note?: FhirAnnotation[];
  reaction?: {
    manifestation: FhirCodeableConcept[];
    severity?: 'mild' | 'moderate' | 'severe';
  }[];
}

export interface FhirCompositionSection {
  extension?: FhirExtension[];
  title: string;
  code?: FhirCodeableConcept;
  author?: FhirReference[];
  text?: FhirNarrative;
  entry?: FhirReference[];
  section?: FhirCompositionSection[];
}

export interface FhirComposition {
  resourceType: 'Composition';
  id: string;
  extension?: FhirExtension[];
  identifier?: FhirIdentifier;
  /** composition-status (https://hl7.org/fhir/R4/valueset-composition-status.html). */
  status: 'preliminary' | 'final' | 'amended' | 'entered-in-error';
  type: FhirCodeableConcept;
  subject: FhirReference;
  date: string;
  author: FhirReference[];
  title: string;
  /** v3-ConfidentialityClassification (required binding). */
  confidentiality?: 'U' | 'L' | 'M' | 'N' | 'R' | 'V';
  attester?: {
    mode: 'personal' | 'professional' | 'legal' | 'official';
    time?: string;
    party?: FhirReference;
  }[];
  custodian?: FhirReference;
  section?: FhirCompositionSection[];
}

export type FhirResource =
  | FhirPatient
  | FhirOrganization
  | FhirPractitioner
  | FhirRelatedPerson
  | FhirCondition
  | FhirServiceRequest
  | FhirTask
  | FhirMedicationStatement
  | FhirAllergyIntolerance
  | FhirComposition;

export interface FhirBundleEntry {
  fullUrl: string;
  resource: FhirResource;
}

export interface FhirBundle {
  resourceType: 'Bundle';
  id: string;
  identifier: FhirIdentifier;
  type: 'collection';
  timestamp: string;
  entry: FhirBundleEntry[];
}
