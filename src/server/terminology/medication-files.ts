/**
 * Loads the safety net's shipped reference data once per process: the medication knowledge
 * (terminology/medication/) and the ICD-10-CM helpers of the safety net (terminology/safety/:
 * the section → specialty mapping and the first fiscal year of recently added codes), and bundles
 * them with the ICD-10-CM code set into the `SafetyNetReference` that `runSafetyNet` takes.
 * Loading is lazy and shared like the code set's; a failed load is retried by the next caller.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import {
  parseSectionSpecialtyMap,
  type SectionSpecialtyMap,
} from '../../core/safety/case-category.ts';
import { defaultChecklistSet, type ChecklistSet } from '../../core/safety/checklists.ts';
import { parseIcd10CmAdditions, type Icd10CmAdditions } from '../../core/safety/icd-coding.ts';
import type { MedicationKnowledge } from '../../core/safety/medication-knowledge.ts';
import {
  parseMedicationKnowledge,
  type MedicationSourceFiles,
} from '../../core/safety/reference-medication-knowledge.ts';
import type { SafetyNetReference } from '../../core/safety/run-safety-net.ts';
import { loadIcd10CmCodeSet } from './icd10cm-files.ts';

/** Where the shipped medication files live. */
export const medicationDirectory = path.resolve(
  import.meta.dirname,
  '../../../terminology/medication',
);

/** Where the safety net's ICD-10-CM helper files live. */
export const safetyDirectory = path.resolve(import.meta.dirname, '../../../terminology/safety');

/** Reads the five medication files. */
export async function readMedicationFiles(
  directory: string = medicationDirectory,
): Promise<MedicationSourceFiles> {
  const text = (name: string) => fs.readFile(path.join(directory, name), 'utf8');
  const [oncHighPriority, ddiExtra, qtProlonging, allergyClasses, ingredientSynonyms] =
    await Promise.all([
      text('onc-high-priority-ddi.json'),
      text('ddi-extra.json'),
      text('qt-prolonging.json'),
      text('allergy-classes.json'),
      text('ingredient-synonyms.json'),
    ]);
  return { oncHighPriority, ddiExtra, qtProlonging, allergyClasses, ingredientSynonyms };
}

/** Reads and parses the section → specialty mapping and the added-codes list. */
export async function readSafetyIcdFiles(
  directory: string = safetyDirectory,
): Promise<{ sectionSpecialties: SectionSpecialtyMap; icd10cmAdditions: Icd10CmAdditions }> {
  const [sections, added] = await Promise.all([
    fs.readFile(path.join(directory, 'icd10cm-section-specialty.json'), 'utf8'),
    fs.readFile(path.join(directory, 'icd10cm-added.tsv'), 'utf8'),
  ]);
  return {
    sectionSpecialties: parseSectionSpecialtyMap(sections),
    icd10cmAdditions: parseIcd10CmAdditions(added),
  };
}

let medications: Promise<MedicationKnowledge> | undefined;
let icdHelpers: ReturnType<typeof readSafetyIcdFiles> | undefined;

/** The process-wide shipped medication knowledge, loaded on first use. */
export function loadMedicationKnowledge(): Promise<MedicationKnowledge> {
  medications ??= readMedicationFiles()
    .then(parseMedicationKnowledge)
    .catch((error: unknown) => {
      medications = undefined;
      throw error;
    });
  return medications;
}

function loadSafetyIcdFiles(): ReturnType<typeof readSafetyIcdFiles> {
  icdHelpers ??= readSafetyIcdFiles().catch((error: unknown) => {
    icdHelpers = undefined;
    throw error;
  });
  return icdHelpers;
}

/**
 * The reference bundle for `runSafetyNet`: the shipped data with the organization's checklists
 * (the default set when it has none) and, when given, another medication knowledge source (a
 * licensed interaction database behind the `MedicationKnowledge` interface).
 */
export async function loadSafetyNetReference(
  options: { checklists?: ChecklistSet; medications?: MedicationKnowledge } = {},
): Promise<SafetyNetReference> {
  const [icd10cm, helpers, knowledge] = await Promise.all([
    loadIcd10CmCodeSet(),
    loadSafetyIcdFiles(),
    options.medications ?? loadMedicationKnowledge(),
  ]);
  return {
    icd10cm,
    icd10cmAdditions: helpers.icd10cmAdditions,
    sectionSpecialties: helpers.sectionSpecialties,
    checklists: options.checklists ?? defaultChecklistSet,
    medications: knowledge,
  };
}
