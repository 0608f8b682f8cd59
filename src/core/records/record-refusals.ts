/**
 * Why an uploaded file is refused at the door of a case's records (issue 4), as stable codes with a
 * message for the person who sent it. A refusal means the file is not kept at all; a file that is
 * kept but cannot be read carries a `DocumentCondition` instead (`corrupt`, `encrypted`). The
 * upload pipeline turns a refusal into its one error response; tests assert the codes.
 */

/** Stable refusal codes with the message shown when nothing more specific is known. */
export const recordRefusalCatalog = {
  empty_file: 'The file is empty.',
  file_too_large: 'The file is larger than this kind of record may be.',
  unsupported_type:
    'This type of file is not accepted. Send a PDF, a photo (JPEG, PNG, HEIC, TIFF), a DICOM file, a FHIR R4 JSON file, a C-CDA XML document or plain text.',
  active_content:
    'The file holds web page or script content (HTML, SVG, JavaScript), which is not accepted in medical records.',
  polyglot:
    'The file is two formats at once (for example a photo that also carries an archive or a web page), which is not accepted.',
  decompression_limit:
    'The file expands to far more data than it holds when decompressed, which is not accepted.',
  not_fhir: 'The JSON file is not a FHIR R4 resource or bundle that can be read.',
  not_ccda: 'The XML file is not a C-CDA document that can be read.',
  dicom_unparseable: 'The file claims to be DICOM but does not parse as DICOM.',
  dicom_missing_uids:
    'The DICOM file lacks the study, series or instance identifier (UID) every image must have.',
} as const satisfies Record<string, string>;

export type RecordRefusalCode = keyof typeof recordRefusalCatalog;

export const recordRefusalCodes = Object.keys(recordRefusalCatalog) as RecordRefusalCode[];

/** A refused file: its stable code and a message for a person. */
export interface RecordRefusal {
  ok: false;
  code: RecordRefusalCode;
  message: string;
}

/** The refusal of `code`, with a more specific message when one is known. */
export function refuseRecord(code: RecordRefusalCode, message?: string): RecordRefusal {
  return { ok: false, code, message: message ?? recordRefusalCatalog[code] };
}
