/**
 * The one entry point of record understanding (issue 4): a stored file in, everything derived
 * from it out — its format (by content), its condition, kind, date of service, source and display
 * name, the patients it names, its text, its DICOM study, and the clinical items imported from
 * it — or the refusal that keeps it out of the case. The upload pipeline calls `sniffRecordFile`
 * (or `sniffRecordContent` on the bytes it has received) to refuse early, and `inspectRecordFile`
 * once the file is stored.
 *
 * Limits (`recordIngestLimits`; see docs/records-ingestion.md): no file over 512 MiB is ever
 * read whole. Plain text up to 16 MiB and C-CDA XML and FHIR JSON up to 64 MiB are read whole;
 * larger FHIR files must be NDJSON, which streams line by line (a line at most 64 MiB); DICOM
 * headers are read from at most the first 64 MiB, whatever the file's size; PDFs up to 256 MiB are
 * read, with text extraction bounded in pages, characters, time and memory (`pdf.ts`); images are
 * judged by their two ends only. Files over 2 GiB (the transport's own ceiling) are refused.
 */
import fs from 'node:fs/promises';
import {
  findActiveContent,
  isPlainUtf8Text,
  sniffRecordContent,
  type SniffResult,
} from '../../../core/records/content-sniffing.ts';
import {
  dicomDocumentKind,
  groupDicomInstances,
  type DicomInstance,
} from '../../../core/records/dicom-studies.ts';
import {
  createFhirImporter,
  importFhirJsonText,
  type FhirImportResult,
} from '../../../core/records/fhir-import.ts';
import { checkImageStructure } from '../../../core/records/image-structure.ts';
import { refuseRecord, type RecordRefusal } from '../../../core/records/record-refusals.ts';
import {
  documentDisplayName,
  type ClinicalItem,
  type DicomStudySummary,
  type DocumentCondition,
  type DocumentKind,
  type IsoDate,
  type RecordFormat,
  type RecordPatientIdentity,
} from '../../../core/records/record-types.ts';
import { extractTextFacts, recordTextMaxCharacters } from '../../../core/records/text-facts.ts';
import { importCcdaXml } from './ccda.ts';
import { readDicomInstance } from './dicom.ts';
import { LineTooLongError, readFileEnds, readLines } from './file-ends.ts';
import { defaultPdfLimits, extractPdfText, type PdfLimits } from './pdf.ts';
import { recordMaxBytes } from '../../../core/records/record-types.ts';

export {
  sniffRecordContent,
  sniffHeadBytes,
  sniffTailBytes,
} from '../../../core/records/content-sniffing.ts';
export type { FileEnds, SniffResult } from '../../../core/records/content-sniffing.ts';

const mebibyte = 1024 * 1024;

export interface RecordIngestLimits {
  /** The largest file looked at at all (the upload transport's ceiling). */
  maxFileBytes: number;
  /** The largest plain-text file (read whole). */
  maxTextBytes: number;
  /** The largest C-CDA or single-document FHIR JSON file (parsed whole). */
  maxStructuredBytes: number;
  /** The longest line of an NDJSON file. */
  maxNdjsonLineBytes: number;
  pdf: PdfLimits;
}

export const recordIngestLimits: RecordIngestLimits = {
  maxFileBytes: recordMaxBytes,
  maxTextBytes: 16 * mebibyte,
  maxStructuredBytes: 64 * mebibyte,
  maxNdjsonLineBytes: 64 * mebibyte,
  pdf: defaultPdfLimits,
};

export interface InspectRecordOptions {
  /** The document's id: imported items are named after it. */
  documentId: string;
  limits?: Partial<Omit<RecordIngestLimits, 'pdf'>> & { pdf?: Partial<PdfLimits> };
}

/** Everything derived from an accepted file. */
export interface InspectedRecord {
  ok: true;
  format: RecordFormat;
  condition: DocumentCondition;
  kind: DocumentKind;
  dateOfService: IsoDate | null;
  source: string | null;
  /** `documentDisplayName` of kind, date and source. */
  displayName: string;
  patientIdentities: RecordPatientIdentity[];
  text: string | null;
  dicom: DicomStudySummary | null;
  /** The header of a DICOM file, for grouping it with the other files of its study. */
  dicomInstance?: DicomInstance;
  clinical: ClinicalItem[];
  sizeBytes: number;
  /** What a person should know: skipped sections, limits that cut the text, … */
  warnings: string[];
}

export type InspectRecordResult = InspectedRecord | RecordRefusal;

type Derived = Omit<InspectedRecord, 'ok' | 'format' | 'displayName' | 'sizeBytes'>;

const nothingDerived: Derived = {
  condition: 'ready',
  kind: 'other',
  dateOfService: null,
  source: null,
  patientIdentities: [],
  text: null,
  dicom: null,
  clinical: [],
  warnings: [],
};

/** The sniffing verdict on the file at `filePath` (its format, or why it is refused). */
export async function sniffRecordFile(filePath: string): Promise<SniffResult> {
  return sniffRecordContent(await readFileEnds(filePath));
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The whole file as UTF-8 text, or the refusal when it is not (NUL, controls, invalid bytes). */
async function readWholeText(filePath: string): Promise<string | RecordRefusal> {
  const bytes = await fs.readFile(filePath);
  if (!isPlainUtf8Text(bytes))
    return refuseRecord(
      'unsupported_type',
      'The file starts as text but holds binary data or invalid UTF-8 further on.',
    );
  const text = utf8.decode(bytes);
  return text.startsWith('\ufeff') ? text.slice(1) : text;
}

function fromFhir(result: FhirImportResult): Derived | RecordRefusal {
  if (!result.ok) return result;
  return {
    condition: result.condition,
    kind: result.documentHints.kind,
    dateOfService: result.documentHints.dateOfService,
    source: result.documentHints.source,
    patientIdentities: result.patientIdentities,
    text: result.text,
    dicom: null,
    clinical: result.clinical,
    warnings: result.warnings,
  };
}

/** A large FHIR file read as NDJSON, one resource per line. */
async function importNdjsonFile(
  filePath: string,
  documentId: string,
  limits: RecordIngestLimits,
): Promise<Derived | RecordRefusal> {
  const importer = createFhirImporter({ documentId });
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let lineNumber = 0;
  try {
    for await (const line of readLines(filePath, limits.maxNdjsonLineBytes)) {
      lineNumber += 1;
      if (line.every((byte) => byte === 0x20 || byte === 0x09 || byte === 0x0d)) continue;
      if (!isPlainUtf8Text(line))
        return refuseRecord(
          'unsupported_type',
          `Line ${lineNumber} holds binary data or invalid UTF-8.`,
        );
      const text = decoder.decode(line);
      if (findActiveContent(text) !== null)
        return refuseRecord(
          'active_content',
          `Line ${lineNumber} of the FHIR file holds script or markup.`,
        );
      let resource: unknown;
      try {
        resource = JSON.parse(text);
      } catch {
        return refuseRecord(
          'file_too_large',
          `FHIR JSON files over ${limits.maxStructuredBytes / mebibyte} MB must be NDJSON (one resource per line); line ${lineNumber} is not a JSON resource.`,
        );
      }
      const refused = importer.add(resource, `line ${lineNumber}`);
      if (refused !== null) return refused;
    }
  } catch (error) {
    if (error instanceof LineTooLongError)
      return refuseRecord(
        'file_too_large',
        `FHIR JSON files over ${limits.maxStructuredBytes / mebibyte} MB must be NDJSON with lines of at most ${limits.maxNdjsonLineBytes / mebibyte} MB.`,
      );
    throw error;
  }
  return fromFhir(importer.finish());
}

async function deriveFrom(
  format: RecordFormat,
  filePath: string,
  sizeBytes: number,
  documentId: string,
  limits: RecordIngestLimits,
  ends: Awaited<ReturnType<typeof readFileEnds>>,
): Promise<Derived | RecordRefusal> {
  switch (format) {
    case 'jpeg':
    case 'png':
    case 'tiff':
    case 'heic':
      return { ...nothingDerived, condition: checkImageStructure(format, ends) };
    case 'dicom': {
      const instance = await readDicomInstance(filePath, sizeBytes);
      if ('ok' in instance) return instance;
      const study = groupDicomInstances([instance])[0] ?? null;
      const identities: RecordPatientIdentity[] =
        instance.patientName !== null || instance.patientBirthDate !== null
          ? [
              {
                name: instance.patientName,
                birthDate: instance.patientBirthDate,
                foundIn: 'DICOM (0010,0010)',
              },
            ]
          : [];
      return {
        ...nothingDerived,
        kind: dicomDocumentKind(instance.modality),
        dateOfService: instance.studyDate,
        source: instance.institutionName,
        patientIdentities: identities,
        dicom: study,
        dicomInstance: instance,
      };
    }
    case 'pdf': {
      const pdf = await extractPdfText(filePath, sizeBytes, limits.pdf);
      if ('ok' in pdf) return pdf;
      if (pdf.text === null)
        return { ...nothingDerived, condition: pdf.condition, warnings: pdf.warnings };
      const facts = extractTextFacts(pdf.text, { foundIn: 'PDF text' });
      return {
        ...nothingDerived,
        ...facts,
        condition: pdf.condition,
        text: pdf.text,
        warnings: pdf.warnings,
      };
    }
    case 'text': {
      if (sizeBytes > limits.maxTextBytes)
        return refuseRecord(
          'file_too_large',
          `Plain text files may be at most ${limits.maxTextBytes / mebibyte} MB.`,
        );
      const text = await readWholeText(filePath);
      if (typeof text !== 'string') return text;
      const active = findActiveContent(text);
      if (active !== null)
        return refuseRecord(
          'active_content',
          `The text holds script or markup (${active.slice(0, 40)}).`,
        );
      const kept =
        text.length > recordTextMaxCharacters ? text.slice(0, recordTextMaxCharacters) : text;
      const facts = extractTextFacts(kept, { foundIn: 'Text' });
      return {
        ...nothingDerived,
        ...facts,
        text: kept.trim() === '' ? null : kept,
        warnings:
          kept.length < text.length
            ? [`The text was cut at ${recordTextMaxCharacters} characters.`]
            : [],
      };
    }
    case 'fhir_json': {
      if (sizeBytes > limits.maxStructuredBytes)
        return importNdjsonFile(filePath, documentId, limits);
      const text = await readWholeText(filePath);
      if (typeof text !== 'string') return text;
      return fromFhir(importFhirJsonText(text, { documentId }));
    }
    case 'ccda_xml': {
      if (sizeBytes > limits.maxStructuredBytes)
        return refuseRecord(
          'file_too_large',
          `C-CDA documents may be at most ${limits.maxStructuredBytes / mebibyte} MB.`,
        );
      const text = await readWholeText(filePath);
      if (typeof text !== 'string') return text;
      const imported = importCcdaXml(text, { documentId });
      if (!imported.ok) return imported;
      return {
        ...nothingDerived,
        condition: imported.condition,
        kind: imported.kind,
        dateOfService: imported.dateOfService,
        source: imported.source,
        patientIdentities: imported.patientIdentities,
        text: imported.text,
        clinical: imported.clinical,
        warnings: imported.warnings,
      };
    }
  }
}

/**
 * Everything derived from the stored file at `filePath` (read from disk in bounded parts), or
 * the refusal that keeps it out of the case. The format is decided by content alone; the file's
 * name plays no part.
 */
export async function inspectRecordFile(
  filePath: string,
  options: InspectRecordOptions,
): Promise<InspectRecordResult> {
  const limits: RecordIngestLimits = {
    ...recordIngestLimits,
    ...options.limits,
    pdf: { ...recordIngestLimits.pdf, ...options.limits?.pdf },
  };
  const ends = await readFileEnds(filePath);
  if (ends.sizeBytes > limits.maxFileBytes)
    return refuseRecord(
      'file_too_large',
      `Files may be at most ${limits.maxFileBytes / mebibyte} MB.`,
    );
  const sniffed = sniffRecordContent(ends);
  if (!sniffed.ok) return sniffed;
  const derived = await deriveFrom(
    sniffed.format,
    filePath,
    ends.sizeBytes,
    options.documentId,
    limits,
    ends,
  );
  if ('ok' in derived) return derived;
  return {
    ok: true,
    format: sniffed.format,
    ...derived,
    displayName: documentDisplayName(derived),
    sizeBytes: ends.sizeBytes,
  };
}
