/**
 * The audit hash input: every field of a row, and the link to the previous row, is covered.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  auditEventTypes,
  auditGenesisHash,
  auditHashInput,
  type AuditRowContent,
} from './audit.ts';

const row: AuditRowContent = {
  seq: 7,
  occurredAt: '2026-03-01T12:00:00.000Z',
  organizationId: '11111111-1111-4111-8111-111111111111',
  actorUserId: '22222222-2222-4222-8222-222222222222',
  onBehalfOfUserId: null,
  patientId: '33333333-3333-4333-8333-333333333333',
  eventType: 'patient.read',
  action: 'R',
  outcome: '0',
  entityType: 'Patient',
  entityId: '33333333-3333-4333-8333-333333333333',
  ipAddress: '127.0.0.1',
  userAgent: 'vitest',
  details: { count: 1 },
};

const fields = Object.keys(row) as (keyof AuditRowContent)[];

/** A different value of the same field. */
function changed(field: keyof AuditRowContent, value: unknown): unknown {
  if (field === 'seq') return (value as number) + 1;
  if (field === 'details') return { count: 2 };
  if (value === null) return 'x';
  return `${typeof value === 'string' ? value : JSON.stringify(value)}x`;
}

describe('auditHashInput', () => {
  it.each(fields)('changes when %s changes', (field) => {
    const before = auditHashInput(auditGenesisHash, row);
    const after = auditHashInput(auditGenesisHash, { ...row, [field]: changed(field, row[field]) });
    expect(after).not.toBe(before);
  });

  it('covers every field of the row content', () => {
    const input = auditHashInput(auditGenesisHash, row);
    for (const field of fields) expect(input).toContain(`"${field}":`);
  });

  it('changes when the previous hash changes', () => {
    expect(auditHashInput('a'.repeat(64), row)).not.toBe(auditHashInput('b'.repeat(64), row));
  });

  it('does not depend on the key order of details', () => {
    expect(auditHashInput(auditGenesisHash, { ...row, details: { a: 1, b: [1, 2] } })).toBe(
      auditHashInput(auditGenesisHash, { ...row, details: { b: [1, 2], a: 1 } }),
    );
  });

  it('tells any two different string values of any field apart', () => {
    const stringFields = fields.filter((field) => typeof row[field] === 'string');
    fc.assert(
      fc.property(fc.constantFrom(...stringFields), fc.string(), fc.string(), (field, a, b) => {
        fc.pre(a !== b);
        expect(auditHashInput(auditGenesisHash, { ...row, [field]: a })).not.toBe(
          auditHashInput(auditGenesisHash, { ...row, [field]: b }),
        );
      }),
    );
  });
});

describe('the audit vocabulary', () => {
  it('maps every event type to a FHIR AuditEvent action code', () => {
    for (const action of Object.values(auditEventTypes))
      expect(['C', 'R', 'U', 'D', 'E']).toContain(action);
    expect(auditEventTypes['patient.read']).toBe('R');
    expect(auditGenesisHash).toMatch(/^0{64}$/);
  });
});
