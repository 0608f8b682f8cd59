/**
 * The medications of a case as the medication rules see them: each listing (an intake entry, an
 * imported medication, the proposed treatment) with the drugs it names and when it was taken.
 * Lifetime co-occurrence of two drugs is not an interaction: what matters is whether they were
 * taken at the same time, so each listing gets a period and a "current" flag.
 *
 * Rules:
 * - the intake list is what the patient takes now: current;
 * - an imported medication is current when its status is `active`, `on-hold` or `intended` (FHIR
 *   MedicationRequest/MedicationStatement) and its period has not ended before today, or, with no
 *   usable status, when its recorded period covers today; `entered-in-error`, `cancelled` and
 *   `not-taken` never count; otherwise its period is from its start (or date) to its end, and
 *   unknown when either end is missing;
 * - the proposed treatment is taken as starting now: current;
 * - two listings are concurrent now when both are current, and were concurrent in the past when
 *   both periods are known and overlap.
 */
import type { MedicationItem } from '../records/record-types.ts';
import type { EvidenceSource } from './finding.ts';
import { dayNumber } from '../iso-dates.ts';
import {
  isEmptyRecognition,
  mergeRecognized,
  type MedicationKnowledge,
  type RecognizedDrugs,
} from './medication-knowledge.ts';
import type { SafetyNetInput } from './safety-input.ts';
import { phraseKey } from './text-folding.ts';

export interface MedicationUse {
  /** Stable across runs: `intake:<name>`, `item:<id>` or `proposed`. */
  key: string;
  origin: 'intake' | 'record' | 'proposed';
  /** How the listing names it (the intake name, the record's display, "proposed treatment"). */
  label: string;
  drugs: RecognizedDrugs;
  current: boolean;
  /** Day numbers of the period, when known; a current listing runs to today. */
  from: number | null;
  to: number | null;
  dose: string | null;
  frequency: string | null;
  source: EvidenceSource;
}

const currentStatuses = new Set(['active', 'on-hold', 'intended']);
const voidStatuses = new Set(['entered-in-error', 'cancelled', 'not-taken']);

function recordDrugs(item: MedicationItem, knowledge: MedicationKnowledge): RecognizedDrugs {
  const parts = item.ingredients.map((ingredient) => {
    const known = knowledge.recognize(ingredient, 'substance');
    const name = ingredient.trim().toLowerCase();
    return isEmptyRecognition(known) && name !== '' ? { ingredients: [name], classes: [] } : known;
  });
  return mergeRecognized([...parts, knowledge.recognize(item.display, 'free_text')]);
}

function recordUse(
  item: MedicationItem,
  knowledge: MedicationKnowledge,
  today: number,
): MedicationUse | null {
  const status = item.status?.trim().toLowerCase() ?? null;
  if (status !== null && voidStatuses.has(status)) return null;
  const start = dayNumber(item.start ?? item.date);
  const end = dayNumber(item.end);
  const current =
    status !== null && currentStatuses.has(status)
      ? end === null || end >= today
      : (status === null || status === 'unknown') &&
        start !== null &&
        start <= today &&
        end !== null &&
        end >= today;
  return {
    key: `item:${item.id}`,
    origin: 'record',
    label: item.display,
    drugs: recordDrugs(item, knowledge),
    current,
    from: start,
    to: current ? today : end,
    dose: item.dose,
    frequency: item.frequency,
    source: {
      type: 'clinical_item',
      itemId: item.id,
      sourceDocumentId: item.sourceDocumentId,
      display: item.display,
    },
  };
}

/** Every medication listing of the case, with the drugs each names (possibly none). */
export function collectMedicationUses(
  input: SafetyNetInput,
  knowledge: MedicationKnowledge,
): MedicationUse[] {
  const today = dayNumber(input.today);
  if (today === null) throw new RangeError(`Not a calendar date: ${input.today}`);
  const uses: MedicationUse[] = input.case.medications.map((medication) => ({
    key: `intake:${phraseKey(medication.name)}`,
    origin: 'intake',
    label: medication.name.trim(),
    drugs: knowledge.recognize(medication.name, 'free_text'),
    current: true,
    from: today,
    to: today,
    dose: medication.dose ?? null,
    frequency: medication.frequency ?? null,
    source: { type: 'intake', field: 'medications', entry: medication.name.trim() },
  }));
  for (const item of input.clinical) {
    if (item.type !== 'medication') continue;
    const use = recordUse(item, knowledge, today);
    if (use !== null) uses.push(use);
  }
  const proposed = input.case.proposedTreatment;
  if (proposed !== null && proposed.trim() !== '')
    uses.push({
      key: 'proposed',
      origin: 'proposed',
      label: 'the proposed treatment',
      drugs: knowledge.recognize(proposed, 'free_text'),
      current: true,
      from: today,
      to: today,
      dose: null,
      frequency: null,
      source: { type: 'intake', field: 'proposedTreatment' },
    });
  return uses;
}

/** Whether two listings are taken together now, were in the past, or cannot be said to be. */
export function concurrency(left: MedicationUse, right: MedicationUse): 'now' | 'past' | null {
  if (left.current && right.current) return 'now';
  if (left.from === null || left.to === null || right.from === null || right.to === null)
    return null;
  return left.from <= right.to && right.from <= left.to ? 'past' : null;
}
