import { describe, expect, it } from 'vitest';
import { defaultChecklistSet, type ChecklistSet } from '../../core/safety/checklists.ts';
import {
  blankDocumentItem,
  blankFactItem,
  checklistOfPath,
  checklistProblems,
  effectiveItemIds,
  isShippedDefaults,
  mayAddItem,
  placeServerIssues,
  problemAtPath,
  problemCounts,
  readChecklistValues,
  sameChecklistSet,
  serverIssues,
  suggestedItemId,
  toChecklistValues,
  withItemAdded,
  withItemRemoved,
  type ChecklistSetValues,
  type DocumentItemValues,
} from './checklist-form.ts';

function defaults(): ChecklistSetValues {
  return toChecklistValues(defaultChecklistSet);
}

function savedSet(values: ChecklistSetValues): ChecklistSet {
  const reading = readChecklistValues(values);
  if (reading.set === null)
    throw new Error(`unexpected problems ${JSON.stringify(reading.problems)}`);
  return reading.set;
}

function documentAt(values: ChecklistSetValues, index: number): DocumentItemValues {
  const item = values.checklists.oncology.items[index];
  if (item?.type !== 'document') throw new Error(`item ${index} is not a document`);
  return item;
}

describe('toChecklistValues and readChecklistValues', () => {
  it('give back the same set they were given', () => {
    const set = savedSet(defaults());
    expect(set).toEqual(defaultChecklistSet);
    expect(isShippedDefaults(set)).toBe(true);
  });

  it('mark every loaded item as saved, with its id fixed', () => {
    const values = defaults();
    expect(values.checklists.oncology.items.every((item) => item.saved)).toBe(true);
    expect(values.checklists.oncology.items.map((item) => item.id)).toEqual(
      defaultChecklistSet.checklists.oncology.items.map((item) => item.id),
    );
  });

  it('turn "any date" into maxAgeDays null and keep the typed days for switching back', () => {
    const values = defaults();
    const pathology = documentAt(values, 0);
    expect(pathology.anyAge).toBe(true);
    expect(pathology.maxAgeDays).toBe(365);
    const imaging = documentAt(values, 1);
    imaging.maxAgeDays = 60;
    imaging.anyAge = true;
    expect(savedSet(values).checklists.oncology.items[1]).toMatchObject({ maxAgeDays: null });
    imaging.anyAge = false;
    expect(savedSet(values).checklists.oncology.items[1]).toMatchObject({ maxAgeDays: 60 });
  });

  it('trim text, upper-case modalities and leave empty hints out', () => {
    const values = defaults();
    const imaging = documentAt(values, 1);
    imaging.label = '  scan report  ';
    imaging.modalities = [' ct', 'mr '];
    imaging.keywords = [];
    const item = savedSet(values).checklists.oncology.items[1];
    expect(item).toMatchObject({ label: 'scan report', modalities: ['CT', 'MR'] });
    expect(item).not.toHaveProperty('keywords');
  });

  it('keep the specialty mapping as loaded', () => {
    const set: ChecklistSet = {
      ...defaultChecklistSet,
      specialtyCategories: { dermatology: 'oncology' },
      leadingCategories: [],
    };
    const saved = savedSet(toChecklistValues(set));
    expect(saved.specialtyCategories).toEqual({ dermatology: 'oncology' });
    expect(saved.leadingCategories).toEqual([]);
  });
});

describe('adding and removing requirements', () => {
  it('appends a new requirement that, once filled in, is saved under an id from its label', () => {
    const item = { ...blankDocumentItem('new-1') };
    let values = withItemAdded(defaults(), 'cardiology', item);
    const items = values.checklists.cardiology.items;
    expect(items.at(-1)).toMatchObject({ key: 'new-1', saved: false, id: '' });
    expect(values.checklists.oncology.items).toHaveLength(
      defaultChecklistSet.checklists.oncology.items.length,
    );
    values = {
      ...values,
      checklists: {
        ...values.checklists,
        cardiology: {
          ...values.checklists.cardiology,
          items: items.map((entry) =>
            entry.key === 'new-1'
              ? { ...item, label: 'Stress test report', why: 'Ischaemia.', kinds: ['other'] }
              : entry,
          ),
        },
      },
    };
    const added = savedSet(values).checklists.cardiology.items.at(-1);
    expect(added).toEqual({
      type: 'document',
      id: 'stress_test_report',
      label: 'Stress test report',
      why: 'Ischaemia.',
      kinds: ['other'],
      maxAgeDays: 365,
      missingSeverity: 'warning',
      staleSeverity: 'info',
    });
  });

  it('removes only the requirement of that key, in that checklist', () => {
    const values = withItemRemoved(defaults(), 'oncology', 'saved:labs');
    const set = savedSet(values);
    expect(set.checklists.oncology.items.map((item) => item.id)).not.toContain('labs');
    expect(set.checklists.oncology.items).toHaveLength(
      defaultChecklistSet.checklists.oncology.items.length - 1,
    );
    expect(set.checklists.cardiology.items.map((item) => item.id)).toContain('labs');
  });

  it('adds nothing to a full checklist (the schema allows 40 requirements)', () => {
    let values = defaults();
    const start = values.checklists.neurology.items.length;
    for (let index = start; index < 45; index += 1)
      values = withItemAdded(values, 'neurology', blankFactItem(`new-${index}`));
    expect(values.checklists.neurology.items).toHaveLength(40);
    expect(mayAddItem(values.checklists.neurology)).toBe(false);
    expect(mayAddItem(values.checklists.oncology)).toBe(true);
  });
});

describe('suggestedItemId', () => {
  it('folds the label into lower-case words joined by _', () => {
    expect(suggestedItemId('Échocardiogramme (récent) — 2 vues', new Set())).toBe(
      'echocardiogramme_recent_2_vues',
    );
  });

  it('avoids ids already taken', () => {
    expect(suggestedItemId('Labs', new Set(['labs', 'labs_2']))).toBe('labs_3');
  });

  it('starts with a letter and falls back to "item" for a label without Latin letters', () => {
    expect(suggestedItemId('3 month CT', new Set())).toBe('item_3_month_ct');
    expect(suggestedItemId('रक्त जांच', new Set())).toBe('item');
    expect(suggestedItemId('रक्त जांच', new Set(['item']))).toBe('item_2');
  });

  it('stays within 40 characters, suffix included', () => {
    const label = 'a very long label that goes on and on about the scan it wants';
    const first = suggestedItemId(label, new Set());
    expect(first.length).toBeLessThanOrEqual(40);
    const second = suggestedItemId(label, new Set([first]));
    expect(second.length).toBeLessThanOrEqual(40);
    expect(second.endsWith('_2')).toBe(true);
  });

  it('gives two new items with the same label different ids', () => {
    const one = { ...blankFactItem('a'), label: 'Blood pressure' };
    const two = { ...blankFactItem('b'), label: 'Blood pressure' };
    expect(effectiveItemIds([one, two])).toEqual(['blood_pressure', 'blood_pressure_2']);
  });

  it('lets a typed id win over a suggestion', () => {
    const typed = { ...blankFactItem('a'), id: 'blood_pressure', label: 'x' };
    const derived = { ...blankFactItem('b'), label: 'Blood pressure' };
    expect(effectiveItemIds([derived, typed])).toEqual(['blood_pressure_2', 'blood_pressure']);
  });
});

describe('checklistProblems', () => {
  it('finds none in the shipped defaults', () => {
    expect(checklistProblems(defaults())).toEqual([]);
  });

  it('puts each problem on its field, by form path', () => {
    const values = defaults();
    values.checklists.oncology.title = '  ';
    values.checklists.oncology.historyGapDays = 10;
    const imaging = documentAt(values, 1);
    imaging.maxAgeDays = '';
    imaging.kinds = [];
    imaging.label = '';
    imaging.why = 'x'.repeat(601);
    imaging.modalities = ['C T'];
    imaging.keywords = ['x'];
    expect(checklistProblems(values)).toEqual(
      expect.arrayContaining([
        { path: 'checklists.oncology.title', rule: 'title' },
        { path: 'checklists.oncology.historyGapDays', rule: 'historyGapDays' },
        { path: 'checklists.oncology.items.1.maxAgeDays', rule: 'maxAgeDays' },
        { path: 'checklists.oncology.items.1.kinds', rule: 'kinds' },
        { path: 'checklists.oncology.items.1.label', rule: 'label' },
        { path: 'checklists.oncology.items.1.why', rule: 'why' },
        { path: 'checklists.oncology.items.1.modalities', rule: 'modalities' },
        { path: 'checklists.oncology.items.1.keywords', rule: 'keywords' },
      ]),
    );
    expect(checklistProblems(values)).toHaveLength(8);
    expect(readChecklistValues(values).set).toBeNull();
  });

  it('refuses a recency outside 1–3650 days and a fractional one', () => {
    for (const days of [0, 3651, 30.5]) {
      const values = defaults();
      documentAt(values, 1).maxAgeDays = days;
      expect(checklistProblems(values)).toEqual([
        { path: 'checklists.oncology.items.1.maxAgeDays', rule: 'maxAgeDays' },
      ]);
    }
  });

  it('ignores the days while "any date" is on', () => {
    const values = defaults();
    const imaging = documentAt(values, 1);
    imaging.maxAgeDays = '';
    imaging.anyAge = true;
    expect(checklistProblems(values)).toEqual([]);
  });

  it('asks for the fact of a new fact requirement', () => {
    const values = withItemAdded(defaults(), 'fallback', {
      ...blankFactItem('new-1'),
      label: 'date of diagnosis',
      why: 'Dates the history.',
    });
    const index = values.checklists.fallback.items.length - 1;
    expect(checklistProblems(values)).toEqual([
      { path: `checklists.fallback.items.${index}.fact`, rule: 'fact' },
    ]);
  });

  it('tells a duplicate id from a malformed one, even while other fields are wrong', () => {
    const values = withItemAdded(defaults(), 'oncology', {
      ...blankDocumentItem('new-1'),
      id: 'labs',
    });
    const index = values.checklists.oncology.items.length - 1;
    const problems = checklistProblems(values);
    expect(problems).toContainEqual({
      path: `checklists.oncology.items.${index}.id`,
      rule: 'duplicateId',
    });
    const item = values.checklists.oncology.items[index]!;
    item.id = 'Labs-2';
    expect(checklistProblems(values)).toContainEqual({
      path: `checklists.oncology.items.${index}.id`,
      rule: 'id',
    });
  });
});

describe('problemAtPath', () => {
  it('reads the server issue paths onto the same fields', () => {
    expect(problemAtPath('body.checklists.neurology.items.2.maxAgeDays')).toEqual({
      path: 'checklists.neurology.items.2.maxAgeDays',
      rule: 'maxAgeDays',
    });
    expect(problemAtPath('body.checklists.oncology.items.0.modalities.1')).toEqual({
      path: 'checklists.oncology.items.0.modalities',
      rule: 'modalities',
    });
    expect(problemAtPath('body.checklists.fallback.items.0.staleSeverity')).toEqual({
      path: 'checklists.fallback.items.0.staleSeverity',
      rule: 'severity',
    });
    expect(problemAtPath('body.checklists.fallback.items.0.id', true)).toEqual({
      path: 'checklists.fallback.items.0.id',
      rule: 'duplicateId',
    });
    expect(problemAtPath('body.checklists.cardiology.items')).toEqual({
      path: 'checklists.cardiology.items',
      rule: 'tooManyItems',
    });
  });

  it('places nothing this form does not show', () => {
    expect(problemAtPath('body.specialtyCategories.cardiology')).toBeNull();
    expect(problemAtPath('body.checklists.dermatology.title')).toBeNull();
    expect(problemAtPath('body.checklists.oncology.items.3')).toBeNull();
    expect(problemAtPath('body.version')).toBeNull();
  });
});

describe('problem counts per checklist', () => {
  it('counts the errors of each checklist', () => {
    expect(
      problemCounts([
        'checklists.oncology.items.1.label',
        'checklists.oncology.title',
        'checklists.fallback.items.0.why',
        'unrelated',
      ]),
    ).toEqual({ oncology: 2, fallback: 1 });
    expect(checklistOfPath('checklists.general_medicine.items.0.why')).toBe('general_medicine');
    expect(checklistOfPath('checklistsX.oncology')).toBeNull();
  });
});

describe('sameChecklistSet', () => {
  it('ignores key order but not content or item order', () => {
    const copy = structuredClone(defaultChecklistSet);
    const shuffled: ChecklistSet = {
      leadingCategories: copy.leadingCategories,
      specialtyCategories: copy.specialtyCategories,
      checklists: copy.checklists,
      version: 1,
    };
    expect(sameChecklistSet(shuffled, defaultChecklistSet)).toBe(true);
    const changed = structuredClone(defaultChecklistSet);
    const imaging = changed.checklists.oncology.items[1]!;
    if (imaging.type === 'document') imaging.maxAgeDays = 60;
    expect(isShippedDefaults(changed)).toBe(false);
    const swapped = structuredClone(defaultChecklistSet);
    swapped.checklists.oncology.items.reverse();
    expect(isShippedDefaults(swapped)).toBe(false);
  });
});

describe('server issues', () => {
  it('reads the issues of a validation_failed body, paths as text or lists', () => {
    expect(
      serverIssues({
        issues: [
          { path: 'body.checklists.oncology.title', message: 'Too small' },
          { path: ['body', 'checklists', 'oncology', 'items', 0, 'why'], message: 'Too big' },
          { message: 'no path' },
          'junk',
        ],
      }),
    ).toEqual([
      { path: 'body.checklists.oncology.title', message: 'Too small' },
      { path: 'body.checklists.oncology.items.0.why', message: 'Too big' },
    ]);
    expect(serverIssues(undefined)).toEqual([]);
    expect(serverIssues({ issues: 'none' })).toEqual([]);
  });

  it('places them on the fields and keeps apart those this form does not show', () => {
    const values = defaults();
    const { placed, unplaced } = placeServerIssues(
      [
        { path: 'body.checklists.cardiology.items.1.maxAgeDays', message: 'Too big' },
        { path: 'body.checklists.cardiology.items.1.maxAgeDays', message: 'Not an integer' },
        { path: 'body.checklists.fallback.items.2.id', message: 'duplicate item id labs' },
        { path: 'body.specialtyCategories.Cardiology', message: 'Invalid key' },
      ],
      values,
    );
    expect(placed).toEqual([
      { path: 'checklists.cardiology.items.1.maxAgeDays', rule: 'maxAgeDays' },
      { path: 'checklists.fallback.items.2.id', rule: 'duplicateId' },
    ]);
    expect(unplaced).toEqual([
      { path: 'body.specialtyCategories.Cardiology', message: 'Invalid key' },
    ]);
  });

  it("prefers the browser's own, more precise rule for a field", () => {
    const values = withItemAdded(defaults(), 'oncology', {
      ...blankFactItem('new-1'),
      id: 'labs',
      label: 'x',
      why: 'y',
      fact: 'allergies',
    });
    const index = values.checklists.oncology.items.length - 1;
    const { placed } = placeServerIssues(
      [{ path: `body.checklists.oncology.items.${index}.id`, message: 'Invalid' }],
      values,
    );
    expect(placed).toEqual([
      { path: `checklists.oncology.items.${index}.id`, rule: 'duplicateId' },
    ]);
  });
});
