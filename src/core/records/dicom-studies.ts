/**
 * DICOM instances as a case holds them: what each file's header says (`DicomInstance`), and how
 * instances group into studies and series for the timeline and the viewer (`DicomStudySummary`).
 * Pure: the server reads headers with a DICOM parser and hands the values over.
 *
 * Rules (DICOM PS3.3 information model, PS3.5 value representations):
 * - a study is identified by its Study Instance UID (0020,000D), a series by its Series Instance
 *   UID (0020,000E), an instance by its SOP Instance UID (0008,0018). The same instance sent twice
 *   (even in another transfer syntax) counts once.
 * - a UID is at most 64 characters of digits and dots, components without leading zeros (PS3.5
 *   section 9.1); anything else is not a UID.
 * - dates (DA) are `YYYYMMDD` (PS3.5 section 6.2; the old `YYYY.MM.DD` form is read too); a study's
 *   date is the earliest its instances give.
 * - a study's modalities are those of its series, sorted; its body part the one most of its
 *   instances name.
 * - what a DICOM document is: an image study, except structured reports (SR), which are imaging
 *   reports, and waveforms (ECG, haemodynamics …), which are `other`.
 */
import { isIsoDate } from '../iso-dates.ts';
import type { DicomStudySummary, DocumentKind, IsoDate } from './record-types.ts';

/** What one DICOM file's header says. Strings are trimmed; absent values are null. */
export interface DicomInstance {
  studyInstanceUid: string;
  seriesInstanceUid: string;
  sopInstanceUid: string;
  sopClassUid: string | null;
  transferSyntaxUid: string | null;
  modality: string | null;
  bodyPartExamined: string | null;
  studyDate: IsoDate | null;
  studyDescription: string | null;
  seriesDescription: string | null;
  seriesNumber: number | null;
  instanceNumber: number | null;
  patientName: string | null;
  patientBirthDate: IsoDate | null;
  institutionName: string | null;
  referringPhysicianName: string | null;
  rows: number | null;
  columns: number | null;
  numberOfFrames: number | null;
}

const uidPattern = /^(0|[1-9]\d*)(\.(0|[1-9]\d*))*$/;

/** Whether `value` is a DICOM UID (PS3.5 section 9.1). */
export function isDicomUid(value: string | null | undefined): value is string {
  return typeof value === 'string' && value.length <= 64 && uidPattern.test(value);
}

/** A DA value (`YYYYMMDD`, or the retired `YYYY.MM.DD`) as `YYYY-MM-DD`, or null when invalid. */
export function dicomDateToIso(value: string | null | undefined): IsoDate | null {
  const match = /^(\d{4})\.?(\d{2})\.?(\d{2})$/.exec((value ?? '').trim());
  if (match === null) return null;
  const date = `${match[1]}-${match[2]}-${match[3]}`;
  return isIsoDate(date) ? date : null;
}

/** Waveform modalities (PS3.3 C.7.3.1.1.1): recordings, not images. */
const waveformModalities = new Set(['ECG', 'HD', 'EPS', 'RESP', 'AU', 'EEG', 'EMG', 'EOG']);

/** The document kind of a DICOM file of `modality`. */
export function dicomDocumentKind(modality: string | null): DocumentKind {
  if (modality === 'SR') return 'imaging_report';
  if (modality !== null && waveformModalities.has(modality)) return 'other';
  return 'imaging_study';
}

function compareNullableNumbers(a: number | null, b: number | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a - b;
}

function earliest(dates: (IsoDate | null)[]): IsoDate | null {
  return dates.filter((date): date is IsoDate => date !== null).sort()[0] ?? null;
}

function mostCommon(values: (string | null)[]): string | null {
  const counts = new Map<string, number>();
  for (const value of values) if (value !== null) counts.set(value, (counts.get(value) ?? 0) + 1);
  let best: string | null = null;
  let bestCount = 0;
  for (const [value, count] of [...counts].sort(([a], [b]) => a.localeCompare(b))) {
    if (count > bestCount) {
      best = value;
      bestCount = count;
    }
  }
  return best;
}

/**
 * The studies `instances` belong to, each with its series, counting every SOP instance once.
 * Studies are ordered by date (undated last) then UID; series by series number then UID.
 */
export function groupDicomInstances(instances: readonly DicomInstance[]): DicomStudySummary[] {
  const unique = new Map<string, DicomInstance>();
  for (const instance of instances)
    if (!unique.has(instance.sopInstanceUid)) unique.set(instance.sopInstanceUid, instance);

  const studies = new Map<string, DicomInstance[]>();
  for (const instance of unique.values()) {
    const members = studies.get(instance.studyInstanceUid) ?? [];
    members.push(instance);
    studies.set(instance.studyInstanceUid, members);
  }

  const summaries = [...studies].map(([studyInstanceUid, members]): DicomStudySummary => {
    const bySeries = new Map<string, DicomInstance[]>();
    for (const member of members) {
      const series = bySeries.get(member.seriesInstanceUid) ?? [];
      series.push(member);
      bySeries.set(member.seriesInstanceUid, series);
    }
    const series = [...bySeries]
      .map(([seriesInstanceUid, seriesMembers]) => {
        const ordered = [...seriesMembers].sort((a, b) =>
          compareNullableNumbers(a.instanceNumber, b.instanceNumber),
        );
        const first = ordered[0]!;
        return {
          seriesNumber: first.seriesNumber,
          summary: {
            seriesInstanceUid,
            modality: first.modality,
            description:
              ordered.find((m) => m.seriesDescription !== null)?.seriesDescription ?? null,
            bodyPart: mostCommon(ordered.map((m) => m.bodyPartExamined)),
            instanceCount: ordered.length,
          },
        };
      })
      .sort(
        (a, b) =>
          compareNullableNumbers(a.seriesNumber, b.seriesNumber) ||
          a.summary.seriesInstanceUid.localeCompare(b.summary.seriesInstanceUid),
      )
      .map((entry) => entry.summary);
    return {
      studyInstanceUid,
      studyDate: earliest(members.map((m) => m.studyDate)),
      description: members.find((m) => m.studyDescription !== null)?.studyDescription ?? null,
      modalities: [
        ...new Set(series.map((s) => s.modality).filter((m): m is string => m !== null)),
      ].sort(),
      bodyPart: mostCommon(members.map((m) => m.bodyPartExamined)),
      series,
      instanceCount: members.length,
    };
  });

  return summaries.sort((a, b) => {
    if (a.studyDate !== b.studyDate) {
      if (a.studyDate === null) return 1;
      if (b.studyDate === null) return -1;
      return a.studyDate.localeCompare(b.studyDate);
    }
    return a.studyInstanceUid.localeCompare(b.studyInstanceUid);
  });
}
