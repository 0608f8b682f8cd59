/**
 * Duplicate therapy (PRODUCT.md capability 3): two different drugs of one therapeutic class taken
 * now — two NSAIDs, two ACE inhibitors, two opioids — usually one drug too many, or a switch
 * that was never completed. Classes come from the medication knowledge (`therapeuticClasses`).
 *
 * Rules: only current listings (the intake and current imported medications; the proposed
 * treatment may be a planned switch, so it is left out); at least two different ingredients of
 * the class from at least two listings (the same drug listed twice — once by the patient, once in
 * an imported record — is one therapy, and one combination product is one therapy). `warning`.
 */
import { fingerprintOf, orderSources, type EvidenceSource, type Finding } from './finding.ts';
import type { MedicationKnowledge, TherapeuticClass } from './medication-knowledge.ts';
import type { MedicationUse } from './medication-uses.ts';

interface ClassMembers {
  therapeuticClass: TherapeuticClass;
  /** Ingredient → keys of the listings naming it. */
  ingredients: Map<string, Set<string>>;
  sources: Map<string, EvidenceSource>;
}

/** Different drugs of the same therapeutic class taken together now. */
export function checkDuplicateTherapy(
  uses: readonly MedicationUse[],
  knowledge: MedicationKnowledge,
): Finding[] {
  const byClass = new Map<string, ClassMembers>();
  for (const use of uses) {
    if (!use.current || use.origin === 'proposed') continue;
    for (const ingredient of use.drugs.ingredients) {
      for (const therapeuticClass of knowledge.therapeuticClasses(ingredient)) {
        const members = byClass.get(therapeuticClass.id) ?? {
          therapeuticClass,
          ingredients: new Map<string, Set<string>>(),
          sources: new Map<string, EvidenceSource>(),
        };
        const listings = members.ingredients.get(ingredient) ?? new Set<string>();
        listings.add(use.key);
        members.ingredients.set(ingredient, listings);
        members.sources.set(use.key, use.source);
        byClass.set(therapeuticClass.id, members);
      }
    }
  }
  const findings: Finding[] = [];
  for (const members of byClass.values()) {
    const listings = new Set([...members.ingredients.values()].flatMap((keys) => [...keys]));
    if (members.ingredients.size < 2 || listings.size < 2) continue;
    const ingredients = [...members.ingredients.keys()].sort();
    const named =
      ingredients.length === 2
        ? `${ingredients[0]!} and ${ingredients[1]!}`
        : `${ingredients.slice(0, -1).join(', ')} and ${ingredients.at(-1)!}`;
    findings.push({
      rule: 'duplicate_therapy',
      severity: 'warning',
      fingerprint: fingerprintOf('duplicate_therapy', [
        members.therapeuticClass.id,
        ...ingredients,
      ]),
      patientAction: 'answer',
      patientMessage: `Your list has ${ingredients.length === 2 ? 'two' : 'several'} medicines that do the same job: ${named}. Please check that you really take all of them. Do not stop any medicine on your own. Your reviewing doctor will look at this.`,
      staffMessage: `${ingredients.length} current drugs of one therapeutic class (${members.therapeuticClass.name}): ${ingredients.join(', ')}.`,
      evidence: {
        sources: orderSources([...members.sources.values()]),
        values: {
          therapeuticClass: members.therapeuticClass.name,
          ingredients: ingredients.join(', '),
        },
      },
    });
  }
  return findings;
}
