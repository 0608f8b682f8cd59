import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  createFhirImporter,
  fhirDateToIso,
  importFhirJsonText,
  importFhirResource,
  narrativeToText,
  type FhirImport,
  type FhirImportOptions,
  type FhirImportResult,
} from './fhir-import.ts';
import type { ClinicalItem, ClinicalItemType } from './record-types.ts';

const fixtures = path.resolve(import.meta.dirname, '../../../tests/fixtures/records/fhir');
const documentId = '0b6f1d2e-3c4a-4b5c-8d6e-7f8091a2b3c4';

function readFixture(name: string): unknown {
  return JSON.parse(fs.readFileSync(path.join(fixtures, name), 'utf8'));
}

function imported(result: FhirImportResult): FhirImport {
  if (!result.ok) throw new Error(`refused: ${result.code} ${result.message}`);
  return result;
}

function ofType<T extends ClinicalItemType>(items: ClinicalItem[], type: T) {
  return items.filter((item): item is Extract<ClinicalItem, { type: T }> => item.type === type);
}

/** How many resources of `type` the bundle holds, counted from its raw JSON. */
function countInBundle(bundle: unknown, type: string): number {
  const entries = (bundle as { entry: { resource: { resourceType: string } }[] }).entry;
  return entries.filter((entry) => entry.resource.resourceType === type).length;
}

describe('importFhirResource: Synthea bundles', () => {
  const antonioFile = 'Antonio_Castellanos_6d2eba67-5b4a-403f-a29f-e6da3f1ea963.json';

  it('imports every clinical resource of a transaction bundle with urn:uuid references', () => {
    const bundle = readFixture(antonioFile);
    const result = imported(importFhirResource(bundle, { documentId }));
    expect(ofType(result.clinical, 'condition')).toHaveLength(countInBundle(bundle, 'Condition'));
    expect(ofType(result.clinical, 'medication')).toHaveLength(
      countInBundle(bundle, 'MedicationRequest'),
    );
    expect(ofType(result.clinical, 'observation')).toHaveLength(
      countInBundle(bundle, 'Observation'),
    );
    expect(ofType(result.clinical, 'procedure')).toHaveLength(countInBundle(bundle, 'Procedure'));
    expect(ofType(result.clinical, 'report')).toHaveLength(
      countInBundle(bundle, 'DiagnosticReport'),
    );
    expect(result.resourceCounts.Claim).toBe(countInBundle(bundle, 'Claim'));
    expect(result.patientIdentities).toEqual([
      {
        name: 'Antonio Castellanos',
        birthDate: '1991-06-08',
        foundIn: expect.stringMatching(/^FHIR Patient\//),
      },
    ]);
    expect(result.documentHints).toEqual({
      kind: 'other',
      dateOfService: '2019-08-17',
      source: "SAINT ANNE'S HOSPITAL",
    });
  });

  it('keeps original codes, statuses and dates of conditions and medications', () => {
    const result = imported(importFhirResource(readFixture(antonioFile), { documentId }));
    const hypertension = ofType(result.clinical, 'condition').find((item) =>
      item.codes.some((code) => code.code === '38341003'),
    );
    expect(hypertension).toMatchObject({
      display: 'Hypertension',
      clinicalStatus: 'active',
      date: '2009-08-01',
      abatementDate: null,
      codes: [{ system: 'http://snomed.info/sct', code: '38341003', display: 'Hypertension' }],
    });
    const laceration = ofType(result.clinical, 'condition').find(
      (item) => item.display === 'Laceration of foot',
    );
    expect(laceration).toMatchObject({ clinicalStatus: 'resolved', abatementDate: '2013-01-18' });
    const medications = ofType(result.clinical, 'medication');
    expect(medications.map((item) => [item.ingredients, item.status])).toEqual([
      [['hydrochlorothiazide'], 'active'],
      [['naproxen'], 'stopped'],
    ]);
    expect(medications[1]).toMatchObject({
      codes: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '849574' }],
      frequency: 'as needed',
      date: '2013-01-04',
    });
    const reports = ofType(result.clinical, 'report');
    expect(reports.every((report) => report.kind === 'lab_results')).toBe(true);
  });

  it('reads ingredient names from RxNorm displays of a lifetime record', () => {
    const result = imported(
      importFhirResource(
        readFixture('Max_Kris_f9120576-f949-45de-ae43-c0d902ecb249.trimmed.json'),
        { documentId },
      ),
    );
    const ingredients = ofType(result.clinical, 'medication').flatMap((item) => item.ingredients);
    expect(ingredients).toEqual(
      expect.arrayContaining([
        'verapamil',
        'simvastatin',
        'amiodarone',
        'warfarin',
        'digoxin',
        'clopidogrel',
      ]),
    );
    expect(result.patientIdentities[0]).toMatchObject({
      name: 'Max Kris',
      birthDate: '1920-04-23',
    });
  });

  it('imports allergies with category, criticality and the legal name of the patient', () => {
    const bundle = readFixture('Ima_Reinger_5e72bfb0-2084-4bbf-aa3c-81c4a0c97c72.trimmed.json');
    const result = imported(importFhirResource(bundle, { documentId }));
    const allergies = ofType(result.clinical, 'allergy');
    expect(allergies).toHaveLength(countInBundle(bundle, 'AllergyIntolerance'));
    expect(allergies.find((item) => item.display === 'Shellfish allergy')).toMatchObject({
      category: 'food',
      criticality: 'low',
      clinicalStatus: 'active',
      date: '1991-04-27',
      codes: [{ code: '300913006' }],
    });
    // The official name, not the maiden one.
    expect(result.patientIdentities.map((identity) => identity.name)).toEqual(['Ima Reinger']);
    // Brand packs without strengths state no ingredient; packs with strengths do.
    const yaz = ofType(result.clinical, 'medication').find(
      (item) => item.display === 'Yaz 28 Day Pack',
    );
    expect(yaz?.ingredients).toEqual([]);
  });
});

describe('importFhirResource: FHIR R4 specification examples', () => {
  it('resolves a contained Medication and reads dose and frequency', () => {
    const result = imported(
      importFhirResource(readFixture('MedicationRequest-medrx0302.json'), { documentId }),
    );
    expect(result.clinical).toHaveLength(1);
    expect(result.clinical[0]).toMatchObject({
      type: 'medication',
      display: 'Azithromycin 250mg capsule (product)',
      ingredients: ['azithromycin'],
      status: 'active',
      date: '2015-01-15',
      dose: '2 TAB',
      frequency: 'every day',
      codes: [{ system: 'http://snomed.info/sct', code: '324252006' }],
    });
    expect(result.documentHints.kind).toBe('prescription');
    expect(result.patientIdentities).toEqual([
      { name: 'Donald Duck', birthDate: null, foundIn: 'FHIR subject reference' },
    ]);
  });

  it('reads the ingredients a Medication lists and a statement effective date', () => {
    const result = imported(
      importFhirResource(readFixture('MedicationStatement-example001.json'), { documentId }),
    );
    expect(result.clinical[0]).toMatchObject({
      type: 'medication',
      display: 'Tylenol PM',
      ingredients: ['acetaminophen', 'diphenhydramine'],
      date: '2015-01-23',
      start: '2015-01-23',
      codes: [{ system: 'http://hl7.org/fhir/sid/ndc', code: '50580-506-02' }],
    });
    expect(result.documentHints.kind).toBe('other');
  });

  it('reads a timing code as the frequency', () => {
    const result = imported(
      importFhirResource(readFixture('MedicationRequest-medrx0311.json'), { documentId }),
    );
    expect(result.clinical[0]).toMatchObject({
      ingredients: ['chlorthalidone'],
      frequency: 'QD',
      dose: '1 TAB',
    });
  });

  it('reads conditions and allergies as recorded, reactions included', () => {
    const fever = imported(importFhirResource(readFixture('Condition-f201.json'), { documentId }));
    expect(fever.clinical[0]).toMatchObject({
      type: 'condition',
      display: 'Fever',
      clinicalStatus: 'resolved',
      date: '2013-04-02',
      abatementDate: null,
    });
    const cashew = imported(
      importFhirResource(readFixture('AllergyIntolerance-example.json'), { documentId }),
    );
    expect(cashew.clinical[0]).toMatchObject({
      type: 'allergy',
      display: 'Cashew nuts',
      category: 'food',
      criticality: 'high',
      reactions: ['Anaphylactic reaction', 'Urticaria'],
      // onsetDateTime "2004" is a partial date: the recorded date stands in.
      date: '2014-10-09',
    });
    const penicillin = imported(
      importFhirResource(readFixture('AllergyIntolerance-medication.json'), { documentId }),
    );
    expect(penicillin.clinical[0]).toMatchObject({
      category: 'medication',
      display: 'Penicillin G',
      reactions: ['Hives'],
    });
    const nkda = imported(
      importFhirResource(readFixture('AllergyIntolerance-nkda.json'), { documentId }),
    );
    expect(nkda.clinical[0]).toMatchObject({ display: 'NKDA', codes: [{ code: '409137002' }] });
  });

  it('accepts transaction entries that are requests without a resource', () => {
    const bundle = readFixture('Bundle-bundle-transaction.json');
    const result = imported(importFhirResource(bundle, { documentId }));
    expect(result.resourceCounts.Patient).toBe(
      countInBundle(
        {
          entry: (bundle as { entry: { resource?: unknown }[] }).entry.filter(
            (entry) => entry.resource !== undefined,
          ),
        },
        'Patient',
      ),
    );
    expect(result.patientIdentities.length).toBeGreaterThan(0);
    expect(result.clinical).toEqual([]);
  });

  it('reads the search result bundles nested in a batch response', () => {
    const result = imported(
      importFhirResource(readFixture('Bundle-bundle-response-medsallergies.json'), { documentId }),
    );
    expect(result.resourceCounts.Bundle).toBe(5);
    expect(result.patientIdentities[0]).toMatchObject({
      name: 'Peter James Chalmers',
      birthDate: '1974-12-25',
    });
  });

  it('accepts resources it does not import, yielding no items', () => {
    const result = imported(importFhirResource(readFixture('Claim-100153.json'), { documentId }));
    expect(result.clinical).toEqual([]);
    expect(result.resourceCounts).toEqual({ Claim: 1 });
  });
});

describe('importFhirResource: ids', () => {
  it('gives every item a UUID that depends on the document and the resource only', () => {
    const bundle = readFixture('Antonio_Castellanos_6d2eba67-5b4a-403f-a29f-e6da3f1ea963.json');
    const first = imported(importFhirResource(bundle, { documentId }));
    const again = imported(importFhirResource(bundle, { documentId }));
    const other = imported(
      importFhirResource(bundle, { documentId: 'a1f0c3d2-0000-4000-8000-000000000001' }),
    );
    const ids = first.clinical.map((item) => item.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids)
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(again.clinical.map((item) => item.id)).toEqual(ids);
    expect(other.clinical.map((item) => item.id).some((id) => ids.includes(id))).toBe(false);
    expect(first.clinical.every((item) => item.sourceDocumentId === documentId)).toBe(true);
  });

  it('keeps ids apart when resources repeat an id or have none', () => {
    const condition = { resourceType: 'Condition', id: 'same', code: { text: 'Asthma' } };
    const result = imported(
      importFhirResource(
        {
          resourceType: 'Bundle',
          type: 'collection',
          entry: [
            { resource: condition },
            { resource: condition },
            { resource: { resourceType: 'Condition', code: { text: 'Gout' } } },
          ],
        },
        { documentId },
      ),
    );
    expect(new Set(result.clinical.map((item) => item.id)).size).toBe(3);
  });
});

describe('importFhirResource: what is read, and how', () => {
  const bundle = (...resources: unknown[]) => ({
    resourceType: 'Bundle',
    type: 'collection',
    entry: resources.map((resource, index) => ({
      fullUrl: `urn:uuid:00000000-0000-4000-8000-00000000000${index}`,
      resource,
    })),
  });

  it('resolves a Medication referenced by urn:uuid, whichever comes first', () => {
    const request = {
      resourceType: 'MedicationRequest',
      status: 'active',
      medicationReference: { reference: 'urn:uuid:00000000-0000-4000-8000-000000000001' },
      dosageInstruction: [
        {
          timing: { repeat: { frequency: 2, period: 1, periodUnit: 'd' } },
          doseAndRate: [{ doseQuantity: { value: 500, unit: 'mg' } }],
        },
      ],
      dispenseRequest: { validityPeriod: { start: '2024-01-01', end: '2024-06-30' } },
    };
    const medication = {
      resourceType: 'Medication',
      code: {
        coding: [
          {
            system: 'http://www.nlm.nih.gov/research/umls/rxnorm',
            code: '308191',
            display: 'Amoxicillin 500 MG Oral Capsule',
          },
        ],
      },
    };
    const result = imported(importFhirResource(bundle(request, medication), { documentId }));
    expect(result.clinical[0]).toMatchObject({
      display: 'Amoxicillin 500 MG Oral Capsule',
      ingredients: ['amoxicillin'],
      dose: '500 mg',
      frequency: '2 times per day',
      start: '2024-01-01',
      end: '2024-06-30',
    });
  });

  it('leaves out records entered in error or refuted', () => {
    const result = imported(
      importFhirResource(
        bundle(
          { resourceType: 'Condition', code: { text: 'Kept' } },
          {
            resourceType: 'Condition',
            code: { text: 'Refuted' },
            verificationStatus: { coding: [{ code: 'refuted' }] },
          },
          {
            resourceType: 'MedicationRequest',
            status: 'entered-in-error',
            medicationCodeableConcept: { text: 'x' },
          },
          { resourceType: 'Observation', status: 'cancelled', code: { text: 'y' } },
        ),
        { documentId },
      ),
    );
    expect(result.clinical.map((item) => item.display)).toEqual(['Kept']);
  });

  it('reads observation values of every kind', () => {
    const result = imported(
      importFhirResource(
        bundle(
          {
            resourceType: 'Observation',
            code: { text: 'Hb' },
            category: [{ coding: [{ code: 'laboratory' }] }],
            valueQuantity: { value: 13.2, unit: 'g/dL' },
            effectiveDateTime: '2024-02-03T08:00:00Z',
          },
          {
            resourceType: 'Observation',
            code: { text: 'Smoking' },
            valueCodeableConcept: {
              coding: [{ system: 'http://snomed.info/sct', code: '8517006', display: 'Ex-smoker' }],
            },
          },
          {
            resourceType: 'Observation',
            code: { text: 'BP' },
            component: [
              { code: { text: 'Systolic' }, valueQuantity: { value: 120, unit: 'mm[Hg]' } },
              { code: { text: 'Diastolic' }, valueQuantity: { value: 80, unit: 'mm[Hg]' } },
            ],
          },
          {
            resourceType: 'Observation',
            code: { text: 'Titre' },
            valueRatio: { numerator: { value: 1 }, denominator: { value: 128 } },
          },
          {
            resourceType: 'Observation',
            code: { text: 'Range' },
            valueRange: { low: { value: 2, unit: 'h' }, high: { value: 4, unit: 'h' } },
          },
        ),
        { documentId },
      ),
    );
    expect(
      ofType(result.clinical, 'observation').map((item) => [
        item.display,
        item.value,
        item.unit,
        item.category,
        item.date,
      ]),
    ).toEqual([
      ['Hb', '13.2', 'g/dL', 'laboratory', '2024-02-03'],
      ['Smoking', 'Ex-smoker', null, null, null],
      ['BP', 'Systolic: 120 mm[Hg]; Diastolic: 80 mm[Hg]', null, null, null],
      ['Titre', '1/128', null, null, null],
      ['Range', '2–4', 'h', null, null],
    ]);
  });

  it('files reports by LOINC code and category, and reads plain-text attachments', () => {
    const note = Buffer.from('Pathology: benign naevus.', 'utf8').toString('base64');
    const result = imported(
      importFhirResource(
        bundle(
          {
            resourceType: 'DiagnosticReport',
            code: {
              coding: [{ system: 'http://loinc.org', code: '24627-2', display: 'CT Chest' }],
            },
            category: [
              {
                coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0074', code: 'RAD' }],
              },
            ],
            effectivePeriod: { start: '2024-05-01T10:00:00+02:00' },
          },
          {
            resourceType: 'DocumentReference',
            status: 'current',
            type: {
              coding: [{ system: 'http://loinc.org', code: '11526-1', display: 'Pathology study' }],
            },
            context: { period: { start: '2024-04-02' } },
            date: '2024-04-09T00:00:00Z',
            content: [{ attachment: { contentType: 'text/plain; charset=utf-8', data: note } }],
          },
        ),
        { documentId },
      ),
    );
    expect(
      ofType(result.clinical, 'report').map((item) => [item.display, item.kind, item.date]),
    ).toEqual([
      ['CT Chest', 'imaging_report', '2024-05-01'],
      ['Pathology study', 'pathology_report', '2024-04-02'],
    ]);
    expect(result.text).toBe('Pathology: benign naevus.');
  });

  it('takes a document bundle’s kind, date, source and text from its Composition', () => {
    const result = imported(
      importFhirResource(
        {
          resourceType: 'Bundle',
          type: 'document',
          entry: [
            {
              fullUrl: 'urn:uuid:c0000000-0000-4000-8000-000000000001',
              resource: {
                resourceType: 'Composition',
                status: 'final',
                type: { coding: [{ system: 'http://loinc.org', code: '18842-5' }] },
                date: '2024-03-09',
                title: 'Discharge',
                event: [{ period: { start: '2024-03-01', end: '2024-03-08' } }],
                custodian: { reference: 'urn:uuid:c0000000-0000-4000-8000-000000000002' },
                section: [
                  {
                    title: 'Hospital course',
                    text: {
                      status: 'generated',
                      div: '<div xmlns="http://www.w3.org/1999/xhtml"><p>Uneventful &amp; brief.</p><table><tr><td>a</td><td>b</td></tr></table></div>',
                    },
                  },
                ],
              },
            },
            {
              fullUrl: 'urn:uuid:c0000000-0000-4000-8000-000000000002',
              resource: { resourceType: 'Organization', name: 'Riverside General' },
            },
          ],
        },
        { documentId },
      ),
    );
    expect(result.documentHints).toEqual({
      kind: 'discharge_summary',
      dateOfService: '2024-03-01',
      source: 'Riverside General',
    });
    expect(result.text).toBe('Hospital course\nUneventful & brief.\na\tb');
  });

  it('reads NDJSON line by line, and keeps unparseable JSON as corrupt', () => {
    const ndjson = [
      JSON.stringify({
        resourceType: 'Patient',
        id: 'p',
        name: [{ family: 'Roe', given: ['Jan'] }],
        birthDate: '1970-01-01',
      }),
      JSON.stringify({ resourceType: 'Condition', id: 'c', code: { text: 'Asthma' } }),
      '',
    ].join('\n');
    const result = imported(importFhirJsonText(ndjson, { documentId }));
    expect(result.patientIdentities).toEqual([
      { name: 'Jan Roe', birthDate: '1970-01-01', foundIn: 'FHIR Patient/p' },
    ]);
    expect(result.clinical.map((item) => item.display)).toEqual(['Asthma']);
    const truncated = imported(
      importFhirJsonText('{"resourceType":"Bundle","type":"collection","entry":[', { documentId }),
    );
    expect(truncated.condition).toBe('corrupt');
    expect(truncated.clinical).toEqual([]);
  });

  it('streams resources through createFhirImporter in any order', () => {
    const importer = createFhirImporter({ documentId });
    expect(
      importer.add(
        {
          resourceType: 'MedicationStatement',
          status: 'active',
          medicationReference: { reference: 'Medication/m1' },
        },
        'line 1',
      ),
    ).toBeNull();
    expect(
      importer.add(
        { resourceType: 'Medication', id: 'm1', code: { text: 'Metformin 500 MG Oral Tablet' } },
        'line 2',
      ),
    ).toBeNull();
    const result = imported(importer.finish());
    expect(result.clinical[0]).toMatchObject({
      display: 'Metformin 500 MG Oral Tablet',
      ingredients: ['metformin'],
    });
  });
});

describe('importFhirResource: refusals', () => {
  const refusal = (json: unknown, options: FhirImportOptions = { documentId }) => {
    const result = importFhirResource(json, options);
    return result.ok ? 'imported' : result.code;
  };

  it('refuses JSON that is not FHIR R4', () => {
    expect(refusal({ resourceType: 'Banana' })).toBe('not_fhir');
    expect(refusal({ name: 'x' })).toBe('not_fhir');
    expect(refusal([])).toBe('not_fhir');
    expect(refusal('Patient')).toBe('not_fhir');
    expect(refusal({ resourceType: 'Bundle', entry: [] })).toBe('not_fhir');
    expect(refusal({ resourceType: 'Bundle', type: 'shopping-list', entry: [] })).toBe('not_fhir');
    expect(refusal({ resourceType: 'Bundle', type: 'collection', entry: {} })).toBe('not_fhir');
    expect(
      refusal({ resourceType: 'Bundle', type: 'collection', entry: [{ fullUrl: 'urn:uuid:x' }] }),
    ).toBe('not_fhir');
    expect(
      refusal({ resourceType: 'Bundle', type: 'collection', entry: [{ resource: 'Patient' }] }),
    ).toBe('not_fhir');
    expect(
      refusal({
        resourceType: 'Bundle',
        type: 'collection',
        entry: [{ resource: { resourceType: 'Nope' } }],
      }),
    ).toBe('not_fhir');
  });

  it('refuses elements of the wrong JSON type among those it reads, naming where', () => {
    const result = importFhirResource(
      {
        resourceType: 'Bundle',
        type: 'collection',
        entry: [{ resource: { resourceType: 'Condition', id: 'c1', code: 'diabetes' } }],
      },
      { documentId },
    );
    expect(result).toEqual({
      ok: false,
      code: 'not_fhir',
      message: 'This is not a FHIR R4 record: entry[0] (Condition/c1).code must be a JSON object.',
    });
    expect(refusal({ resourceType: 'MedicationRequest', status: 7 })).toBe('not_fhir');
    expect(refusal({ resourceType: 'Observation', valueQuantity: { value: '12' } })).toBe(
      'not_fhir',
    );
    expect(refusal({ resourceType: 'Patient', id: 12 })).toBe('not_fhir');
  });

  it('refuses a narrative that carries script', () => {
    expect(
      refusal({
        resourceType: 'Condition',
        text: {
          status: 'generated',
          div: '<div xmlns="http://www.w3.org/1999/xhtml"><script>x()</script></div>',
        },
      }),
    ).toBe('active_content');
    expect(
      importFhirJsonText(
        '{"resourceType":"Patient","text":{"div":"\\u003cscript\\u003ex()\\u003c/script\\u003e"}}',
        { documentId },
      ),
    ).toMatchObject({
      ok: false,
      code: 'active_content',
    });
  });

  it('refuses more resources than allowed', () => {
    const entry = Array.from({ length: 11 }, () => ({ resource: { resourceType: 'Basic' } }));
    expect(
      refusal(
        { resourceType: 'Bundle', type: 'collection', entry },
        { documentId, maxResources: 10 },
      ),
    ).toBe('file_too_large');
  });
});

describe('fhirDateToIso and narrativeToText', () => {
  it('keeps the calendar date a value states', () => {
    expect(fhirDateToIso('2012-05-24')).toBe('2012-05-24');
    expect(fhirDateToIso('1938-07-16T02:39:21+00:00')).toBe('1938-07-16');
    expect(fhirDateToIso('2004')).toBeNull();
    expect(fhirDateToIso('2004-06')).toBeNull();
    expect(fhirDateToIso('2023-02-29')).toBeNull();
    expect(fhirDateToIso(undefined)).toBeNull();
  });

  it('turns XHTML into lines of text', () => {
    expect(
      narrativeToText('<div><p>A &lt; B</p><ul><li>one</li><li>two&#x2013;three</li></ul></div>'),
    ).toBe('A < B\none\ntwo–three');
  });
});
