/** Unreadable documents (corrupt, password-locked) and exact duplicates. */
import { describe, expect, it } from 'vitest';
import { buildDocument, buildInput } from './corpus/record-builders.ts';
import { checkDocumentConditions } from './document-condition.ts';

describe('checkDocumentConditions', () => {
  it('raises nothing for ready, distinct documents', () => {
    const documents = [
      buildDocument({ id: 'a', kind: 'clinic_letter', date: '2026-01-01' }),
      buildDocument({ id: 'b', kind: 'lab_results', date: '2026-01-02' }),
    ];
    expect(checkDocumentConditions(buildInput({ documents }))).toEqual([]);
  });

  it('asks for a new copy of a corrupt document (blocker)', () => {
    const corrupt = buildDocument({
      id: 'c',
      kind: 'pathology_report',
      date: '2026-01-01',
      condition: 'corrupt',
    });
    const [finding] = checkDocumentConditions(buildInput({ documents: [corrupt] }));
    expect(finding).toMatchObject({
      rule: 'unreadable_document',
      severity: 'blocker',
      fingerprint: 'unreadable_document|c',
      patientAction: 'reupload',
    });
    expect(finding!.patientMessage).toMatch(/upload it again/);
    expect(finding!.evidence.values).toMatchObject({ condition: 'corrupt', format: 'pdf' });
  });

  it('asks for an unlocked copy of a password-protected document (blocker)', () => {
    const locked = buildDocument({
      id: 'e',
      kind: 'discharge_summary',
      date: null,
      condition: 'encrypted',
    });
    const [finding] = checkDocumentConditions(buildInput({ documents: [locked] }));
    expect(finding).toMatchObject({ rule: 'unreadable_document', severity: 'blocker' });
    expect(finding!.patientMessage).toMatch(/password/);
    expect(finding!.patientMessage).toMatch(/not locked/);
  });

  it('notes an exact duplicate (info) with both documents as evidence', () => {
    const original = buildDocument({ id: 'a', kind: 'clinic_letter', date: '2026-01-01' });
    const copy = { ...original, id: 'b', duplicateOf: 'a' };
    const [finding] = checkDocumentConditions(buildInput({ documents: [original, copy] }));
    expect(finding).toMatchObject({
      rule: 'duplicate_document',
      severity: 'info',
      fingerprint: 'duplicate_document|b',
      patientAction: 'none',
    });
    expect(
      finding!.evidence.sources.map((source) => source.type === 'document' && source.documentId),
    ).toEqual(['b', 'a']);
  });

  it('still notes a duplicate whose original is no longer in the case', () => {
    const orphan = {
      ...buildDocument({ id: 'b', kind: 'clinic_letter', date: null }),
      duplicateOf: 'gone',
    };
    const [finding] = checkDocumentConditions(buildInput({ documents: [orphan] }));
    expect(finding!.staffMessage).toContain('gone');
    expect(finding!.evidence.sources).toHaveLength(1);
  });
});
