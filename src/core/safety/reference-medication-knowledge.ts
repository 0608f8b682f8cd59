/**
 * The shipped medication knowledge (`terminology/medication/`, sources and licences in its
 * README): the ONC high-priority drug–drug interactions (Phansalkar et al., JAMIA 2012), further
 * well-established interactions, QT-prolonging drugs, drug-allergy classes with cross-reactivity,
 * and other names of the same ingredients. Pure: the server reads the files and hands their text
 * to `parseMedicationKnowledge`, which validates each file (zod) and builds the indexes once.
 *
 * Recognition of drugs in text, against the vocabulary of the files only (no brand names, since
 * the data has none):
 * - text is folded (case, diacritics, punctuation: `Amoxicillin/Clavulanate` → `amoxicillin
 *   clavulanate`) and scanned for the longest phrase of up to five words that is an ingredient, an
 *   other name of one, a combination name (`co-trimoxazole`) or a class word (`penicillins`);
 *   salts and forms around it (`sodium`, `500 MG Oral Capsule`) are simply not matched;
 * - in `free_text` mode a mention within three words after a negating word ("no", "not", "stop",
 *   "avoid", "instead of", "allergic to", "switch from" …) does not count;
 * - class words that only make sense as an allergy (a bare "contrast") count in `substance` mode.
 *
 * Interactions: ONC entries pair every object drug with every precipitant drug (severity `high`:
 * the expert panel asked for an interruptive alert); ONC-HP-08 (QT + QT) pairs any two different
 * drugs of `qt-prolonging.json`; the extra list pairs `a` with `b` at its own severity.
 *
 * Allergies: the same ingredient (`avoid`; `caution` when the allergy was to a product of several
 * ingredients, since the culprit is not known), the same allergy class (`avoid`), or a class the
 * source lists as cross-reactive (`warn` → `caution`, `info` → `note`; `warn-if-X` applies only when
 * the allergy names ingredient X). Duplicate therapy uses the classes that have an FDA Established
 * Pharmacologic Class, merged by it (the two opioid groups are one class); the aromatic
 * anticonvulsant group exists for cross-reactivity only and is not a therapy class.
 */
import { z } from 'zod';
import type { RecordCoding } from '../records/record-types.ts';
import type {
  AllergyLevel,
  AllergyRelation,
  DrugInteraction,
  MedicationKnowledge,
  RecognitionMode,
  RecognizedDrugs,
  TherapeuticClass,
} from './medication-knowledge.ts';
import { mergeRecognized } from './medication-knowledge.ts';
import { foldedWords, phraseKey } from './text-folding.ts';

/** The text of each shipped file. */
export interface MedicationSourceFiles {
  oncHighPriority: string;
  ddiExtra: string;
  qtProlonging: string;
  allergyClasses: string;
  ingredientSynonyms: string;
}

const drugList = z.array(z.string().min(1));

const oncFileSchema = z.object({
  interactions: z.array(
    z.object({
      id: z.string().min(1),
      object: z.object({ class: z.string(), drugs: drugList }),
      precipitant: z.object({ class: z.string(), drugs: drugList }),
      effect: z.string().min(1),
    }),
  ),
});

const extraFileSchema = z.object({
  interactions: z.array(
    z.object({
      a: drugList,
      b: drugList,
      severity: z.enum(['contraindicated', 'major', 'moderate', 'minor']),
      effect: z.string().min(1),
    }),
  ),
});

const qtFileSchema = z.object({ members: drugList.min(1) });

const crossReactionSchema = z.object({
  class: z.string().min(1),
  risk: z.string().optional(),
  action: z.string().regex(/^(warn|info|warn-if-.+)$/),
});

const allergyFileSchema = z.object({
  classes: z.record(
    z.string().min(1),
    z.object({
      epc: z.string().nullable(),
      members: drugList.min(1),
      crossReactivity: z.array(crossReactionSchema).optional(),
      note: z.string().optional(),
    }),
  ),
  codedTriggersSeenInSampleData: z
    .array(z.object({ system: z.string(), code: z.string(), class: z.string() }))
    .optional(),
});

const synonymFileSchema = z.object({
  ingredientSynonyms: z.record(z.string().min(1), z.string().min(1)),
  combinations: z.record(z.string().min(1), drugList.min(1)),
  classAliases: z.record(z.string().min(1), drugList.min(1)),
  substanceClassAliases: z.record(z.string().min(1), drugList.min(1)),
});

/** The ONC qualifier for ONC-HP-08, whose members come from the QT list. */
const qtInteractionId = 'ONC-HP-08';
const oncSource = 'ONC high-priority DDI list (Phansalkar et al., JAMIA 2012)';
const extraSource = 'Consilium additional DDI list';

/** Negating or hypothetical words before a drug in free text. */
const negationCues = new Set([
  'no',
  'not',
  'never',
  'without',
  'avoid',
  'avoiding',
  'avoided',
  'stop',
  'stopped',
  'stopping',
  'discontinue',
  'discontinued',
  'cease',
  'ceased',
  'withhold',
  'withheld',
  'held',
  'hold',
  'off',
  'instead',
  'from',
  'allergic',
  'allergy',
  'allergies',
  'intolerant',
  'intolerance',
  'contraindicated',
  'except',
]);
const negationWindow = 3;
const longestPhrase = 5;

interface VocabularyEntry {
  ingredients: string[];
  classes: string[];
  substanceOnly: boolean;
}

interface AllergyClass {
  id: string;
  epc: string | null;
  members: Set<string>;
  cross: { target: string; risk: string | null; action: string }[];
}

const canonical = (name: string) => name.trim().toLowerCase();

function pairKey(left: string, right: string): string {
  return left < right ? `${left}\u0000${right}` : `${right}\u0000${left}`;
}

const levelRank: Record<AllergyLevel, number> = { avoid: 0, caution: 1, note: 2 };

class ReferenceMedicationKnowledge implements MedicationKnowledge {
  readonly source = 'Consilium starter medication data (terminology/medication)';
  private readonly vocabulary = new Map<string, VocabularyEntry>();
  private readonly interactionsByPair = new Map<string, DrugInteraction[]>();
  private readonly allergyClasses = new Map<string, AllergyClass>();
  private readonly classesByIngredient = new Map<string, string[]>();
  private readonly codedTriggers = new Map<string, string>();

  constructor(files: MedicationSourceFiles) {
    const onc = oncFileSchema.parse(JSON.parse(files.oncHighPriority));
    const extra = extraFileSchema.parse(JSON.parse(files.ddiExtra));
    const qt = qtFileSchema.parse(JSON.parse(files.qtProlonging));
    const allergy = allergyFileSchema.parse(JSON.parse(files.allergyClasses));
    const synonyms = synonymFileSchema.parse(JSON.parse(files.ingredientSynonyms));

    const qtMembers = qt.members.map(canonical);
    for (const entry of onc.interactions) {
      const isQt = entry.id === qtInteractionId;
      const objects = isQt ? qtMembers : entry.object.drugs.map(canonical);
      const precipitants = isQt ? qtMembers : entry.precipitant.drugs.map(canonical);
      const interaction: DrugInteraction = {
        id: entry.id,
        severity: 'high',
        effect: entry.effect,
        source: oncSource,
      };
      this.addPairs(objects, precipitants, interaction);
    }
    extra.interactions.forEach((entry, index) => {
      const interaction: DrugInteraction = {
        id: `EXTRA-${String(index + 1).padStart(2, '0')}`,
        severity: entry.severity,
        effect: entry.effect,
        source: extraSource,
      };
      this.addPairs(entry.a.map(canonical), entry.b.map(canonical), interaction);
    });

    for (const [id, definition] of Object.entries(allergy.classes)) {
      const members = new Set(definition.members.map(canonical));
      this.allergyClasses.set(id, {
        id,
        epc: definition.epc,
        members,
        cross: (definition.crossReactivity ?? []).map((entry) => ({
          target: entry.class,
          risk: entry.risk ?? null,
          action: entry.action,
        })),
      });
      for (const member of members) {
        const classes = this.classesByIngredient.get(member) ?? [];
        classes.push(id);
        this.classesByIngredient.set(member, classes);
        this.addIngredient(member);
      }
      this.addWords(id.replaceAll('-', ' '), [], [id], false);
    }
    for (const allergyClass of this.allergyClasses.values())
      for (const cross of allergyClass.cross)
        if (!this.allergyClasses.has(cross.target))
          throw new Error(
            `allergy class ${allergyClass.id}: unknown cross-reactive class ${cross.target}`,
          );
    for (const trigger of allergy.codedTriggersSeenInSampleData ?? [])
      this.codedTriggers.set(`${trigger.system.trim()}|${trigger.code.trim()}`, trigger.class);

    for (const [name, target] of Object.entries(synonyms.ingredientSynonyms))
      this.addWords(name, [this.knownIngredient(target, `synonym ${name}`)], [], false);
    for (const [name, targets] of Object.entries(synonyms.combinations))
      this.addWords(
        name,
        targets.map((target) => this.knownIngredient(target, `combination ${name}`)),
        [],
        false,
      );
    for (const [aliases, substanceOnly] of [
      [synonyms.classAliases, false],
      [synonyms.substanceClassAliases, true],
    ] as const)
      for (const [name, classes] of Object.entries(aliases)) {
        for (const id of classes)
          if (!this.allergyClasses.has(id))
            throw new Error(`class alias ${name}: unknown class ${id}`);
        this.addWords(name, [], classes, substanceOnly);
      }
  }

  private addIngredient(name: string): void {
    this.addWords(name, [name], [], false);
  }

  private addPairs(left: string[], right: string[], interaction: DrugInteraction): void {
    for (const a of left) {
      this.addIngredient(a);
      for (const b of right) {
        this.addIngredient(b);
        if (a === b) continue;
        const key = pairKey(a, b);
        const list = this.interactionsByPair.get(key) ?? [];
        if (!list.some((known) => known.id === interaction.id)) list.push(interaction);
        this.interactionsByPair.set(key, list);
      }
    }
  }

  private addWords(
    phrase: string,
    ingredients: string[],
    classes: string[],
    substanceOnly: boolean,
  ): void {
    const key = phraseKey(phrase);
    if (key === '') return;
    const entry = this.vocabulary.get(key);
    if (entry === undefined) {
      this.vocabulary.set(key, {
        ingredients: [...ingredients],
        classes: [...classes],
        substanceOnly,
      });
      return;
    }
    entry.ingredients = [...new Set([...entry.ingredients, ...ingredients])];
    entry.classes = [...new Set([...entry.classes, ...classes])];
    entry.substanceOnly &&= substanceOnly;
  }

  private knownIngredient(name: string, context: string): string {
    const entry = this.vocabulary.get(phraseKey(name));
    const ingredient = entry?.ingredients[0];
    if (ingredient === undefined)
      throw new Error(`${context}: ${name} is not an ingredient of the data`);
    return ingredient;
  }

  recognize(text: string, mode: RecognitionMode): RecognizedDrugs {
    const words = foldedWords(text);
    const ingredients = new Set<string>();
    const classes = new Set<string>();
    let index = 0;
    while (index < words.length) {
      let found: { entry: VocabularyEntry; length: number } | undefined;
      for (let length = Math.min(longestPhrase, words.length - index); length >= 1; length--) {
        const entry = this.vocabulary.get(words.slice(index, index + length).join(' '));
        if (entry !== undefined && (mode === 'substance' || !entry.substanceOnly)) {
          found = { entry, length };
          break;
        }
      }
      if (found === undefined) {
        index += 1;
        continue;
      }
      const before = words.slice(Math.max(0, index - negationWindow), index);
      if (mode === 'substance' || !before.some((word) => negationCues.has(word))) {
        for (const ingredient of found.entry.ingredients) ingredients.add(ingredient);
        for (const drugClass of found.entry.classes) classes.add(drugClass);
      }
      index += found.length;
    }
    return { ingredients: [...ingredients].sort(), classes: [...classes].sort() };
  }

  recognizeCoding(coding: RecordCoding): RecognizedDrugs {
    const trigger = this.codedTriggers.get(`${coding.system.trim()}|${coding.code.trim()}`);
    const byDisplay =
      coding.display === undefined ? [] : [this.recognize(coding.display, 'substance')];
    return mergeRecognized([
      { ingredients: [], classes: trigger === undefined ? [] : [trigger] },
      ...byDisplay,
    ]);
  }

  interactions(left: string, right: string): DrugInteraction[] {
    if (left === right) return [];
    return [...(this.interactionsByPair.get(pairKey(canonical(left), canonical(right))) ?? [])];
  }

  private classesOf(drugs: RecognizedDrugs): Set<string> {
    const classes = new Set(drugs.classes);
    for (const ingredient of drugs.ingredients)
      for (const id of this.classesByIngredient.get(ingredient) ?? []) classes.add(id);
    return classes;
  }

  allergyRelation(allergen: RecognizedDrugs, drug: RecognizedDrugs): AllergyRelation | null {
    const relations: AllergyRelation[] = [];
    for (const ingredient of drug.ingredients)
      if (allergen.ingredients.includes(ingredient))
        relations.push({
          kind: 'same_ingredient',
          level: allergen.ingredients.length > 1 ? 'caution' : 'avoid',
          shared: ingredient,
          relatedClass: null,
          note: null,
        });
    const allergenClasses = this.classesOf(allergen);
    const drugClasses = this.classesOf(drug);
    for (const id of [...allergenClasses].sort()) {
      if (drugClasses.has(id))
        relations.push({
          kind: 'same_class',
          level: 'avoid',
          shared: id,
          relatedClass: null,
          note: null,
        });
      for (const cross of this.allergyClasses.get(id)?.cross ?? []) {
        if (!drugClasses.has(cross.target) || allergenClasses.has(cross.target)) continue;
        let level: AllergyLevel | null;
        if (cross.action === 'warn') level = 'caution';
        else if (cross.action === 'info') level = 'note';
        else {
          const only = canonical(cross.action.slice('warn-if-'.length));
          level = allergen.ingredients.includes(only) ? 'caution' : null;
        }
        if (level !== null)
          relations.push({
            kind: 'cross_reactive',
            level,
            shared: id,
            relatedClass: cross.target,
            note: cross.risk,
          });
      }
    }
    relations.sort((left, right) => levelRank[left.level] - levelRank[right.level]);
    return relations[0] ?? null;
  }

  therapeuticClasses(ingredient: string): TherapeuticClass[] {
    const byEpc = new Map<string, TherapeuticClass>();
    for (const id of this.classesByIngredient.get(canonical(ingredient)) ?? []) {
      const epc = this.allergyClasses.get(id)?.epc ?? null;
      if (epc !== null) byEpc.set(epc, { id: epc, name: epc });
    }
    return [...byEpc.values()].sort((left, right) => (left.id < right.id ? -1 : 1));
  }
}

/** Builds the shipped knowledge from the files' text; throws when a file is malformed. */
export function parseMedicationKnowledge(files: MedicationSourceFiles): MedicationKnowledge {
  return new ReferenceMedicationKnowledge(files);
}
