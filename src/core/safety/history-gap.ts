/**
 * History gaps (PRODUCT.md capability 3): a long stretch after the diagnosis without any record —
 * no document and no imported clinical item dated in it — usually means visits, tests or
 * treatments the reviewer has not seen. The stretch counted runs from the diagnosis date to the
 * day of the check; the threshold is the case checklist's `historyGapDays`.
 *
 * Rules:
 * - every dated record between the diagnosis date and today splits the period; each part longer
 *   than the threshold is one `warning` (a gap ending today says "nothing since …");
 * - records dated before the diagnosis or after today, and undated records, do not split it;
 * - the diagnosis date is the intake's; when the intake has none, the earliest date of an imported
 *   condition coded in the same ICD-10-CM category as the case's diagnosis (its onset or
 *   recording) stands for it; with neither, nothing is checked;
 * - only the last five years are examined (`historyLookbackDays`): a chronic disease diagnosed
 *   decades ago is not expected to come with every year's records, and the recent course is what
 *   a second opinion weighs. A gap reaching back to that limit is named by it ("lookback"), not
 *   by a date that moves every day.
 *
 * The fingerprint names the gap by its two ends (the end "today" stays "today"), so a gap that
 * a new upload splits becomes new, shorter gaps and the old one resolves itself.
 */
import type { ClinicalItem, IsoDate } from '../records/record-types.ts';
import { normalizeCode } from '../terminology/icd10cm.ts';
import { fingerprintOf, orderSources, type EvidenceSource, type Finding } from './finding.ts';
import { dateOfDayNumber, dayNumber, plainDate } from '../iso-dates.ts';
import { isIcd10CmSystem } from './icd-coding.ts';
import { clinicalItemDate, documentDate } from './record-dates.ts';
import type { SafetyNetInput } from './safety-input.ts';

interface DatedRecord {
  day: number;
  date: IsoDate;
  source: EvidenceSource;
}

function datedRecords(input: SafetyNetInput): DatedRecord[] {
  const records: DatedRecord[] = [];
  for (const document of input.documents) {
    const date = documentDate(document);
    if (date !== null)
      records.push({
        day: dayNumber(date)!,
        date,
        source: { type: 'document', documentId: document.id, displayName: document.displayName },
      });
  }
  for (const item of input.clinical) {
    const date = clinicalItemDate(item);
    if (date !== null)
      records.push({
        day: dayNumber(date)!,
        date,
        source: {
          type: 'clinical_item',
          itemId: item.id,
          sourceDocumentId: item.sourceDocumentId,
          display: item.display,
        },
      });
  }
  return records;
}

interface HistoryStart {
  date: IsoDate;
  source: EvidenceSource;
}

/**
 * Where the history starts: the intake's diagnosis date, else the earliest imported condition
 * in the diagnosis code's category, else null.
 */
export function historyStart(input: SafetyNetInput): HistoryStart | null {
  if (dayNumber(input.case.diagnosisDate) !== null)
    return { date: input.case.diagnosisDate!, source: { type: 'intake', field: 'diagnosisDate' } };
  const code = input.case.diagnosisCode?.trim() ?? '';
  if (code === '') return null;
  const category = normalizeCode(code).slice(0, 3);
  let earliest: { date: IsoDate; item: ClinicalItem } | null = null;
  for (const item of input.clinical) {
    if (item.type !== 'condition') continue;
    const date = clinicalItemDate(item);
    const sameCategory = item.codes.some(
      (coding) => isIcd10CmSystem(coding.system) && normalizeCode(coding.code).startsWith(category),
    );
    if (date === null || !sameCategory) continue;
    const earlier =
      earliest === null ||
      date < earliest.date ||
      (date === earliest.date && item.id < earliest.item.id);
    if (earlier) earliest = { date, item };
  }
  if (earliest === null) return null;
  const { date, item } = earliest;
  return {
    date,
    source: {
      type: 'clinical_item',
      itemId: item.id,
      sourceDocumentId: item.sourceDocumentId,
      display: item.display,
    },
  };
}

/** How far back from the day of the check gaps are looked for (five years). */
export const historyLookbackDays = 1826;

function monthsIn(days: number): number {
  return Math.max(1, Math.round(days / 30.44));
}

/** The history gaps of a case longer than `thresholdDays`, oldest first. */
export function checkHistoryGaps(input: SafetyNetInput, thresholdDays: number): Finding[] {
  const history = historyStart(input);
  const diagnosed = dayNumber(history?.date);
  const end = dayNumber(input.today);
  if (diagnosed === null || end === null || diagnosed >= end) return [];
  const clipped = end - diagnosed > historyLookbackDays;
  const start = clipped ? end - historyLookbackDays : diagnosed;
  const inside = datedRecords(input).filter((record) => record.day >= start && record.day <= end);
  const days = [...new Set([start, ...inside.map((record) => record.day), end])].sort(
    (left, right) => left - right,
  );
  const findings: Finding[] = [];
  for (let index = 1; index < days.length; index++) {
    const from = days[index - 1]!;
    const to = days[index]!;
    const length = to - from;
    if (length <= thresholdDays) continue;
    const atStart = from === start;
    const fromDate = atStart ? dateOfDayNumber(start) : inside.find((r) => r.day === from)!.date;
    const toDate = to === end ? input.today : inside.find((r) => r.day === to)!.date;
    const ending = to === end && !inside.some((record) => record.day === end);
    const bounding = inside.filter((record) => record.day === from || record.day === to);
    const sources: EvidenceSource[] = [
      ...(atStart && !clipped && history !== null ? [history.source] : []),
      ...bounding.map((record) => record.source),
    ];
    const startNote = !atStart
      ? ''
      : clipped
        ? ' (start of the five-year lookback)'
        : history?.source.type === 'intake'
          ? ' (diagnosis date)'
          : ' (earliest record of the diagnosis)';
    const months = monthsIn(length);
    findings.push({
      rule: 'history_gap',
      severity: 'warning',
      fingerprint: fingerprintOf('history_gap', [
        atStart && clipped ? 'lookback' : fromDate,
        ending ? 'today' : toDate,
      ]),
      patientAction: 'upload',
      patientMessage: ending
        ? `We have no records from the last ${months} months, since ${plainDate(fromDate)}. If you saw a doctor or had tests since then, please upload those records. If not, tell us.`
        : `We have no records from ${plainDate(fromDate)} to ${plainDate(toDate)}, about ${months} months. If you saw a doctor or had tests in that time, please upload those records. If not, tell us.`,
      staffMessage: `No dated record between ${fromDate}${startNote} and ${toDate}${ending ? ' (today)' : ''}: ${length} days, above the checklist threshold of ${thresholdDays} days.`,
      evidence: {
        sources: orderSources(sources),
        values: { from: fromDate, to: toDate, days: length, thresholdDays },
      },
    });
  }
  return findings;
}
