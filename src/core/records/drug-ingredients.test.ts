import { describe, expect, it } from 'vitest';
import {
  ingredientNameFromIngredientDisplay,
  ingredientNamesFromDrugName,
} from './drug-ingredients.ts';

describe('ingredientNamesFromDrugName', () => {
  it('reads the ingredients of RxNorm clinical drug names', () => {
    const cases: [string, string[]][] = [
      ['Amoxicillin 250 MG / Clavulanate 125 MG Oral Tablet', ['amoxicillin', 'clavulanate']],
      [
        'Acetaminophen 325 MG / Oxycodone Hydrochloride 5 MG Oral Tablet',
        ['acetaminophen', 'oxycodone'],
      ],
      ['Simvastatin 20 MG Oral Tablet', ['simvastatin']],
      ['Hydrochlorothiazide 25 MG', ['hydrochlorothiazide']],
      ['albuterol 0.09 MG/ACTUAT [Proventil]', ['albuterol']],
      ['Nitroglycerin 0.4 MG/ACTUAT Mucosal Spray', ['nitroglycerin']],
    ];
    for (const [name, ingredients] of cases)
      expect(ingredientNamesFromDrugName(name), name).toEqual(ingredients);
  });

  it('drops leading quantities, application numbers and salts', () => {
    expect(
      ingredientNamesFromDrugName(
        '24 HR Metformin hydrochloride 500 MG Extended Release Oral Tablet',
      ),
    ).toEqual(['metformin']);
    expect(
      ingredientNamesFromDrugName('NDA020800 0.3 ML Epinephrine 1 MG/ML Auto-Injector'),
    ).toEqual(['epinephrine']);
    expect(
      ingredientNamesFromDrugName('3 ML Amiodarone hydrocholoride 50 MG/ML Prefilled Syringe'),
    ).toEqual(['amiodarone']);
    expect(ingredientNamesFromDrugName('Verapamil Hydrochloride 40 MG')).toEqual(['verapamil']);
    expect(ingredientNamesFromDrugName('Warfarin Sodium 5 MG Oral Tablet')).toEqual(['warfarin']);
    expect(ingredientNamesFromDrugName('Naproxen sodium 220 MG Oral Tablet')).toEqual(['naproxen']);
  });

  it('keeps salts that are the ingredient themselves', () => {
    expect(
      ingredientNamesFromDrugName('Potassium Chloride 20 MEQ Extended Release Oral Tablet'),
    ).toEqual(['potassium chloride']);
  });

  it('reads SNOMED CT product names with the strength written against the number', () => {
    expect(ingredientNamesFromDrugName('Azithromycin 250mg capsule (product)')).toEqual([
      'azithromycin',
    ]);
  });

  it('reads inside packs and leaves placebo tablets out', () => {
    expect(
      ingredientNamesFromDrugName(
        '{7 (Inert Ingredients 1 MG Oral Tablet) / 21 (Mestranol 0.05 MG / Norethindrone 1 MG Oral Tablet) } Pack',
      ),
    ).toEqual(['mestranol', 'norethindrone']);
  });

  it('yields nothing for a name without a strength', () => {
    expect(ingredientNamesFromDrugName('Yaz 28 Day Pack')).toEqual([]);
    expect(
      ingredientNamesFromDrugName('Vancomycin Hydrochloride (VANCOMYCIN HYDROCHLORIDE)'),
    ).toEqual([]);
    expect(ingredientNamesFromDrugName('')).toEqual([]);
  });
});

describe('ingredientNameFromIngredientDisplay', () => {
  it('reads a coded ingredient, with or without its strength', () => {
    expect(ingredientNameFromIngredientDisplay('Acetaminophen 500 MG')).toBe('acetaminophen');
    expect(ingredientNameFromIngredientDisplay('Diphenhydramine Hydrochloride 25 mg')).toBe(
      'diphenhydramine',
    );
    expect(ingredientNameFromIngredientDisplay('Vancomycin Hydrochloride')).toBe('vancomycin');
    expect(ingredientNameFromIngredientDisplay('Penicillin G')).toBe('penicillin g');
    expect(ingredientNameFromIngredientDisplay('12345')).toBeNull();
  });
});
