/**
 * Reading a DICOM file's header into a `DicomInstance` (issue 4: imaging studies on the case
 * timeline). Only the header is parsed: parsing stops at Pixel Data (7FE0,0010), and at most the
 * first `dicomHeaderMaxBytes` of a file are read, so a multi-gigabyte study costs no more than its
 * header. Grouping instances into studies is pure and lives in core (`dicom-studies.ts`).
 *
 * Rules:
 * - a file whose header does not parse is refused (`dicom_unparseable`): it claims DICOM (the
 *   sniffer found `DICM`) but is not.
 * - a file without valid Study, Series and SOP Instance UIDs (PS3.5 section 9.1) is refused
 *   (`dicom_missing_uids`): nothing could place it in a study.
 * - the deflated transfer syntax (Deflated Explicit VR Little Endian, 1.2.840.10008.1.2.1.99) is
 *   inflated with a ceiling
 *   (`dicomInflateMaxBytes`); a data set that inflates past it is refused (`decompression_limit`).
 * - text values are decoded by the file's Specific Character Set (0008,0005): UTF-8 for
 *   `ISO_IR 192`, Latin-1 otherwise (the default repertoire and `ISO_IR 100`).
 */
import zlib from 'node:zlib';
import dicomParser, { type DataSet } from 'dicom-parser';
import {
  dicomDateToIso,
  isDicomUid,
  type DicomInstance,
} from '../../../core/records/dicom-studies.ts';
import { refuseRecord, type RecordRefusal } from '../../../core/records/record-refusals.ts';
import { readFilePrefix } from './file-ends.ts';

/** The most bytes read from the start of a DICOM file to find its header. */
export const dicomHeaderMaxBytes = 64 * 1024 * 1024;

/** The most bytes a deflated data set may inflate to. */
export const dicomInflateMaxBytes = 256 * 1024 * 1024;

/** Tags read, as dicom-parser names them (`xGGGGEEEE`). */
const tags = {
  specificCharacterSet: 'x00080005',
  sopClassUid: 'x00080016',
  sopInstanceUid: 'x00080018',
  studyDate: 'x00080020',
  seriesDate: 'x00080021',
  acquisitionDate: 'x00080022',
  contentDate: 'x00080023',
  modality: 'x00080060',
  institutionName: 'x00080080',
  referringPhysicianName: 'x00080090',
  studyDescription: 'x00081030',
  seriesDescription: 'x0008103e',
  patientName: 'x00100010',
  patientBirthDate: 'x00100030',
  bodyPartExamined: 'x00180015',
  studyInstanceUid: 'x0020000d',
  seriesInstanceUid: 'x0020000e',
  seriesNumber: 'x00200011',
  instanceNumber: 'x00200013',
  numberOfFrames: 'x00280008',
  rows: 'x00280010',
  columns: 'x00280011',
  transferSyntaxUid: 'x00020010',
  pixelData: 'x7fe00010',
} as const;

class InflateLimitError extends Error {}

/** dicom-parser's hook for deflated data sets, with a ceiling on what the data set inflates to. */
function boundedInflater(byteArray: Uint8Array, position: number): Uint8Array {
  let inflated: Buffer;
  try {
    inflated = zlib.inflateRawSync(byteArray.subarray(position), {
      maxOutputLength: dicomInflateMaxBytes,
    });
  } catch (error) {
    if (error instanceof RangeError) throw new InflateLimitError('inflates past the limit');
    throw error;
  }
  const whole = new Uint8Array(position + inflated.length);
  whole.set(byteArray.subarray(0, position), 0);
  whole.set(inflated, position);
  return whole;
}

function textOf(dataSet: DataSet, tag: string, utf8: boolean): string | null {
  const element = dataSet.elements[tag];
  if (element === undefined || element.length <= 0) return null;
  const end = element.dataOffset + element.length;
  if (element.dataOffset < 0 || end > dataSet.byteArray.length) return null;
  const bytes = dataSet.byteArray.subarray(element.dataOffset, end);
  const decoded = utf8
    ? new TextDecoder('utf-8').decode(bytes)
    : new TextDecoder('latin1').decode(bytes);
  // Values are padded with spaces or NUL to an even length (PS3.5 section 6.2).
  const value = decoded.replace(/[\0\s]+$/, '').replace(/^\s+/, '');
  return value === '' ? null : value;
}

function asciiOf(dataSet: DataSet, tag: string): string | null {
  const value = textOf(dataSet, tag, false);
  return value === null ? null : value.replace(/\0/g, '').trim() || null;
}

function integerOf(dataSet: DataSet, tag: string): number | null {
  const value = asciiOf(dataSet, tag);
  if (value === null || !/^[+-]?\d+$/.test(value)) return null;
  return Number(value);
}

function uint16Of(dataSet: DataSet, tag: string): number | null {
  const element = dataSet.elements[tag];
  if (element?.length !== 2) return null;
  return dataSet.uint16(tag) ?? null;
}

/** dicom-parser throws strings, Errors, or `{ exception, dataSet }` objects. */
function parseErrorReason(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'string') return error;
  if (typeof error === 'object' && error !== null && 'exception' in error)
    return parseErrorReason(error.exception);
  return 'unreadable data';
}

/** What a parsed header says, or the refusal when its UIDs are missing. */
export function dicomInstanceFromDataSet(dataSet: DataSet): DicomInstance | RecordRefusal {
  const utf8 = (asciiOf(dataSet, tags.specificCharacterSet) ?? '').includes('ISO_IR 192');
  const text = (tag: string) => textOf(dataSet, tag, utf8);
  const studyInstanceUid = asciiOf(dataSet, tags.studyInstanceUid);
  const seriesInstanceUid = asciiOf(dataSet, tags.seriesInstanceUid);
  const sopInstanceUid = asciiOf(dataSet, tags.sopInstanceUid);
  const missing = [
    ['Study Instance UID (0020,000D)', studyInstanceUid],
    ['Series Instance UID (0020,000E)', seriesInstanceUid],
    ['SOP Instance UID (0008,0018)', sopInstanceUid],
  ]
    .filter(([, value]) => !isDicomUid(value))
    .map(([name]) => name);
  if (
    !isDicomUid(studyInstanceUid) ||
    !isDicomUid(seriesInstanceUid) ||
    !isDicomUid(sopInstanceUid)
  )
    return refuseRecord(
      'dicom_missing_uids',
      `The DICOM file has no valid ${missing.join(' or ')}; every image needs one.`,
    );
  return {
    studyInstanceUid,
    seriesInstanceUid,
    sopInstanceUid,
    sopClassUid: asciiOf(dataSet, tags.sopClassUid),
    transferSyntaxUid: asciiOf(dataSet, tags.transferSyntaxUid),
    modality: asciiOf(dataSet, tags.modality),
    bodyPartExamined: asciiOf(dataSet, tags.bodyPartExamined),
    studyDate:
      dicomDateToIso(asciiOf(dataSet, tags.studyDate)) ??
      dicomDateToIso(asciiOf(dataSet, tags.seriesDate)) ??
      dicomDateToIso(asciiOf(dataSet, tags.acquisitionDate)) ??
      dicomDateToIso(asciiOf(dataSet, tags.contentDate)),
    studyDescription: text(tags.studyDescription),
    seriesDescription: text(tags.seriesDescription),
    seriesNumber: integerOf(dataSet, tags.seriesNumber),
    instanceNumber: integerOf(dataSet, tags.instanceNumber),
    patientName: text(tags.patientName),
    patientBirthDate: dicomDateToIso(asciiOf(dataSet, tags.patientBirthDate)),
    institutionName: text(tags.institutionName),
    referringPhysicianName: text(tags.referringPhysicianName),
    rows: uint16Of(dataSet, tags.rows),
    columns: uint16Of(dataSet, tags.columns),
    numberOfFrames: integerOf(dataSet, tags.numberOfFrames),
  };
}

/**
 * The header of a DICOM Part 10 file held in `bytes` (the whole file or its first
 * `dicomHeaderMaxBytes`), or why the file is refused.
 */
export function parseDicomHeader(bytes: Uint8Array, cut: boolean): DicomInstance | RecordRefusal {
  let dataSet: DataSet;
  try {
    dataSet = dicomParser.parseDicom(bytes, {
      untilTag: tags.pixelData,
      inflater: boundedInflater,
    });
  } catch (error) {
    if (error instanceof InflateLimitError)
      return refuseRecord(
        'decompression_limit',
        `The deflated DICOM data set expands past ${dicomInflateMaxBytes / (1024 * 1024)} MB.`,
      );
    const reason = parseErrorReason(error);
    return refuseRecord(
      'dicom_unparseable',
      cut
        ? `The DICOM header could not be read within the first ${dicomHeaderMaxBytes / (1024 * 1024)} MB of the file.`
        : `The file claims to be DICOM but does not parse as DICOM (${reason.replace(/^dicomParser[.:]\w+:\s*/, '')}).`,
    );
  }
  return dicomInstanceFromDataSet(dataSet);
}

/** The header of the DICOM file at `filePath`, reading at most `dicomHeaderMaxBytes` of it. */
export async function readDicomInstance(
  filePath: string,
  sizeBytes: number,
): Promise<DicomInstance | RecordRefusal> {
  const bytes = await readFilePrefix(filePath, dicomHeaderMaxBytes);
  return parseDicomHeader(bytes, sizeBytes > bytes.length);
}
