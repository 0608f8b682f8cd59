/**
 * Which checklist a case gets: from its ICD-10-CM code through the section → specialty mapping
 * to a category, with oncology leading and the fallbacks for unknown codes and unlisted sections.
 */
import { describe, expect, it } from 'vitest';
import {
  deriveCaseCategory,
  parseSectionSpecialtyMap,
  specialtiesOfCode,
} from './case-category.ts';
import { defaultChecklistSet } from './checklists.ts';
import { smallIcd10CmCodeSet, smallSectionSpecialtyJson } from './corpus/small-reference.ts';

const icd = smallIcd10CmCodeSet();
const map = parseSectionSpecialtyMap(smallSectionSpecialtyJson);
const derive = (code: string | null) =>
  deriveCaseCategory(null, code, icd, map, defaultChecklistSet);

describe('specialtiesOfCode', () => {
  it('reads the specialties of the code’s section', () => {
    expect(specialtiesOfCode('C50.411', icd, map)).toEqual(['oncology', 'breast-surgery']);
    expect(specialtiesOfCode('i10', icd, map)).toEqual([
      'cardiology',
      'primary-care',
      'nephrology',
    ]);
  });

  it('falls back to the chapter default for a section the mapping does not list', () => {
    expect(specialtiesOfCode('K6A1', icd, map)).toEqual(['gastroenterology']);
  });

  it('tries a mistyped leaf by its category, and knows nothing of an unknown category', () => {
    expect(specialtiesOfCode('E11.99', icd, map)).toEqual(['endocrinology']);
    expect(specialtiesOfCode('Q99.9', icd, map)).toEqual([]);
  });
});

describe('deriveCaseCategory', () => {
  it('maps the first specialty that has a category', () => {
    expect(derive('C50.411')).toBe('oncology');
    expect(derive('I25.10')).toBe('cardiology');
    expect(derive('G40.909')).toBe('neurology');
    expect(derive('M17.11')).toBe('orthopaedics');
    expect(derive('E11.9')).toBe('general_medicine');
  });

  it('lets oncology lead even when another specialty is listed first (lymphoma: haematology)', () => {
    expect(specialtiesOfCode('C83.30', icd, map)[0]).toBe('hematology');
    expect(derive('C83.30')).toBe('oncology');
  });

  it('makes a known code whose specialties map to nothing general medicine', () => {
    expect(specialtiesOfCode('Z99.2', icd, map)).toEqual(['social-work']);
    expect(derive('Z99.2')).toBe('general_medicine');
  });

  it('derives nothing without a code or for an unknown one, and keeps a category staff chose', () => {
    expect(derive(null)).toBeNull();
    expect(derive('  ')).toBeNull();
    expect(derive('Q99.9')).toBeNull();
    expect(deriveCaseCategory('neurology', 'C50.411', icd, map, defaultChecklistSet)).toBe(
      'neurology',
    );
  });

  it('follows an organization’s own specialty mapping', () => {
    const rules = {
      specialtyCategories: {
        ...defaultChecklistSet.specialtyCategories,
        rheumatology: 'general_medicine' as const,
      },
      leadingCategories: [],
    };
    expect(deriveCaseCategory(null, 'M17.11', icd, map, rules)).toBe('orthopaedics');
    expect(deriveCaseCategory(null, 'C83.30', icd, map, rules)).toBe('general_medicine');
  });
});

describe('parseSectionSpecialtyMap', () => {
  it('rejects a file of another shape', () => {
    expect(() => parseSectionSpecialtyMap('{"sections": 3}')).toThrow();
    expect(() => parseSectionSpecialtyMap('not json')).toThrow();
  });
});
