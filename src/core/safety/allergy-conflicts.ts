/**
 * Allergy conflicts (PRODUCT.md capability 3): a drug the patient takes now, or one the proposed
 * treatment names, that the patient's allergies speak against — the same ingredient, the same
 * allergy class (a penicillin allergy and amoxicillin), or a class the medication knowledge lists
 * as cross-reactive (penicillins and cephalosporins).
 *
 * Allergies are the intake's entries (an entry stating "none" is not an allergen) and imported
 * allergies of category medication or without a category, unless their clinical status is
 * `inactive` or `resolved`; food and environmental allergies are not drug allergies. Each is
 * recognised by its words and its codes.
 *
 * Severity by how strongly the knowledge says the allergy speaks against the drug: `avoid` →
 * `blocker`, `caution` → `warning`, `note` → `info`. One finding per shared ingredient or class
 * and drug, whichever listings name them.
 */
import type { AllergyItem } from '../records/record-types.ts';
import { statesNoAllergies } from './checklists.ts';
import {
  fingerprintOf,
  maxSeverity,
  orderSources,
  type EvidenceSource,
  type Finding,
  type FindingSeverity,
} from './finding.ts';
import {
  isEmptyRecognition,
  mergeRecognized,
  type AllergyLevel,
  type AllergyRelation,
  type MedicationKnowledge,
  type RecognizedDrugs,
} from './medication-knowledge.ts';
import type { MedicationUse } from './medication-uses.ts';
import type { SafetyNetInput } from './safety-input.ts';

interface Allergen {
  label: string;
  drugs: RecognizedDrugs;
  source: EvidenceSource;
}

const inactiveStatuses = new Set(['inactive', 'resolved']);
const drugCategories = new Set(['medication', 'biologic']);

function importedAllergen(item: AllergyItem, knowledge: MedicationKnowledge): Allergen | null {
  const category = item.category?.trim().toLowerCase() ?? null;
  if (category !== null && !drugCategories.has(category)) return null;
  if (inactiveStatuses.has(item.clinicalStatus?.trim().toLowerCase() ?? '')) return null;
  const drugs = mergeRecognized([
    knowledge.recognize(item.display, 'substance'),
    ...item.codes.map((coding) => knowledge.recognizeCoding(coding)),
  ]);
  return {
    label: item.display,
    drugs,
    source: {
      type: 'clinical_item',
      itemId: item.id,
      sourceDocumentId: item.sourceDocumentId,
      display: item.display,
    },
  };
}

/** The drug allergies of a case with the drugs each names. */
export function collectAllergens(
  input: SafetyNetInput,
  knowledge: MedicationKnowledge,
): Allergen[] {
  const allergens: Allergen[] = [];
  for (const allergy of input.case.allergies) {
    if (statesNoAllergies(allergy.substance)) continue;
    allergens.push({
      label: allergy.substance.trim(),
      drugs: knowledge.recognize(allergy.substance, 'substance'),
      source: { type: 'intake', field: 'allergies', entry: allergy.substance.trim() },
    });
  }
  for (const item of input.clinical) {
    if (item.type !== 'allergy') continue;
    const allergen = importedAllergen(item, knowledge);
    if (allergen !== null) allergens.push(allergen);
  }
  return allergens.filter((allergen) => !isEmptyRecognition(allergen.drugs));
}

const levelSeverity: Record<AllergyLevel, FindingSeverity> = {
  avoid: 'blocker',
  caution: 'warning',
  note: 'info',
};

interface ConflictFinding {
  drug: string;
  relation: AllergyRelation;
  severity: FindingSeverity;
  allergenLabels: Set<string>;
  drugLabels: Set<string>;
  proposedOnly: boolean;
  sources: EvidenceSource[];
}

function drugName(use: MedicationUse): string {
  return use.drugs.ingredients.join(' + ') || use.drugs.classes.join(' + ');
}

function relationWords(relation: AllergyRelation): string {
  switch (relation.kind) {
    case 'same_ingredient':
      return 'is the same medicine';
    case 'same_class':
      return 'belongs to the same group of medicines';
    case 'cross_reactive':
      return 'is related to it, so a reaction is possible';
  }
}

function patientMessage(conflict: ConflictFinding): string {
  const allergens = [...conflict.allergenLabels].sort().join(', ');
  const where = conflict.proposedOnly
    ? 'is part of the treatment your doctors offered'
    : 'is on your list of medicines';
  if (conflict.severity === 'info')
    return `You are allergic to ${allergens}. The medicine ${conflict.drug}, which ${where}, is distantly related to it. The risk is low. Your reviewing doctor will take this into account. You do not need to do anything.`;
  return `You are allergic to ${allergens}. The medicine ${conflict.drug}, which ${where}, ${relationWords(conflict.relation)}. Please tell us if you have taken it before without a reaction. Do not stop any medicine on your own.`;
}

/** Current and proposed drugs that the patient's drug allergies speak against. */
export function checkAllergyConflicts(
  allergens: readonly Allergen[],
  uses: readonly MedicationUse[],
  knowledge: MedicationKnowledge,
): Finding[] {
  const conflicts = new Map<string, ConflictFinding>();
  for (const use of uses) {
    if (!use.current || isEmptyRecognition(use.drugs)) continue;
    for (const allergen of allergens) {
      const relation = knowledge.allergyRelation(allergen.drugs, use.drugs);
      if (relation === null) continue;
      const drug = drugName(use);
      const key = `${relation.shared}\u0000${drug}`;
      const severity = levelSeverity[relation.level];
      const known = conflicts.get(key);
      if (known === undefined) {
        conflicts.set(key, {
          drug,
          relation,
          severity,
          allergenLabels: new Set([allergen.label]),
          drugLabels: new Set([use.label]),
          proposedOnly: use.origin === 'proposed',
          sources: [allergen.source, use.source],
        });
        continue;
      }
      if (severity !== known.severity && maxSeverity(severity, known.severity) === severity)
        known.relation = relation;
      known.severity = maxSeverity(known.severity, severity);
      known.allergenLabels.add(allergen.label);
      known.drugLabels.add(use.label);
      known.proposedOnly &&= use.origin === 'proposed';
      known.sources.push(allergen.source, use.source);
    }
  }
  return [...conflicts.values()].map((conflict): Finding => ({
    rule: 'allergy_conflict',
    severity: conflict.severity,
    fingerprint: fingerprintOf('allergy_conflict', [conflict.relation.shared, conflict.drug]),
    patientAction: conflict.severity === 'info' ? 'none' : 'answer',
    patientMessage: patientMessage(conflict),
    staffMessage: `Allergy to ${[...conflict.allergenLabels].sort().join('; ')} vs ${conflict.proposedOnly ? 'proposed' : 'current'} ${[...conflict.drugLabels].sort().join('; ')}: ${conflict.relation.kind.replace('_', ' ')} (${conflict.relation.shared}${conflict.relation.relatedClass === null ? '' : ` → ${conflict.relation.relatedClass}`})${conflict.relation.note === null ? '' : `; ${conflict.relation.note}`}.`,
    evidence: {
      sources: orderSources(conflict.sources),
      values: {
        drug: conflict.drug,
        shared: conflict.relation.shared,
        relation: conflict.relation.kind,
        relatedClass: conflict.relation.relatedClass,
      },
    },
  }));
}
