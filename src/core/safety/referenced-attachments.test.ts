/**
 * Referenced attachments: phrases that promise a record ("see attached CT images", "pathology
 * report to follow", "biopsy showed …"), the phrases that must not count (negated, planned,
 * hypothetical), and the check against what the case holds.
 */
import { describe, expect, it } from 'vitest';
import {
  buildDocument,
  buildInput,
  buildLabObservation,
  buildReport,
} from './corpus/record-builders.ts';
import {
  checkReferencedAttachments,
  findReference,
  type ReferencedRecordKind,
} from './referenced-attachments.ts';

const references: [ReferencedRecordKind, string][] = [
  ['imaging_images', 'Please see attached CT images.'],
  ['imaging_images', 'See the enclosed MRI films for comparison'],
  ['imaging_images', 'The images are on the enclosed disc.'],
  ['imaging_images', 'DICOM images attached'],
  ['imaging_report', 'The MRI report will follow.'],
  ['imaging_report', 'Radiology report attached.'],
  ['imaging_report', 'Please find the enclosed CT report'],
  ['pathology_report', 'Pathology report to follow.'],
  ['pathology_report', 'The histology results are enclosed'],
  ['pathology_report', 'Biopsy showed invasive ductal carcinoma.'],
  ['pathology_report', 'A core biopsy of the left breast on 12 March revealed a grade 2 tumour'],
  ['pathology_report', 'The biopsy was positive for adenocarcinoma'],
  ['pathology_report', 'Histology confirmed squamous cell carcinoma'],
  ['lab_results', 'Lab results attached.'],
  ['lab_results', 'Blood tests are enclosed'],
  ['lab_results', 'Please see the attached labs'],
  ['lab_results', 'Laboratory results to follow'],
];

const nonReferences: [ReferencedRecordKind, string][] = [
  ['imaging_images', 'No images attached.'],
  ['imaging_images', 'The images are not attached; they are on the hospital PACS.'],
  ['imaging_images', 'CT of the chest showed no nodules.'],
  ['imaging_report', 'An MRI is planned.'],
  ['pathology_report', 'No biopsy was performed.'],
  ['pathology_report', 'A biopsy is planned next week.'],
  ['pathology_report', 'If the biopsy shows cancer we will refer her.'],
  ['pathology_report', 'Biopsy was not performed because imaging showed a simple cyst.'],
  ['pathology_report', 'Biopsy recommended.'],
  ['pathology_report', 'Awaiting biopsy results.'],
  ['pathology_report', 'Sentinel node biopsy and radiotherapy are proposed.'],
  ['lab_results', 'Labs were normal in March.'],
  ['lab_results', 'Blood pressure 120/80, tests pending.'],
  ['lab_results', 'Without lab results attached we cannot judge.'],
];

describe('findReference', () => {
  it.each(references)('finds a reference to %s in "%s"', (kind, text) => {
    expect(findReference(text, kind)).not.toBeNull();
  });

  it.each(nonReferences)('finds no reference to %s in "%s"', (kind, text) => {
    expect(findReference(text, kind)).toBeNull();
  });

  it('returns the sentence that refers, in folded form', () => {
    expect(
      findReference('Dear colleague. Biopsy showed carcinoma. Regards.', 'pathology_report'),
    ).toBe('biopsy showed carcinoma');
  });

  it('does not end a sentence at a decimal point', () => {
    expect(findReference('Tumour 2.1 cm, see attached CT images', 'imaging_images')).toBe(
      'tumour 2.1 cm, see attached ct images',
    );
  });
});

describe('checkReferencedAttachments', () => {
  const letter = buildDocument({
    id: 'letter',
    kind: 'clinic_letter',
    date: '2026-11-01',
    text: 'Thank you for seeing her. Biopsy showed carcinoma. See attached CT images.',
  });

  it('raises one warning per document and kind referenced but absent', () => {
    const findings = checkReferencedAttachments(buildInput({ documents: [letter] }));
    expect(findings.map((finding) => [finding.fingerprint, finding.severity])).toEqual([
      ['referenced_attachment_missing|letter|imaging_images', 'warning'],
      ['referenced_attachment_missing|letter|pathology_report', 'warning'],
    ]);
    expect(findings[1]!.evidence.values.excerpt).toBe('biopsy showed carcinoma');
    expect(findings[1]!.patientMessage).toContain('a pathology report');
  });

  it('raises nothing when the case holds the record, as a document or an imported report', () => {
    const pathology = buildDocument({ id: 'p', kind: 'pathology_report', date: '2026-10-01' });
    const study = buildReport({
      id: 'r',
      sourceDocumentId: 'f',
      date: '2026-10-01',
      display: 'CT',
      kind: 'imaging_study',
    });
    expect(
      checkReferencedAttachments(buildInput({ documents: [letter, pathology], clinical: [study] })),
    ).toEqual([]);
  });

  it('counts laboratory observations as lab results', () => {
    const labs = buildDocument({
      id: 'l',
      kind: 'clinic_letter',
      date: '2026-11-01',
      text: 'Lab results attached.',
    });
    const observation = buildLabObservation({
      id: 'o',
      sourceDocumentId: 'f',
      date: '2026-10-01',
      display: 'Sodium',
      value: '139',
      unit: 'mmol/L',
    });
    expect(checkReferencedAttachments(buildInput({ documents: [labs] }))).toHaveLength(1);
    expect(
      checkReferencedAttachments(buildInput({ documents: [labs], clinical: [observation] })),
    ).toEqual([]);
  });

  it('does not count a present record that cannot be read, and does not read unreadable documents', () => {
    const lockedPathology = buildDocument({
      id: 'p',
      kind: 'pathology_report',
      date: '2026-10-01',
      condition: 'encrypted',
    });
    expect(
      checkReferencedAttachments(buildInput({ documents: [letter, lockedPathology] })),
    ).toHaveLength(2);
    const corruptLetter = { ...letter, condition: 'corrupt' as const };
    expect(checkReferencedAttachments(buildInput({ documents: [corruptLetter] }))).toEqual([]);
  });
});
