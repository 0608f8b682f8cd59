import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  acceptedAttachmentMediaType,
  acceptsAttachments,
  allowsAttachmentRemoval,
  attachmentFileNameMaxLength,
  attachmentMediaTypeFor,
  attachmentUploadAction,
  fallbackAttachmentFileName,
  normalizeAttachmentDescription,
  sanitizeAttachmentFileName,
} from './attachments.ts';
import { caseStates } from './case-lifecycle.ts';

describe('sanitizeAttachmentFileName', () => {
  it('keeps an ordinary name as it is', () => {
    expect(sanitizeAttachmentFileName('Biopsy report 2026-03-01.pdf')).toBe(
      'Biopsy report 2026-03-01.pdf',
    );
    expect(sanitizeAttachmentFileName('Informe de patología – señora Núñez.pdf')).toBe(
      'Informe de patología – señora Núñez.pdf',
    );
  });

  it('keeps only the last path segment, whatever the separator', () => {
    expect(sanitizeAttachmentFileName('../../etc/passwd')).toBe('passwd');
    expect(sanitizeAttachmentFileName('..\\..\\Windows\\system.ini')).toBe('system.ini');
    expect(sanitizeAttachmentFileName('/var/lib/report.pdf/')).toBe('report.pdf');
    expect(sanitizeAttachmentFileName('..')).toBe(fallbackAttachmentFileName);
    expect(sanitizeAttachmentFileName('../..')).toBe(fallbackAttachmentFileName);
  });

  it('removes control and bidirectional-override characters', () => {
    expect(sanitizeAttachmentFileName('scan\u0000\u0007.png')).toBe('scan.png');
    expect(sanitizeAttachmentFileName('scan\r\n1.png')).toBe('scan 1.png');
    expect(sanitizeAttachmentFileName('invoice\u202Efdp.exe')).toBe('invoicefdp.exe');
    expect(sanitizeAttachmentFileName('a\u0085b.txt')).toBe('ab.txt');
  });

  it('replaces characters Windows refuses, trims dots and spaces, collapses white space', () => {
    expect(sanitizeAttachmentFileName('what?<now>:"x"|*.pdf')).toBe('what__now___x___.pdf');
    expect(sanitizeAttachmentFileName('  .hidden  report . ')).toBe('hidden report');
    expect(sanitizeAttachmentFileName('a\t\tb.pdf')).toBe('a b.pdf');
    expect(sanitizeAttachmentFileName('')).toBe(fallbackAttachmentFileName);
  });

  it('shortens long names to 255 characters and keeps the extension', () => {
    const long = `${'é'.repeat(400)}.pdf`;
    const result = sanitizeAttachmentFileName(long);
    expect(Array.from(result)).toHaveLength(attachmentFileNameMaxLength);
    expect(result.endsWith('.pdf')).toBe(true);
    const emoji = sanitizeAttachmentFileName('😀'.repeat(300));
    expect(Array.from(emoji)).toHaveLength(attachmentFileNameMaxLength);
    expect(emoji).toBe('😀'.repeat(attachmentFileNameMaxLength));
  });

  it('always gives a short, single-segment name without controls (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 600 }), (raw) => {
        const name = sanitizeAttachmentFileName(raw);
        const length = Array.from(name).length;
        expect(length).toBeGreaterThan(0);
        expect(length).toBeLessThanOrEqual(attachmentFileNameMaxLength);
        expect(name).not.toMatch(/[/\\<>:"|?*]/);
        // eslint-disable-next-line no-control-regex
        expect(name).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
        expect(name.startsWith('.')).toBe(false);
        expect(sanitizeAttachmentFileName(name)).toBe(name);
      }),
    );
  });
});

describe('media types', () => {
  it('accepts the listed types, with parameters and in any case', () => {
    expect(acceptedAttachmentMediaType('application/pdf')).toBe('application/pdf');
    expect(acceptedAttachmentMediaType('Text/Plain; charset=utf-8')).toBe('text/plain');
    expect(acceptedAttachmentMediaType('application/dicom')).toBe('application/dicom');
  });

  it('refuses anything a browser could render as active content', () => {
    for (const type of ['text/html', 'image/svg+xml', 'application/xml', 'application/json', ''])
      expect(acceptedAttachmentMediaType(type), type).toBeNull();
  });

  it('judges a file without a browser type by its extension', () => {
    expect(attachmentMediaTypeFor('CT_0001.DCM', '')).toBe('application/dicom');
    expect(attachmentMediaTypeFor('scan.jpeg', '')).toBe('image/jpeg');
    expect(attachmentMediaTypeFor('report.pdf', 'application/pdf')).toBe('application/pdf');
    expect(attachmentMediaTypeFor('page.html', 'text/html')).toBeNull();
    expect(attachmentMediaTypeFor('archive.zip', '')).toBeNull();
  });
});

describe('stages and roles', () => {
  it('takes documents while the intake is written, triaged or records are asked for', () => {
    expect(caseStates.filter(acceptsAttachments)).toEqual([
      'draft',
      'triage',
      'awaiting_records',
      'awaiting_patient',
    ]);
  });

  it('lets an uploader take a document back only from a draft', () => {
    expect(caseStates.filter(allowsAttachmentRemoval)).toEqual(['draft']);
  });

  it('lets the patient side add documents as intake writers and the coordinator as reader', () => {
    expect(attachmentUploadAction('patient')).toBe('case.update');
    expect(attachmentUploadAction('proxy')).toBe('case.update');
    expect(attachmentUploadAction('referring_physician')).toBe('case.update');
    expect(attachmentUploadAction('coordinator')).toBe('case.read');
    expect(attachmentUploadAction('specialist')).toBeNull();
    expect(attachmentUploadAction('care_team')).toBeNull();
    expect(attachmentUploadAction('org_admin')).toBeNull();
  });
});

describe('normalizeAttachmentDescription', () => {
  it('collapses white space, drops controls and empties to null', () => {
    expect(normalizeAttachmentDescription('  MRI of the\r\nleft knee\u0000 ')).toBe(
      'MRI of the left knee',
    );
    expect(normalizeAttachmentDescription(' \t ')).toBeNull();
  });
});
