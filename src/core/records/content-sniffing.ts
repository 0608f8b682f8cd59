/**
 * What an uploaded file is, decided by its content and never by its name or the type a browser
 * claims (issue 4: "type checked by content"). Works on the first and last bytes of a file and its
 * size, so the upload pipeline can refuse a file as soon as those bytes have arrived, before
 * anything parses it. Pure: the server reads the bytes and hands them over.
 *
 * Rules:
 * - accepted formats are recognised by their signatures (magic bytes): PDF (`%PDF-` within the
 *   first 1,024 bytes, ISO 32000-1 annex H.3), JPEG (SOI `FF D8 FF`), PNG (the 8-byte signature,
 *   ISO/IEC 15948 section 5.2), TIFF (`II*\0` / `MM\0*`, TIFF 6.0 section 2), HEIC/HEIF (an ISO-BMFF
 *   `ftyp` box with a HEIF brand, ISO/IEC 23008-12 annex B), DICOM (a 128-byte preamble then
 *   `DICM`, PS3.10 section 7.1), and three text formats: FHIR R4 JSON (an object with a
 *   `resourceType`), C-CDA XML (root `ClinicalDocument` in the `urn:hl7-org:v3` namespace) and
 *   plain UTF-8 text (no NUL or control bytes other than tab, LF, FF and CR).
 * - no container or archive type is accepted (ZIP, gzip, 7z, RAR, tar …), so a zip bomb never gets
 *   past the door; executables, office files and other images are refused by name.
 * - active content is refused: HTML, SVG, script or event-handler markup in a text, JSON or XML
 *   file, and `DOCTYPE` declarations in XML (entity expansion).
 * - polyglots are refused: a file that is one accepted format but also parses as another — a ZIP
 *   end-of-central-directory record at its tail, a ZIP local header inside it, HTML markup, a PDF
 *   header inside a non-PDF, another signature before a PDF header, or a DICOM preamble carrying an
 *   executable or archive (PS3.10 allows a TIFF header there, nothing else of note).
 */
import type { RecordFormat } from './record-types.ts';
import { refuseRecord, type RecordRefusal } from './record-refusals.ts';

/** How many bytes from the start of a file the sniffer looks at. */
export const sniffHeadBytes = 64 * 1024;

/**
 * How many bytes from the end of a file the sniffer looks at: a ZIP end-of-central-directory record
 * (22 bytes) followed by a comment of at most 65,535 bytes (APPNOTE.TXT section 4.3.16).
 */
export const sniffTailBytes = 22 + 0xffff;

/** The ends of a file: `head` its first bytes (up to `sniffHeadBytes`), `tail` its last ones. */
export interface FileEnds {
  head: Uint8Array;
  tail: Uint8Array;
  sizeBytes: number;
}

export type SniffResult = { ok: true; format: RecordFormat } | RecordRefusal;

const utf8 = new TextDecoder('utf-8');

function startsWithBytes(bytes: Uint8Array, signature: readonly number[], offset = 0): boolean {
  if (bytes.length < offset + signature.length) return false;
  return signature.every((byte, index) => bytes[offset + index] === byte);
}

function ascii(text: string): number[] {
  return Array.from(text, (character) => character.charCodeAt(0));
}

/** Index of `needle` in `bytes` between `from` and `to` (exclusive end of the match), or -1. */
function indexOfBytes(
  bytes: Uint8Array,
  needle: readonly number[],
  from = 0,
  to = bytes.length,
): number {
  const last = Math.min(to, bytes.length) - needle.length;
  const first = needle[0];
  for (let index = Math.max(0, from); index <= last; index += 1) {
    if (bytes[index] !== first) continue;
    let match = true;
    for (let k = 1; k < needle.length; k += 1) {
      if (bytes[index + k] !== needle[k]) {
        match = false;
        break;
      }
    }
    if (match) return index;
  }
  return -1;
}

/** Whether the ASCII `needle` (lower case) occurs in `bytes`, ignoring ASCII case. */
function containsAsciiIgnoringCase(bytes: Uint8Array, needle: string): boolean {
  const wanted = ascii(needle);
  const last = bytes.length - wanted.length;
  const fold = (byte: number) => (byte >= 0x41 && byte <= 0x5a ? byte | 0x20 : byte);
  for (let index = 0; index <= last; index += 1) {
    let k = 0;
    while (k < wanted.length && fold(bytes[index + k]!) === wanted[k]) k += 1;
    if (k === wanted.length) return true;
  }
  return false;
}

const pdfSignature = ascii('%PDF-');
const dicmSignature = ascii('DICM');
const jpegSignature = [0xff, 0xd8, 0xff];
const pngSignature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const tiffLittleEndian = [0x49, 0x49, 0x2a, 0x00];
const tiffBigEndian = [0x4d, 0x4d, 0x00, 0x2a];
const zipLocalHeader = [0x50, 0x4b, 0x03, 0x04];
const zipEndOfCentralDirectory = [0x50, 0x4b, 0x05, 0x06];

/** HEIF brands of still images and sequences (ISO/IEC 23008-12 annex B; HEVC-coded ones first). */
const heifBrands = new Set([
  'heic',
  'heix',
  'heim',
  'heis',
  'hevc',
  'hevx',
  'hevm',
  'hevs',
  'mif1',
  'msf1',
]);
/** AVIF reuses the generic `mif1`/`msf1` brands; it is not among the accepted formats. */
const avifBrands = new Set(['avif', 'avis']);

interface RefusedSignature {
  test: (head: Uint8Array, sizeBytes: number) => boolean;
  what: string;
}

/** Known formats that are not accepted, named so the refusal says what the file is. */
const refusedSignatures: RefusedSignature[] = [
  { test: (h) => startsWithBytes(h, zipLocalHeader), what: 'a ZIP archive (or an office file)' },
  {
    test: (h) =>
      startsWithBytes(h, zipEndOfCentralDirectory) || startsWithBytes(h, [0x50, 0x4b, 0x07, 0x08]),
    what: 'a ZIP archive',
  },
  { test: (h) => startsWithBytes(h, [0x1f, 0x8b]), what: 'a gzip archive' },
  { test: (h) => startsWithBytes(h, ascii('BZh')), what: 'a bzip2 archive' },
  { test: (h) => startsWithBytes(h, [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), what: 'an xz archive' },
  { test: (h) => startsWithBytes(h, [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c]), what: 'a 7z archive' },
  { test: (h) => startsWithBytes(h, ascii('Rar!\u001a\u0007')), what: 'a RAR archive' },
  { test: (h) => startsWithBytes(h, [0x28, 0xb5, 0x2f, 0xfd]), what: 'a zstd archive' },
  { test: (h) => startsWithBytes(h, ascii('ustar'), 257), what: 'a tar archive' },
  { test: (h) => startsWithBytes(h, ascii('MZ')), what: 'a Windows executable' },
  { test: (h) => startsWithBytes(h, [0x7f, 0x45, 0x4c, 0x46]), what: 'an executable (ELF)' },
  {
    test: (h) =>
      [
        [0xfe, 0xed, 0xfa, 0xce],
        [0xfe, 0xed, 0xfa, 0xcf],
        [0xce, 0xfa, 0xed, 0xfe],
        [0xcf, 0xfa, 0xed, 0xfe],
        [0xca, 0xfe, 0xba, 0xbe],
      ].some((signature) => startsWithBytes(h, signature)),
    what: 'an executable (Mach-O or Java class)',
  },
  { test: (h) => startsWithBytes(h, [0x00, 0x61, 0x73, 0x6d]), what: 'a WebAssembly module' },
  { test: (h) => startsWithBytes(h, ascii('#!')), what: 'a script' },
  {
    test: (h) => startsWithBytes(h, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]),
    what: 'an old Microsoft Office file',
  },
  { test: (h) => startsWithBytes(h, ascii('{\\rtf')), what: 'an RTF document' },
  { test: (h) => startsWithBytes(h, ascii('%!PS')), what: 'a PostScript program' },
  { test: (h) => startsWithBytes(h, ascii('GIF8')), what: 'a GIF image' },
  {
    test: (h, size) =>
      startsWithBytes(h, ascii('BM')) &&
      h.length >= 6 &&
      new DataView(h.buffer, h.byteOffset, h.byteLength).getUint32(2, true) === size,
    what: 'a BMP image',
  },
  {
    test: (h) => startsWithBytes(h, ascii('RIFF')) && startsWithBytes(h, ascii('WEBP'), 8),
    what: 'a WebP image',
  },
  { test: (h) => startsWithBytes(h, [0x49, 0x49, 0x2b, 0x00]), what: 'a BigTIFF image' },
];

/** Signatures that must not hide inside another format (DICOM preamble, before a PDF header). */
const foreignSignatures: readonly (readonly number[])[] = [
  ascii('MZ'),
  [0x7f, 0x45, 0x4c, 0x46],
  zipLocalHeader,
  zipEndOfCentralDirectory,
  pdfSignature,
  ascii('#!'),
  ascii('<'),
  jpegSignature,
  pngSignature,
  ascii('GIF8'),
  [0x1f, 0x8b],
  [0xca, 0xfe, 0xba, 0xbe],
];

const markupMarkers = ['<html', '<!doctype html', '<script', '<svg', '<iframe', '<body'];

/**
 * The active content found in `text`, or null: HTML, SVG or script markup, an event-handler
 * attribute, a `javascript:` URL, or server-side script. Used on text, JSON and XML files (the
 * sniffer scans their ends, the parsers their whole text) and on FHIR narratives.
 */
export function findActiveContent(text: string): string | null {
  const match =
    /<\s*(script|html|svg|iframe|object|embed|body|frameset|frame|applet|meta\s+http-equiv|link\s+rel)\b|<!doctype\s+html|<\?php|javascript\s*:|vbscript\s*:|<[a-z][^<>]*\son[a-z]+\s*=/i.exec(
      text,
    );
  return match === null ? null : match[0];
}

/** Whether `tail` ends in a ZIP end-of-central-directory record whose comment runs to the end. */
function hasZipDirectoryAtEnd(tail: Uint8Array): boolean {
  for (let index = tail.length - 22; index >= 0; index -= 1) {
    if (
      tail[index] === 0x50 &&
      tail[index + 1] === 0x4b &&
      tail[index + 2] === 0x05 &&
      tail[index + 3] === 0x06
    ) {
      const commentLength = tail[index + 20]! | (tail[index + 21]! << 8);
      if (index + 22 + commentLength === tail.length) return true;
    }
  }
  return false;
}

/** Whether a plausible ZIP local file header (APPNOTE 4.3.7) occurs in `head` after offset 0. */
function hasZipLocalHeaderInside(head: Uint8Array): boolean {
  let index = indexOfBytes(head, zipLocalHeader, 1);
  while (index > 0) {
    if (index + 30 <= head.length) {
      const view = new DataView(head.buffer, head.byteOffset + index, 30);
      const version = view.getUint16(4, true);
      const nameLength = view.getUint16(26, true);
      const name = head.subarray(index + 30, index + 30 + nameLength);
      const printableName =
        nameLength > 0 &&
        name.length === nameLength &&
        name.every((byte) => byte >= 0x20 && byte < 0x7f);
      if (version <= 63 && printableName) return true;
    }
    index = indexOfBytes(head, zipLocalHeader, index + 1);
  }
  return false;
}

function isWhitespaceByte(byte: number): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d || byte === 0x0c;
}

/**
 * Whether `bytes` is UTF-8 text without NUL or control bytes other than tab, LF, FF and CR.
 * `cutAtStart`/`cutAtEnd` say the bytes are a slice of a larger file, so a character split at
 * that edge is not held against it.
 */
export function isPlainUtf8Text(bytes: Uint8Array, cutAtStart = false, cutAtEnd = false): boolean {
  let index = 0;
  if (cutAtStart) {
    while (index < 3 && index < bytes.length && (bytes[index]! & 0xc0) === 0x80) index += 1;
  }
  while (index < bytes.length) {
    const byte = bytes[index]!;
    if (byte < 0x80) {
      if (
        (byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0c && byte !== 0x0d) ||
        byte === 0x7f
      )
        return false;
      index += 1;
      continue;
    }
    let length: number;
    let minimum: number;
    let codePoint: number;
    if (byte >= 0xc2 && byte <= 0xdf) {
      length = 2;
      minimum = 0x80;
      codePoint = byte & 0x1f;
    } else if (byte >= 0xe0 && byte <= 0xef) {
      length = 3;
      minimum = 0x800;
      codePoint = byte & 0x0f;
    } else if (byte >= 0xf0 && byte <= 0xf4) {
      length = 4;
      minimum = 0x10000;
      codePoint = byte & 0x07;
    } else {
      return false;
    }
    if (index + length > bytes.length) return cutAtEnd;
    for (let k = 1; k < length; k += 1) {
      const next = bytes[index + k]!;
      if ((next & 0xc0) !== 0x80) return false;
      codePoint = (codePoint << 6) | (next & 0x3f);
    }
    // Overlong forms, UTF-16 surrogates and code points past U+10FFFF are not UTF-8 (RFC 3629).
    if (codePoint < minimum || (codePoint >= 0xd800 && codePoint <= 0xdfff) || codePoint > 0x10ffff)
      return false;
    index += length;
  }
  return true;
}

interface XmlRoot {
  /** The qualified name of the root element, e.g. `ClinicalDocument` or `cda:ClinicalDocument`. */
  name: string;
  attributes: Map<string, string>;
  hasDoctype: boolean;
  doctypeIsHtml: boolean;
}

/** The root element's start tag, found after the prolog (XML 1.0 section 2.8), or null. */
function findXmlRoot(text: string): XmlRoot | null {
  let index = 0;
  let hasDoctype = false;
  let doctypeIsHtml = false;
  for (;;) {
    while (index < text.length && /\s/.test(text[index]!)) index += 1;
    if (text.startsWith('<?', index)) {
      const end = text.indexOf('?>', index + 2);
      if (end < 0) return null;
      index = end + 2;
    } else if (text.startsWith('<!--', index)) {
      const end = text.indexOf('-->', index + 4);
      if (end < 0) return null;
      index = end + 3;
    } else if (/^<!doctype/i.test(text.slice(index, index + 9))) {
      hasDoctype = true;
      doctypeIsHtml ||= /^<!doctype\s+html/i.test(text.slice(index, index + 20));
      const end = text.indexOf('>', index);
      if (end < 0) return null;
      index = end + 1;
    } else {
      break;
    }
  }
  const tag = /^<([A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?)([^<>]*)>/.exec(text.slice(index));
  if (tag === null) return null;
  const attributes = new Map<string, string>();
  for (const attribute of (tag[2] ?? '').matchAll(/([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
    attributes.set(attribute[1]!, attribute[2] ?? attribute[3] ?? '');
  }
  return { name: tag[1]!, attributes, hasDoctype, doctypeIsHtml };
}

/** The namespace URI the root element's own attributes bind its prefix (or the default) to. */
function namespaceOf(root: XmlRoot): string | null {
  const colon = root.name.indexOf(':');
  const key = colon < 0 ? 'xmlns' : `xmlns:${root.name.slice(0, colon)}`;
  return root.attributes.get(key) ?? null;
}

function localName(qualifiedName: string): string {
  const colon = qualifiedName.indexOf(':');
  return colon < 0 ? qualifiedName : qualifiedName.slice(colon + 1);
}

/** The namespace of HL7 CDA R2 documents, C-CDA included (CDA R2 schema, POCD_MT000040). */
const cdaNamespace = 'urn:hl7-org:v3';

function sniffText(ends: FileEnds, wholeFile: boolean): SniffResult {
  const { head, tail } = ends;
  let body = head;
  if (startsWithBytes(head, [0xef, 0xbb, 0xbf])) body = head.subarray(3);
  const text = utf8.decode(body);
  const tailText = wholeFile ? '' : utf8.decode(tail);
  const active = findActiveContent(text) ?? findActiveContent(tailText);

  const firstByte = body.find((byte) => !isWhitespaceByte(byte));
  if (firstByte === 0x3c /* < */) {
    const root = findXmlRoot(text);
    if (root?.doctypeIsHtml === true || (root !== null && /^html$/i.test(localName(root.name))))
      return refuseRecord(
        'active_content',
        'The file is a web page (HTML), which is not accepted.',
      );
    if (root !== null && /^svg$/i.test(localName(root.name)))
      return refuseRecord(
        'active_content',
        'The file is an SVG drawing, which can carry scripts and is not accepted.',
      );
    if (active !== null) return refuseRecord('active_content');
    if (root === null)
      return refuseRecord(
        'unsupported_type',
        'The file looks like XML or markup, but no root element was found at its start.',
      );
    if (root.hasDoctype)
      return refuseRecord(
        'unsupported_type',
        'XML with a document type declaration (DOCTYPE) is not accepted; C-CDA documents have none.',
      );
    if (localName(root.name) !== 'ClinicalDocument')
      return refuseRecord(
        'unsupported_type',
        `XML files are accepted only as C-CDA documents; this one is a <${localName(root.name)}> document.`,
      );
    if (namespaceOf(root) !== cdaNamespace)
      return refuseRecord(
        'not_ccda',
        `The ClinicalDocument is not in the HL7 CDA namespace (${cdaNamespace}).`,
      );
    return { ok: true, format: 'ccda_xml' };
  }
  if (active !== null) return refuseRecord('active_content');

  const trimmed = text.trimStart();
  if (firstByte === 0x7b /* { */) {
    if (/"resourceType"\s*:\s*"/.test(trimmed)) return { ok: true, format: 'fhir_json' };
    if (/^\{\s*("|\}|$)/.test(trimmed))
      return refuseRecord(
        'not_fhir',
        'JSON files are accepted only as FHIR R4 resources; this one has no "resourceType".',
      );
  }
  if (firstByte === 0x5b /* [ */ && /^\[\s*([[{"\]\d-]|true|false|null|$)/.test(trimmed))
    return refuseRecord(
      'not_fhir',
      'A JSON array is not a FHIR R4 resource; send a Bundle or a single resource.',
    );
  return { ok: true, format: 'text' };
}

/**
 * The format of a file from its ends, or why it is refused. Never looks at the name. Text formats
 * are judged on the bytes given; the parsers check the rest (the whole text must be UTF-8, the
 * JSON a FHIR resource, the XML well formed).
 */
export function sniffRecordContent(ends: FileEnds): SniffResult {
  const { head, tail, sizeBytes } = ends;
  if (sizeBytes === 0 || head.length === 0) return refuseRecord('empty_file');
  const wholeFile = head.length >= sizeBytes;

  const pdfAt = indexOfBytes(head, pdfSignature, 0, 1024);
  const zipAtEnd = hasZipDirectoryAtEnd(tail);
  const zipInside = hasZipLocalHeaderInside(head);
  const markup = markupMarkers.some(
    (marker) => containsAsciiIgnoringCase(head, marker) || containsAsciiIgnoringCase(tail, marker),
  );

  /** The polyglot checks every accepted binary format goes through. */
  const binary = (format: RecordFormat, name: string): SniffResult => {
    if (format !== 'pdf' && pdfAt >= 0)
      return refuseRecord('polyglot', `The ${name} also carries a PDF header.`);
    if (zipAtEnd || zipInside)
      return refuseRecord('polyglot', `The ${name} also carries a ZIP archive.`);
    if (markup) return refuseRecord('polyglot', `The ${name} also carries web page markup (HTML).`);
    return { ok: true, format };
  };

  if (head.length >= 132 && startsWithBytes(head, dicmSignature, 128)) {
    const preamble = head.subarray(0, 128);
    const tiffPreamble =
      startsWithBytes(preamble, tiffLittleEndian) || startsWithBytes(preamble, tiffBigEndian);
    if (
      !tiffPreamble &&
      foreignSignatures.some((signature) => startsWithBytes(preamble, signature))
    )
      return refuseRecord('polyglot', 'The DICOM preamble carries another file format.');
    return binary('dicom', 'DICOM file');
  }
  if (pdfAt >= 0) {
    const prefix = head.subarray(0, pdfAt);
    if (!prefix.every((byte) => isWhitespaceByte(byte) || byte === 0))
      return refuseRecord('polyglot', 'Other content comes before the PDF header.');
    return binary('pdf', 'PDF');
  }
  if (startsWithBytes(head, jpegSignature)) return binary('jpeg', 'JPEG image');
  if (startsWithBytes(head, pngSignature)) return binary('png', 'PNG image');
  if (startsWithBytes(head, tiffLittleEndian) || startsWithBytes(head, tiffBigEndian))
    return binary('tiff', 'TIFF image');
  if (startsWithBytes(head, ascii('ftyp'), 4) && head.length >= 16) {
    const boxSize = new DataView(head.buffer, head.byteOffset, head.byteLength).getUint32(0);
    const brandsEnd = Math.min(boxSize, head.length);
    const major = String.fromCharCode(...head.subarray(8, 12));
    const compatible: string[] = [];
    for (let offset = 16; offset + 4 <= brandsEnd; offset += 4)
      compatible.push(String.fromCharCode(...head.subarray(offset, offset + 4)));
    const isAvif = avifBrands.has(major) || compatible.some((brand) => avifBrands.has(brand));
    if (heifBrands.has(major) && !isAvif) return binary('heic', 'HEIC image');
    return refuseRecord(
      'unsupported_type',
      `ISO media files of brand "${major.trim()}" (video, AVIF and the like) are not accepted.`,
    );
  }
  const refused = refusedSignatures.find((signature) => signature.test(head, sizeBytes));
  if (refused !== undefined)
    return refuseRecord(
      'unsupported_type',
      `The file is ${refused.what}, which is not accepted. No archive or container type is.`,
    );
  if (startsWithBytes(head, [0xfe, 0xff]) || startsWithBytes(head, [0xff, 0xfe]))
    return refuseRecord('unsupported_type', 'Text files must be UTF-8; this one is UTF-16.');

  const headIsText = isPlainUtf8Text(head, false, !wholeFile);
  const tailIsText = wholeFile || isPlainUtf8Text(tail, true, false);
  if (!headIsText || !tailIsText) {
    if (zipAtEnd)
      return refuseRecord(
        'unsupported_type',
        'The file is a ZIP archive, which is not accepted. No archive or container type is.',
      );
    return refuseRecord('unsupported_type', 'The file is of a binary type that is not accepted.');
  }
  return sniffText(ends, wholeFile);
}
