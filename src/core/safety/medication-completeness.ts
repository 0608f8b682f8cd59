/**
 * Medications without a dose or a frequency (PRODUCT.md capabilities 1 and 3): without them a
 * reviewer cannot judge toxicity, adherence or an interaction's weight.
 *
 * Rules: every intake entry, and every current imported medication, needs both. A strength in the
 * name (`Lisinopril 10 mg`, an RxNorm display `Amoxicillin 250 MG Oral Capsule`) counts as the dose
 * and a schedule in the name (`… twice daily`, `… BID`) as the frequency. The intake is the
 * patient's to complete (`warning`, the patient can answer); an imported record is what it is
 * (`info`, asked of the patient only if still taken).
 */
import { fingerprintOf, type Finding } from './finding.ts';
import type { MedicationUse } from './medication-uses.ts';
import { phraseKey } from './text-folding.ts';

/**
 * A dose in a name: the strength units of records/drug-ingredients.ts (RxNorm writes `UNT` for
 * units) except durations, which are a schedule here, and the counted forms a patient writes.
 */
const strengthPattern =
  /\d+(?:[.,]\d+)?\s*(?:mg|mcg|µg|ug|g|kg|ml|l|unt|units?|iu|meq|mmol|%|actuat|mg\/ml|puffs?|tablets?|tabs?|caps?|capsules?|drops?)\b/i;
const schedulePhrases = [
  'daily',
  'once',
  'twice',
  'three times',
  'four times',
  'every',
  'each',
  'per day',
  'a day',
  'a week',
  'weekly',
  'monthly',
  'nightly',
  'at night',
  'at bedtime',
  'in the morning',
  'morning',
  'evening',
  'as needed',
  'when needed',
  'prn',
  'od',
  'bd',
  'bid',
  'tds',
  'tid',
  'qds',
  'qid',
  'qd',
  'qhs',
  'mane',
  'nocte',
  'stat',
];

/** Whether a medication's name states a strength (`10 mg`, `0.5 ml`, `2 puffs`). */
export function statesStrength(name: string): boolean {
  return strengthPattern.test(name);
}

/** Whether a medication's name states a schedule (`twice daily`, `BID`, `every 8 hours`). */
export function statesSchedule(name: string): boolean {
  const key = ` ${phraseKey(name)} `;
  return schedulePhrases.some((phrase) => key.includes(` ${phrase} `)) || /\bq\d+h\b/i.test(name);
}

function filled(value: string | null): boolean {
  return value !== null && value.trim() !== '';
}

function missingWords(dose: boolean, frequency: boolean): string {
  if (!dose && !frequency) return 'the dose and how often you take it';
  return dose ? 'how often you take it' : 'the dose';
}

/** Intake entries and current imported medications without a dose or a frequency. */
export function checkMedicationCompleteness(uses: readonly MedicationUse[]): Finding[] {
  const findings: Finding[] = [];
  const seenIntake = new Set<string>();
  for (const use of uses) {
    if (use.origin === 'proposed' || (use.origin === 'record' && !use.current)) continue;
    if (use.origin === 'intake') {
      if (seenIntake.has(use.key)) continue;
      seenIntake.add(use.key);
    }
    const hasDose = filled(use.dose) || statesStrength(use.label);
    const hasFrequency = filled(use.frequency) || statesSchedule(use.label);
    if (hasDose && hasFrequency) continue;
    const missing = [hasDose ? null : 'dose', hasFrequency ? null : 'frequency']
      .filter((part) => part !== null)
      .join(' and ');
    const isIntake = use.origin === 'intake';
    findings.push({
      rule: 'medication_incomplete',
      severity: isIntake ? 'warning' : 'info',
      fingerprint: fingerprintOf('medication_incomplete', [use.key]),
      patientAction: 'answer',
      patientMessage: isIntake
        ? `For "${use.label}", please tell us ${missingWords(hasDose, hasFrequency)}.`
        : `Your records list "${use.label}" without ${missingWords(hasDose, hasFrequency)}. If you still take it, please tell us.`,
      staffMessage: `${isIntake ? 'Intake medication' : 'Current imported medication'} ${JSON.stringify(use.label)} has no ${missing}.`,
      evidence: {
        sources: [use.source],
        values: { medication: use.label, dose: use.dose, frequency: use.frequency, missing },
      },
    });
  }
  return findings;
}
