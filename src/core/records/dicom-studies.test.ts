import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  dicomDateToIso,
  dicomDocumentKind,
  groupDicomInstances,
  isDicomUid,
  type DicomInstance,
} from './dicom-studies.ts';

function instance(overrides: Partial<DicomInstance>): DicomInstance {
  return {
    studyInstanceUid: '1.2.3',
    seriesInstanceUid: '1.2.3.1',
    sopInstanceUid: '1.2.3.1.1',
    sopClassUid: '1.2.840.10008.5.1.4.1.1.2',
    transferSyntaxUid: '1.2.840.10008.1.2.1',
    modality: 'CT',
    bodyPartExamined: null,
    studyDate: null,
    studyDescription: null,
    seriesDescription: null,
    seriesNumber: null,
    instanceNumber: null,
    patientName: null,
    patientBirthDate: null,
    institutionName: null,
    referringPhysicianName: null,
    rows: null,
    columns: null,
    numberOfFrames: null,
    ...overrides,
  };
}

describe('isDicomUid and dicomDateToIso', () => {
  it('accepts UIDs as PS3.5 section 9.1 writes them', () => {
    expect(isDicomUid('1.2.840.10008.5.1.4.1.1.2')).toBe(true);
    expect(isDicomUid('0.1')).toBe(true);
    expect(isDicomUid('1.02.3')).toBe(false);
    expect(isDicomUid('1..2')).toBe(false);
    expect(isDicomUid('1.2.')).toBe(false);
    expect(isDicomUid('abc')).toBe(false);
    expect(isDicomUid(`1.${'2'.repeat(63)}`)).toBe(false);
    expect(isDicomUid(null)).toBe(false);
  });

  it('reads DA values and refuses impossible ones', () => {
    expect(dicomDateToIso('20040119')).toBe('2004-01-19');
    expect(dicomDateToIso('2004.01.19')).toBe('2004-01-19');
    expect(dicomDateToIso(' 20040119 ')).toBe('2004-01-19');
    expect(dicomDateToIso('20040230')).toBeNull();
    expect(dicomDateToIso('2004')).toBeNull();
    expect(dicomDateToIso('')).toBeNull();
    expect(dicomDateToIso(undefined)).toBeNull();
  });

  it('files structured reports as imaging reports and waveforms as other', () => {
    expect(dicomDocumentKind('CT')).toBe('imaging_study');
    expect(dicomDocumentKind(null)).toBe('imaging_study');
    expect(dicomDocumentKind('SR')).toBe('imaging_report');
    expect(dicomDocumentKind('ECG')).toBe('other');
  });
});

describe('groupDicomInstances', () => {
  it('groups instances into studies and series, counting each instance once', () => {
    const studies = groupDicomInstances([
      instance({
        sopInstanceUid: '1.2.3.1.2',
        instanceNumber: 2,
        bodyPartExamined: 'CHEST',
        studyDate: '2024-03-02',
      }),
      instance({
        sopInstanceUid: '1.2.3.1.1',
        instanceNumber: 1,
        bodyPartExamined: 'CHEST',
        studyDate: '2024-03-01',
        seriesDescription: 'Axial',
      }),
      instance({
        sopInstanceUid: '1.2.3.1.1',
        instanceNumber: 1,
        transferSyntaxUid: '1.2.840.10008.1.2',
      }),
      instance({
        seriesInstanceUid: '1.2.3.2',
        sopInstanceUid: '1.2.3.2.1',
        modality: 'PR',
        seriesNumber: 1,
        studyDescription: 'CT chest',
      }),
      instance({
        studyInstanceUid: '9.9',
        seriesInstanceUid: '9.9.1',
        sopInstanceUid: '9.9.1.1',
        modality: 'MR',
        studyDate: '2023-01-01',
      }),
    ]);
    expect(studies.map((study) => study.studyInstanceUid)).toEqual(['9.9', '1.2.3']);
    const chest = studies[1]!;
    expect(chest).toMatchObject({
      studyDate: '2024-03-01',
      description: 'CT chest',
      modalities: ['CT', 'PR'],
      bodyPart: 'CHEST',
      instanceCount: 3,
    });
    expect(chest.series).toEqual([
      {
        seriesInstanceUid: '1.2.3.2',
        modality: 'PR',
        description: null,
        bodyPart: null,
        instanceCount: 1,
      },
      {
        seriesInstanceUid: '1.2.3.1',
        modality: 'CT',
        description: 'Axial',
        bodyPart: 'CHEST',
        instanceCount: 2,
      },
    ]);
  });

  it('keeps counts consistent for any set of instances', () => {
    const uid = fc.constantFrom('1.1', '1.2', '1.3');
    const anInstance = fc
      .record({ study: uid, series: fc.constantFrom('2.1', '2.2'), sop: fc.nat({ max: 30 }) })
      .map(({ study, series, sop }) =>
        instance({
          studyInstanceUid: study,
          seriesInstanceUid: `${study}.${series}`,
          sopInstanceUid: `3.${sop}`,
        }),
      );
    fc.assert(
      fc.property(fc.array(anInstance, { maxLength: 60 }), (instances) => {
        const studies = groupDicomInstances(instances);
        const distinct = new Set(instances.map((i) => i.sopInstanceUid)).size;
        expect(studies.reduce((sum, study) => sum + study.instanceCount, 0)).toBe(distinct);
        for (const study of studies)
          expect(study.series.reduce((sum, series) => sum + series.instanceCount, 0)).toBe(
            study.instanceCount,
          );
      }),
    );
  });
});
