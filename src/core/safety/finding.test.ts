/**
 * The finding shape's shared rules: fingerprints that cannot collide, the engine's order
 * (severity, rule, fingerprint) and evidence sources without repeats in a fixed order.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compareFindings,
  compareSeverity,
  fingerprintOf,
  maxSeverity,
  orderSources,
  type EvidenceSource,
  type Finding,
  type FindingRule,
  type FindingSeverity,
} from './finding.ts';

function finding(rule: FindingRule, severity: FindingSeverity, fingerprint: string): Finding {
  return {
    rule,
    severity,
    fingerprint,
    patientAction: 'none',
    patientMessage: '',
    staffMessage: '',
    evidence: { sources: [], values: {} },
  };
}

describe('fingerprintOf', () => {
  it('joins the rule and the parts', () => {
    expect(fingerprintOf('drug_interaction', ['amiodarone', 'simvastatin'])).toBe(
      'drug_interaction|amiodarone|simvastatin',
    );
  });

  it('escapes separators so different parts never give the same fingerprint', () => {
    expect(fingerprintOf('history_gap', ['a|b', 'c'])).not.toBe(
      fingerprintOf('history_gap', ['a', 'b|c']),
    );
    fc.assert(
      fc.property(
        fc.array(fc.string({ maxLength: 6 }), { maxLength: 4 }),
        fc.array(fc.string({ maxLength: 6 }), { maxLength: 4 }),
        (left, right) => {
          fc.pre(JSON.stringify(left) !== JSON.stringify(right));
          expect(fingerprintOf('wrong_patient', left)).not.toBe(
            fingerprintOf('wrong_patient', right),
          );
        },
      ),
    );
  });
});

describe('ordering', () => {
  it('puts blockers first, then rule code, then fingerprint', () => {
    const sorted = [
      finding('duplicate_document', 'info', 'b'),
      finding('history_gap', 'warning', 'a'),
      finding('wrong_patient', 'blocker', 'z'),
      finding('allergy_conflict', 'blocker', 'y'),
      finding('allergy_conflict', 'blocker', 'x'),
    ].sort(compareFindings);
    expect(sorted.map((item) => `${item.severity}:${item.rule}:${item.fingerprint}`)).toEqual([
      'blocker:allergy_conflict:x',
      'blocker:allergy_conflict:y',
      'blocker:wrong_patient:z',
      'warning:history_gap:a',
      'info:duplicate_document:b',
    ]);
  });

  it('knows which severity is more serious', () => {
    expect(compareSeverity('blocker', 'warning')).toBeLessThan(0);
    expect(maxSeverity('info', 'warning')).toBe('warning');
    expect(maxSeverity('blocker', 'info')).toBe('blocker');
  });
});

describe('orderSources', () => {
  it('drops repeats and orders documents, items, intake fields, checklist items', () => {
    const sources: EvidenceSource[] = [
      { type: 'intake', field: 'medications', entry: 'Aspirin' },
      { type: 'checklist', checklist: 'oncology', itemId: 'pathology' },
      { type: 'clinical_item', itemId: 'm1', sourceDocumentId: 'd1', display: 'aspirin' },
      { type: 'document', documentId: 'd2', displayName: 'B' },
      { type: 'document', documentId: 'd1', displayName: 'A' },
      { type: 'intake', field: 'medications', entry: 'Aspirin' },
    ];
    expect(orderSources(sources).map((source) => source.type)).toEqual([
      'document',
      'document',
      'clinical_item',
      'intake',
      'checklist',
    ]);
    expect(orderSources(sources)[0]).toMatchObject({ documentId: 'd1' });
  });
});
