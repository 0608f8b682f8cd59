/**
 * The date a record speaks for, as the safety net's recency and gap rules count it: a document's
 * date of service (the examination or visit, not the upload), or for an imaging study without one
 * its DICOM StudyDate (0008,0020); an imported clinical item's own date, and for a medication the
 * start of its period when it has no other date.
 */
import type { ClinicalItem, IsoDate, RecordDocument } from '../records/record-types.ts';
import { dayNumber } from '../iso-dates.ts';

/** The date of service of a document, or null when it is not known. */
export function documentDate(document: RecordDocument): IsoDate | null {
  const date = document.dateOfService ?? document.dicom?.studyDate ?? null;
  return dayNumber(date) === null ? null : date;
}

/** The date of an imported clinical item, or null when it is not known. */
export function clinicalItemDate(item: ClinicalItem): IsoDate | null {
  const date = item.date ?? (item.type === 'medication' ? item.start : null);
  return dayNumber(date) === null ? null : date;
}
