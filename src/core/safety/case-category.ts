/**
 * Which checklist a case gets when staff did not choose one: its ICD-10-CM code leads to the
 * code's section (block) of the tabular list, the section to the specialties that review it
 * (`terminology/safety/icd10cm-section-specialty.json`, a starter mapping made for this project),
 * and the specialties to a case category through the checklist set's `specialtyCategories`.
 *
 * Rules:
 * - the section is the category's innermost block as the ICD-10-CM files give it; a block the
 *   mapping does not list (the FY2027 `K65-K6A`) takes its chapter's default specialties;
 * - a code not in the set is tried by its 3-character category (`C50.999` → `C50`), so a
 *   mistyped leaf still finds its kind of case; a code whose category is unknown derives nothing;
 * - a "leading" category wins whenever one of the specialties maps to it (oncology: lymphoma
 *   lists haematology first, melanoma dermatology first, and both are cancer cases); otherwise
 *   the first specialty that maps decides (dorsopathies list orthopaedics before neurosurgery);
 * - a known code whose specialties map to nothing is general medicine.
 */
import { z } from 'zod';
import { normalizeCode } from '../terminology/icd10cm.ts';
import type { Icd10CmIndex } from './icd-coding.ts';
import type { CaseCategory } from './safety-input.ts';

/** Reviewing specialties per ICD-10-CM section (block range) and per chapter. */
export interface SectionSpecialtyMap {
  sections: ReadonlyMap<string, readonly string[]>;
  chapters: ReadonlyMap<number, readonly string[]>;
}

/** How specialties become case categories (part of the editable checklist set). */
export interface CategoryRules {
  specialtyCategories: Readonly<Record<string, CaseCategory>>;
  leadingCategories: readonly CaseCategory[];
}

const sectionSpecialtyFileSchema = z.object({
  chapterDefaults: z.record(z.string().regex(/^\d+$/), z.array(z.string().min(1))),
  sections: z.array(
    z.object({
      section: z.string().min(1),
      chapter: z.number().int(),
      specialties: z.array(z.string().min(1)),
    }),
  ),
});

/** Parses the text of `icd10cm-section-specialty.json`; throws when it has not that shape. */
export function parseSectionSpecialtyMap(json: string): SectionSpecialtyMap {
  const file = sectionSpecialtyFileSchema.parse(JSON.parse(json));
  return {
    sections: new Map(file.sections.map((entry) => [entry.section, entry.specialties])),
    chapters: new Map(
      Object.entries(file.chapterDefaults).map(([chapter, specialties]) => [
        Number(chapter),
        specialties,
      ]),
    ),
  };
}

/** The specialties that review a code's section; empty when the code (and its category) is unknown. */
export function specialtiesOfCode(
  code: string,
  icd: Icd10CmIndex,
  map: SectionSpecialtyMap,
): readonly string[] {
  const normalized = normalizeCode(code);
  const entry = icd.lookup(normalized) ?? icd.lookup(normalized.slice(0, 3));
  if (entry === undefined) return [];
  const bySection = entry.block === null ? undefined : map.sections.get(entry.block.range);
  if (bySection !== undefined) return bySection;
  return (entry.chapter === null ? undefined : map.chapters.get(entry.chapter.number)) ?? [];
}

/**
 * The category for a case: the one staff set, else the one its diagnosis code leads to, else
 * null (the fallback checklist applies).
 */
export function deriveCaseCategory(
  chosen: CaseCategory | null,
  diagnosisCode: string | null,
  icd: Icd10CmIndex,
  map: SectionSpecialtyMap,
  rules: CategoryRules,
): CaseCategory | null {
  if (chosen !== null) return chosen;
  if (diagnosisCode === null || diagnosisCode.trim() === '') return null;
  const specialties = specialtiesOfCode(diagnosisCode, icd, map);
  if (specialties.length === 0) return null;
  const mapped = specialties.flatMap((specialty) => {
    const category = rules.specialtyCategories[specialty];
    return category === undefined ? [] : [category];
  });
  const leading = rules.leadingCategories.find((category) => mapped.includes(category));
  return leading ?? mapped[0] ?? 'general_medicine';
}
