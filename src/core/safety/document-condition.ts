/**
 * Documents nobody can use as they are (PRODUCT.md capability 2–3): a file that could not be read
 * (`corrupt`) or is locked with a password (`encrypted`) is a `blocker` — the reviewer cannot see
 * it, and only the patient can send a readable copy; an exact duplicate of another document of
 * the case (same SHA-256 digest, `duplicateOf` set by ingestion) is `info`: nothing is lost, the
 * copy is simply not shown twice.
 */
import type { RecordDocument } from '../records/record-types.ts';
import { fingerprintOf, type Finding } from './finding.ts';
import type { SafetyNetInput } from './safety-input.ts';

function unreadableFinding(document: RecordDocument): Finding | null {
  const source = {
    type: 'document',
    documentId: document.id,
    displayName: document.displayName,
  } as const;
  switch (document.condition) {
    case 'ready':
      return null;
    case 'corrupt':
      return {
        rule: 'unreadable_document',
        severity: 'blocker',
        fingerprint: fingerprintOf('unreadable_document', [document.id]),
        patientAction: 'reupload',
        patientMessage: `We could not open one of your files, "${document.displayName}". It may be damaged. Please upload it again, or send a new copy from your doctor.`,
        staffMessage: `Document ${document.displayName} (${document.format}, ${document.sizeBytes} bytes) is corrupt: its format was recognised but its content could not be read.`,
        evidence: {
          sources: [source],
          values: {
            condition: document.condition,
            format: document.format,
            sha256: document.sha256,
          },
        },
      };
    case 'encrypted':
      return {
        rule: 'unreadable_document',
        severity: 'blocker',
        fingerprint: fingerprintOf('unreadable_document', [document.id]),
        patientAction: 'reupload',
        patientMessage: `One of your files, "${document.displayName}", is locked with a password, so we cannot read it. Please upload a copy that is not locked.`,
        staffMessage: `Document ${document.displayName} (${document.format}) is encrypted (password-protected); its content cannot be read or checked.`,
        evidence: {
          sources: [source],
          values: {
            condition: document.condition,
            format: document.format,
            sha256: document.sha256,
          },
        },
      };
  }
}

function duplicateFinding(document: RecordDocument, original: RecordDocument | undefined): Finding {
  return {
    rule: 'duplicate_document',
    severity: 'info',
    fingerprint: fingerprintOf('duplicate_document', [document.id]),
    patientAction: 'none',
    patientMessage: `You sent the same file twice: "${document.displayName}". We keep one copy. You do not need to do anything.`,
    staffMessage: `Document ${document.displayName} is an exact copy (same SHA-256) of ${original?.displayName ?? document.duplicateOf!}.`,
    evidence: {
      sources: [
        { type: 'document', documentId: document.id, displayName: document.displayName },
        ...(original === undefined
          ? []
          : [
              {
                type: 'document',
                documentId: original.id,
                displayName: original.displayName,
              } as const,
            ]),
      ],
      values: { duplicateOf: document.duplicateOf, sha256: document.sha256 },
    },
  };
}

/** Corrupt and password-locked documents, and exact duplicates. */
export function checkDocumentConditions(input: SafetyNetInput): Finding[] {
  const byId = new Map(input.documents.map((document) => [document.id, document]));
  const findings: Finding[] = [];
  for (const document of input.documents) {
    const unreadable = unreadableFinding(document);
    if (unreadable !== null) findings.push(unreadable);
    if (document.duplicateOf !== null)
      findings.push(duplicateFinding(document, byId.get(document.duplicateOf)));
  }
  return findings;
}
