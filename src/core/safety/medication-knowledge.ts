/**
 * What the medication rules need to know about drugs, as an interface: the shipped starter data
 * (`reference-medication-knowledge.ts`, built from `terminology/medication/`) implements it, and a
 * self-hoster with a licensed interaction database (First Databank, Medi-Span, DrugBank, …)
 * implements it over that instead and hands it to `runSafetyNet` in the reference bundle. The
 * rules never read the data directly.
 *
 * Drugs are named by lower-case ingredient names (RxNorm ingredient, IN, wording: `amoxicillin`,
 * `penicillin g`); a product is the set of its ingredients.
 */
import type { RecordCoding } from '../records/record-types.ts';

/** What a text names: ingredients, and drug classes named as such ("penicillins", "NSAIDs"). */
export interface RecognizedDrugs {
  /** Lower-case ingredient names, sorted, without repeats. */
  ingredients: string[];
  /** Class ids of the knowledge source, sorted, without repeats. */
  classes: string[];
}

/**
 * How text is read: `substance` for an allergy entry (the whole text is a substance, so a bare
 * "contrast" means contrast dye), `free_text` for a medication name or a treatment plan (a drug
 * mentioned after "no", "stop", "avoid", "instead of", "allergic to" … is not being taken).
 */
export type RecognitionMode = 'substance' | 'free_text';

/** Severities as interaction sources grade them, most serious first. */
const interactionSeverities = ['contraindicated', 'high', 'major', 'moderate', 'minor'] as const;

export type InteractionSeverity = (typeof interactionSeverities)[number];

/** Orders interaction severities, most serious first. */
export function compareInteractionSeverity(
  left: InteractionSeverity,
  right: InteractionSeverity,
): number {
  return interactionSeverities.indexOf(left) - interactionSeverities.indexOf(right);
}

export interface DrugInteraction {
  /** Stable id of the interaction in its source (e.g. `ONC-HP-11`). */
  id: string;
  severity: InteractionSeverity;
  /** The clinical consequence, e.g. "Myopathy / rhabdomyolysis". */
  effect: string;
  /** The source, for the staff message (e.g. "ONC high-priority DDI list"). */
  source: string;
}

/** How strongly an allergy speaks against a drug. */
export type AllergyLevel = 'avoid' | 'caution' | 'note';

export interface AllergyRelation {
  kind: 'same_ingredient' | 'same_class' | 'cross_reactive';
  level: AllergyLevel;
  /** The ingredient or class the allergy and the drug share, or the allergy's class (cross). */
  shared: string;
  /** For cross-reactivity: the drug's class. */
  relatedClass: string | null;
  /** The source's note (cross-reactivity risk), when it has one. */
  note: string | null;
}

/** A class in which two drugs taken together are usually one drug too many. */
export interface TherapeuticClass {
  id: string;
  name: string;
}

export interface MedicationKnowledge {
  /** Name and edition of the source, for staff messages. */
  readonly source: string;
  /** The drugs a text names. */
  recognize(text: string, mode: RecognitionMode): RecognizedDrugs;
  /** The drugs a coding names (e.g. RxNorm codes of allergy classes); empty when unknown. */
  recognizeCoding(coding: RecordCoding): RecognizedDrugs;
  /** Every known interaction between two ingredients (either order). */
  interactions(left: string, right: string): DrugInteraction[];
  /** The strongest reason an allergy speaks against a drug, or null. */
  allergyRelation(allergen: RecognizedDrugs, drug: RecognizedDrugs): AllergyRelation | null;
  /** The therapeutic classes of an ingredient, for duplicate therapy. */
  therapeuticClasses(ingredient: string): TherapeuticClass[];
}

/** The union of recognitions, sorted and without repeats. */
export function mergeRecognized(parts: readonly RecognizedDrugs[]): RecognizedDrugs {
  const ingredients = new Set<string>();
  const classes = new Set<string>();
  for (const part of parts) {
    for (const ingredient of part.ingredients) ingredients.add(ingredient);
    for (const drugClass of part.classes) classes.add(drugClass);
  }
  return { ingredients: [...ingredients].sort(), classes: [...classes].sort() };
}

/** Whether a recognition names nothing. */
export function isEmptyRecognition(drugs: RecognizedDrugs): boolean {
  return drugs.ingredients.length === 0 && drugs.classes.length === 0;
}
