import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  findActiveContent,
  isPlainUtf8Text,
  sniffHeadBytes,
  sniffRecordContent,
  sniffTailBytes,
  type FileEnds,
  type SniffResult,
} from './content-sniffing.ts';
import { recordRefusalCodes } from './record-refusals.ts';
import { recordFormats } from './record-types.ts';

const encoder = new TextEncoder();

function bytesOf(...parts: (string | number[] | Uint8Array)[]): Uint8Array {
  const chunks = parts.map((part) =>
    typeof part === 'string'
      ? encoder.encode(part)
      : part instanceof Uint8Array
        ? part
        : Uint8Array.from(part),
  );
  const total = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

/** The ends of a whole file, as the server would read them. */
function endsOf(file: Uint8Array): FileEnds {
  return {
    head: file.subarray(0, Math.min(file.length, sniffHeadBytes)),
    tail: file.subarray(Math.max(0, file.length - sniffTailBytes)),
    sizeBytes: file.length,
  };
}

function sniff(...parts: (string | number[] | Uint8Array)[]): SniffResult {
  return sniffRecordContent(endsOf(bytesOf(...parts)));
}

/** `text` without the controls plain text may not hold (all but tab, LF, FF and CR). */
function withoutControls(text: string, replacement: string): string {
  return Array.from(text, (character) => {
    const code = character.charCodeAt(0);
    const control = (code < 0x20 && ![0x09, 0x0a, 0x0c, 0x0d].includes(code)) || code === 0x7f;
    return control ? replacement : character;
  }).join('');
}

function formatOf(result: SniffResult): string {
  return result.ok ? result.format : `refused:${result.code}`;
}

const jpeg = [
  0xff,
  0xd8,
  0xff,
  0xe0,
  0x00,
  0x10,
  ...encoder.encode('JFIF\0'),
  1,
  1,
  0,
  0,
  1,
  0,
  1,
  0,
  0,
];
const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const dicomPreamble = new Uint8Array(128);

/** A ZIP end-of-central-directory record with an empty comment (APPNOTE 4.3.16). */
const zipEnd = [0x50, 0x4b, 0x05, 0x06, 0, 0, 0, 0, 1, 0, 1, 0, 46, 0, 0, 0, 0x20, 0, 0, 0, 0, 0];
const zipLocal = [
  0x50,
  0x4b,
  0x03,
  0x04,
  20,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  5,
  0,
  0,
  0,
  5,
  0,
  0,
  0,
  5,
  0,
  0,
  0,
  ...encoder.encode('a.txt'),
  ...encoder.encode('hello'),
];

function isoBox(type: string, body: Uint8Array = new Uint8Array(0)): Uint8Array {
  const box = new Uint8Array(8 + body.length);
  new DataView(box.buffer).setUint32(0, box.length);
  box.set(encoder.encode(type), 4);
  box.set(body, 8);
  return box;
}

function ftyp(major: string, ...compatible: string[]): Uint8Array {
  return isoBox('ftyp', bytesOf(major, [0, 0, 0, 0], compatible.join('')));
}

describe('sniffRecordContent: accepted formats, by content alone', () => {
  it('recognises each binary format by its signature', () => {
    expect(formatOf(sniff('%PDF-1.7\n%\u00e2\u00e3\n1 0 obj\n'))).toBe('pdf');
    expect(formatOf(sniff(jpeg, new Uint8Array(40), [0xff, 0xd9]))).toBe('jpeg');
    expect(formatOf(sniff(png, new Uint8Array(40)))).toBe('png');
    expect(formatOf(sniff([0x49, 0x49, 0x2a, 0x00, 8, 0, 0, 0], new Uint8Array(20)))).toBe('tiff');
    expect(formatOf(sniff([0x4d, 0x4d, 0x00, 0x2a, 0, 0, 0, 8], new Uint8Array(20)))).toBe('tiff');
    expect(formatOf(sniff(dicomPreamble, 'DICM', new Uint8Array(40)))).toBe('dicom');
  });

  it('accepts a PDF header anywhere in the first 1,024 bytes after white space only', () => {
    expect(formatOf(sniff('\r\n  %PDF-1.4\n'))).toBe('pdf');
    expect(formatOf(sniff(' '.repeat(1100), '%PDF-1.4\n'))).toBe('text');
  });

  it('recognises HEIF brands and refuses other ISO media (video, AVIF)', () => {
    expect(formatOf(sniff(ftyp('heic', 'mif1', 'heic'), isoBox('meta')))).toBe('heic');
    expect(formatOf(sniff(ftyp('mif1', 'heic'), isoBox('meta')))).toBe('heic');
    expect(formatOf(sniff(ftyp('avif', 'mif1', 'avif')))).toBe('refused:unsupported_type');
    expect(formatOf(sniff(ftyp('mif1', 'avif')))).toBe('refused:unsupported_type');
    expect(formatOf(sniff(ftyp('isom', 'mp41')))).toBe('refused:unsupported_type');
  });

  it('accepts a DICOM preamble holding a TIFF header (PS3.10 dual-format files)', () => {
    const tiffPreamble = bytesOf(
      [0x49, 0x49, 0x2a, 0x00, 0x54, 0x18, 0x08, 0x00],
      new Uint8Array(120),
    );
    expect(formatOf(sniff(tiffPreamble, 'DICM', new Uint8Array(40)))).toBe('dicom');
  });

  it('recognises FHIR JSON, C-CDA XML and plain text', () => {
    expect(formatOf(sniff('{\n  "resourceType": "Bundle",\n  "type": "collection"\n}'))).toBe(
      'fhir_json',
    );
    expect(formatOf(sniff('\ufeff{"resourceType":"Patient"}'))).toBe('fhir_json');
    expect(
      formatOf(
        sniff(
          '<?xml version="1.0"?>\n<?xml-stylesheet type="text/xsl" href="CDA.xsl"?>\n<!-- a comment -->\n<ClinicalDocument xmlns="urn:hl7-org:v3" xmlns:sdtc="urn:hl7-org:sdtc"><realmCode code="US"/></ClinicalDocument>',
        ),
      ),
    ).toBe('ccda_xml');
    expect(
      formatOf(sniff('<cda:ClinicalDocument xmlns:cda="urn:hl7-org:v3"></cda:ClinicalDocument>')),
    ).toBe('ccda_xml');
    expect(formatOf(sniff('Patient: Jane Doe\r\nDOB: 01/02/1960\n\fPage 2\tend\n'))).toBe('text');
    expect(formatOf(sniff('Informe de patología — señora Núñez, 3 µg/L ≥ 2'))).toBe('text');
    expect(formatOf(sniff('[Clinic note] seen today'))).toBe('text');
  });

  it('does not hold a character split at the edge of the head against a text file', () => {
    const text = `${'a'.repeat(sniffHeadBytes - 1)}é${'b'.repeat(100_000)}`;
    const file = encoder.encode(text);
    expect(file[sniffHeadBytes - 1]).toBe(0xc3); // the first byte of "é" ends the head
    expect(formatOf(sniffRecordContent(endsOf(file)))).toBe('text');
  });

  it('returns a known format or a known refusal for any bytes, never throwing', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), (bytes) => {
        const result = sniffRecordContent(endsOf(bytes));
        if (result.ok) expect(recordFormats).toContain(result.format);
        else expect(recordRefusalCodes).toContain(result.code);
      }),
    );
  });

  it('takes any UTF-8 prose without markup for plain text', () => {
    const prose = fc
      .string({ unit: 'grapheme', minLength: 1, maxLength: 400 })
      .map((text) => `Note: ${withoutControls(text, ' ').replace(/[<>]/g, ' ')}`)
      .filter((text) => findActiveContent(text) === null);
    fc.assert(
      fc.property(prose, (text) => {
        expect(formatOf(sniff(text))).toBe('text');
      }),
    );
  });
});

describe('sniffRecordContent: refusals', () => {
  it('refuses an empty file', () => {
    expect(
      sniffRecordContent({ head: new Uint8Array(0), tail: new Uint8Array(0), sizeBytes: 0 }),
    ).toEqual({ ok: false, code: 'empty_file', message: 'The file is empty.' });
  });

  it('refuses archives, executables and other formats by name', () => {
    const cases: [string, Uint8Array][] = [
      ['ZIP archive', bytesOf(zipLocal, zipEnd)],
      ['gzip archive', bytesOf([0x1f, 0x8b, 8, 0], new Uint8Array(20))],
      ['7z archive', bytesOf([0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c], new Uint8Array(20))],
      ['Windows executable', bytesOf('MZ', [0x90, 0, 3, 0], new Uint8Array(60))],
      ['executable (ELF)', bytesOf([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1], new Uint8Array(20))],
      ['script', bytesOf('#!/bin/sh\nrm -rf /\n')],
      ['GIF image', bytesOf('GIF89a', new Uint8Array(20))],
      ['RTF document', bytesOf('{\\rtf1\\ansi Hello}')],
      ['tar archive', bytesOf(new Uint8Array(257), 'ustar\u000000', new Uint8Array(200))],
    ];
    for (const [what, file] of cases) {
      const result = sniffRecordContent(endsOf(file));
      expect(result.ok, what).toBe(false);
      if (!result.ok) {
        expect(result.code, what).toBe('unsupported_type');
        expect(result.message, what).toContain(what);
      }
    }
  });

  it('refuses binary data it does not know, and text that is not UTF-8', () => {
    expect(formatOf(sniff([0x00, 0x01, 0x02, 0x03, 0xfe, 0x80, 0x00]))).toBe(
      'refused:unsupported_type',
    );
    expect(formatOf(sniff([0xff, 0xfe], encoder.encode('h\0i\0')))).toBe(
      'refused:unsupported_type',
    );
    expect(formatOf(sniff('Latin-1 caf', [0xe9], ' au lait'))).toBe('refused:unsupported_type');
    expect(formatOf(sniff('bell \u0007 in text'))).toBe('refused:unsupported_type');
  });

  it('refuses web pages, SVG and script in text, JSON and XML', () => {
    expect(formatOf(sniff('<!DOCTYPE html>\n<html><body>Report</body></html>'))).toBe(
      'refused:active_content',
    );
    expect(formatOf(sniff('<html><p>Patient: Jane</p></html>'))).toBe('refused:active_content');
    expect(
      formatOf(sniff('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>')),
    ).toBe('refused:active_content');
    expect(formatOf(sniff('Lab results\n<script>alert(1)</script>\n'))).toBe(
      'refused:active_content',
    );
    expect(formatOf(sniff('see <a href="javascript:steal()">here</a>'))).toBe(
      'refused:active_content',
    );
    expect(
      formatOf(sniff('{"resourceType":"Patient","text":{"div":"<img src=x onerror=alert(1)>"}}')),
    ).toBe('refused:active_content');
    expect(
      formatOf(
        sniff(
          '<ClinicalDocument xmlns="urn:hl7-org:v3"><text><iframe src="x"/></text></ClinicalDocument>',
        ),
      ),
    ).toBe('refused:active_content');
  });

  it('refuses script markers that only the tail of a large text file carries', () => {
    const file = bytesOf(
      'Report\n',
      'x'.repeat(sniffHeadBytes * 2),
      '\n<script>alert(1)</script>\n',
    );
    expect(formatOf(sniffRecordContent(endsOf(file)))).toBe('refused:active_content');
  });

  it('refuses XML that is not a C-CDA document', () => {
    expect(sniff('<?xml version="1.0"?><note><to>Tove</to></note>')).toMatchObject({
      ok: false,
      code: 'unsupported_type',
    });
    expect(
      sniff('<?xml version="1.0"?><ClinicalDocument><title>x</title></ClinicalDocument>'),
    ).toMatchObject({
      ok: false,
      code: 'not_ccda',
    });
    expect(
      sniff(
        '<?xml version="1.0"?><!DOCTYPE ClinicalDocument [<!ENTITY a "aaaa">]><ClinicalDocument xmlns="urn:hl7-org:v3"/>',
      ),
    ).toMatchObject({ ok: false, code: 'unsupported_type' });
  });

  it('refuses JSON that is not a FHIR resource', () => {
    expect(sniff('{"name": "Jane", "dob": "1960-01-02"}')).toMatchObject({
      ok: false,
      code: 'not_fhir',
    });
    expect(sniff('[{"resourceType":"Patient"}]')).toMatchObject({ ok: false, code: 'not_fhir' });
    expect(sniff('{}')).toMatchObject({ ok: false, code: 'not_fhir' });
  });
});

describe('sniffRecordContent: polyglots', () => {
  it('refuses an image or PDF that also carries a ZIP archive', () => {
    expect(sniff(jpeg, new Uint8Array(100), [0xff, 0xd9], zipLocal, zipEnd)).toMatchObject({
      ok: false,
      code: 'polyglot',
    });
    expect(sniff('%PDF-1.4\n%%EOF\n', zipLocal, zipEnd)).toMatchObject({
      ok: false,
      code: 'polyglot',
    });
    const comment = encoder.encode('x'.repeat(1000));
    const zipEndWithComment = Uint8Array.from(zipEnd);
    zipEndWithComment[20] = comment.length & 0xff;
    zipEndWithComment[21] = comment.length >> 8;
    expect(sniff(png, new Uint8Array(50_000), zipEndWithComment, comment)).toMatchObject({
      ok: false,
      code: 'polyglot',
    });
  });

  it('refuses HTML markup inside a binary format', () => {
    expect(sniff('%PDF-1.4\n<html><script>alert(1)</script></html>\n%%EOF')).toMatchObject({
      ok: false,
      code: 'polyglot',
    });
    expect(sniff(jpeg, '<svg onload=alert(1)>', [0xff, 0xd9])).toMatchObject({
      ok: false,
      code: 'polyglot',
    });
  });

  it('refuses a PDF header inside another format, and another format before a PDF header', () => {
    expect(sniff(jpeg, new Uint8Array(100), '%PDF-1.4\n')).toMatchObject({
      ok: false,
      code: 'polyglot',
    });
    expect(sniff(dicomPreamble, 'DICM', '%PDF-1.4\n')).toMatchObject({
      ok: false,
      code: 'polyglot',
    });
    expect(sniff('GIF89a', new Uint8Array(10), '%PDF-1.4\n')).toMatchObject({
      ok: false,
      code: 'polyglot',
    });
  });

  it('refuses a DICOM preamble that carries an executable', () => {
    const preamble = bytesOf('MZ', new Uint8Array(126));
    expect(sniff(preamble, 'DICM', new Uint8Array(40))).toMatchObject({
      ok: false,
      code: 'polyglot',
    });
  });

  it('refuses any accepted binary file once a ZIP archive is appended to it', () => {
    const accepted = fc.constantFrom<Uint8Array>(
      bytesOf('%PDF-1.7\n1 0 obj\n'),
      bytesOf(jpeg),
      bytesOf(png),
      bytesOf([0x49, 0x49, 0x2a, 0x00, 8, 0, 0, 0]),
      bytesOf(dicomPreamble, 'DICM'),
    );
    fc.assert(
      fc.property(accepted, fc.uint8Array({ maxLength: 5000 }), (start, middle) => {
        const body = middle.map((byte) => (byte === 0x3c || byte === 0x25 ? 0 : byte));
        const before = sniffRecordContent(endsOf(bytesOf(start, body)));
        const after = sniffRecordContent(endsOf(bytesOf(start, body, zipLocal, zipEnd)));
        if (before.ok) expect(after).toMatchObject({ ok: false, code: 'polyglot' });
      }),
    );
  });
});

describe('isPlainUtf8Text', () => {
  it('accepts UTF-8 text with tab, line and page breaks', () => {
    expect(isPlainUtf8Text(encoder.encode('a\tb\r\nc\fd — ü 😀'))).toBe(true);
  });

  it('refuses NUL and control bytes, overlong forms, surrogates and stray continuation bytes', () => {
    expect(isPlainUtf8Text(Uint8Array.from([0x61, 0x00]))).toBe(false);
    expect(isPlainUtf8Text(Uint8Array.from([0x1b, 0x5b]))).toBe(false);
    expect(isPlainUtf8Text(Uint8Array.from([0xc0, 0xaf]))).toBe(false);
    expect(isPlainUtf8Text(Uint8Array.from([0xed, 0xa0, 0x80]))).toBe(false);
    expect(isPlainUtf8Text(Uint8Array.from([0x80, 0x61]))).toBe(false);
    expect(isPlainUtf8Text(Uint8Array.from([0x80, 0x61]), true)).toBe(true);
    expect(isPlainUtf8Text(Uint8Array.from([0x61, 0xe2, 0x82]))).toBe(false);
    expect(isPlainUtf8Text(Uint8Array.from([0x61, 0xe2, 0x82]), false, true)).toBe(true);
  });

  it('agrees with a strict UTF-8 decoder on text without controls', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        const clean = withoutControls(text, '');
        expect(isPlainUtf8Text(encoder.encode(clean))).toBe(true);
      }),
    );
  });
});

describe('findActiveContent', () => {
  it('finds markup, handlers and script URLs, and nothing in clinical prose', () => {
    expect(findActiveContent('<SCRIPT src=x>')).toBe('<SCRIPT');
    expect(findActiveContent('<div onclick = "x()">')).not.toBeNull();
    expect(findActiveContent('link: JavaScript:void(0)')).not.toBeNull();
    expect(findActiveContent('<?php echo 1; ?>')).not.toBeNull();
    expect(
      findActiveContent(
        'Potassium < 3.5 mmol/L; ratio > 2. Ondansetron = 4 mg. <div xmlns="http://www.w3.org/1999/xhtml"><p>Fever</p></div>',
      ),
    ).toBeNull();
  });
});
