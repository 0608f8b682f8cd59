/**
 * The active ingredients a medication's name states, as lower-case ingredient names
 * (`Amoxicillin 250 MG / Clavulanate 125 MG Oral Tablet` → `amoxicillin`, `clavulanate`), the form
 * in which the safety net's interaction and allergy-class tables name drugs. Read from the text
 * only, because the standard way (RxNorm's ingredient relations) needs a terminology service the
 * platform does not ship; a record that lists its ingredients as codes (FHIR Medication.ingredient)
 * is read from those instead.
 *
 * Rules (shaped on RxNorm clinical drug names, "Ingredient Strength Unit / … Dose Form", and the
 * product names of SNOMED CT and NDC listings):
 * - a name is split into components at ` / `; a component names an ingredient when a strength
 *   follows it (`250 MG`, `0.09 MG/ACTUAT`, `250mg`, `5 %`, `1000 UNT`); the words before the strength
 *   are the ingredient.
 * - leading quantities and qualifiers are dropped (`24 HR`, `3 ML`, `NDA020800`), as are brand names
 *   in brackets (`[Proventil]`); packs (`{21 (…) / 7 (…)} Pack`) are read component by component,
 *   leaving their placebo tablets out.
 * - salts and esters that do not change the interaction class are dropped (`Verapamil
 *   Hydrochloride` → `verapamil`, `Naproxen sodium` → `naproxen`), so `warfarin sodium` meets
 *   `warfarin` in the tables.
 * - a name without any strength (a brand such as `Yaz 28 Day Pack`) yields no ingredient.
 */

const strengthUnit =
  '(?:mg|mcg|µg|ug|g|kg|ml|l|meq|mmol|unt|units?|iu|%|actuat|hr|mg\\/ml|mg\\/actuat|mcg\\/actuat|mg\\/hr|mcg\\/hr)';
const strength = new RegExp(`(^|\\s)\\d+(?:[.,]\\d+)?\\s?${strengthUnit}(?:\\/[a-z]+)?\\b`, 'i');

/** Salt and ester words dropped from an ingredient name (USP salt nomenclature). */
const saltWords = new Set([
  'hydrochloride',
  'hcl',
  'hydrobromide',
  'sodium',
  'potassium',
  'calcium',
  'magnesium',
  'sulfate',
  'sulphate',
  'phosphate',
  'acetate',
  'citrate',
  'tartrate',
  'bitartrate',
  'maleate',
  'fumarate',
  'succinate',
  'besylate',
  'mesylate',
  'tosylate',
  'bromide',
  'chloride',
  'nitrate',
  'lactate',
  'gluconate',
  'dihydrate',
  'monohydrate',
  'trihydrate',
  'anhydrous',
  'disodium',
  'dipropionate',
  'propionate',
  'valerate',
  'hyclate',
]);

/** Salts that are the ingredient itself when they stand alone (`Potassium Chloride 20 MEQ`). */
const saltsThatAreIngredients =
  /^(potassium|sodium|calcium|magnesium)\s+(chloride|bicarbonate|carbonate|citrate|gluconate|sulfate|phosphate|acetate)$/;

/** Leading quantities and qualifiers before the ingredient: "24 HR", "3 ML", "NDA020800". */
const leadingQualifiers =
  /^(?:\s*(?:\d+(?:\.\d+)?\s?(?:hr|ml|mg|actuat|day)\b|(?:nda|anda|bla)\d+\b))+\s*/i;

/** Placebo tablets of a pack are not an ingredient. */
const notIngredients = new Set(['inert ingredients', 'inert ingredient', 'placebo']);

function withoutSalts(words: readonly string[]): string {
  const whole = words.join(' ');
  if (saltsThatAreIngredients.test(whole)) return whole;
  // A misspelt salt (Synthea writes "hydrocholoride") is still a hydro…ride salt.
  return words
    .filter((word, index) => index === 0 || (!saltWords.has(word) && !/^hydro\w*ride$/.test(word)))
    .join(' ');
}

function ingredientFrom(component: string): string | null {
  const text = component.replace(leadingQualifiers, '');
  const match = strength.exec(text);
  if (match === null) return null;
  const words = text
    .slice(0, match.index)
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\([^)]*\)/g, ' ')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s,-]/gu, ' ')
    .split(/[\s,]+/)
    .filter((word) => word !== '');
  if (words.length === 0) return null;
  const ingredient = withoutSalts(words);
  return notIngredients.has(ingredient) ? null : ingredient;
}

/**
 * The lower-case ingredient names a medication's name states, in order and without repeats; empty
 * when it states none (see the module comment for the rules).
 */
export function ingredientNamesFromDrugName(name: string): string[] {
  const inner = name.replace(/[{}]/g, ' / ').replace(/\)\s*\/\s*\d+\s*\(/g, ' / ');
  const names: string[] = [];
  for (const component of inner.split(/\s\/\s|\s\+\s|;/)) {
    const ingredient = ingredientFrom(component.replace(/^\s*\d+\s*\(/, '').trim());
    if (ingredient !== null && ingredient !== '' && !names.includes(ingredient))
      names.push(ingredient);
  }
  return names;
}

/**
 * An ingredient's own name as a coded ingredient lists it, lower case and without salt
 * (`Acetaminophen 500 MG` → `acetaminophen`, `Vancomycin Hydrochloride` → `vancomycin`); null
 * when the text cannot be an ingredient name.
 */
export function ingredientNameFromIngredientDisplay(display: string): string | null {
  const stated = ingredientNamesFromDrugName(display)[0];
  if (stated !== undefined) return stated;
  const bare = display
    .replace(/\([^)]*\)|\[[^\]]*\]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();
  if (bare === '' || /\d/.test(bare)) return null;
  return withoutSalts(bare.split(' '));
}
